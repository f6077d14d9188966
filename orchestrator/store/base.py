"""The RunStore contract: all the logic, over eight small backend hooks.

Backends (:class:`~orchestrator.store.dynamodb.DynamoRunStore`,
:class:`~orchestrator.store.local.LocalRunStore`) implement only the hooks
(:mod:`orchestrator.store.hooks`) — get, query, put, conditional update, conditional delete,
atomic pair delete, atomic add — on the flat items of :mod:`orchestrator.store.items`; the
waiter and buffered-event logic is :mod:`orchestrator.store.waiters`. Every hook that can lose a race is conditional and raises
:class:`~orchestrator.store.errors.ConditionFailedError` when it does not apply. Nothing is
read-modify-write without a condition.

Contract of the public methods (the same contract tests run on every backend):

- ``create_run(run)`` creates the run, or returns the existing run when it was created with the
  same idempotency key; any other existing run → :class:`RunAlreadyExistsError`.
- ``update_run_status(...)`` is monotonic and idempotent: it applies only when the new status is
  newer (see :func:`~orchestrator.store.models.status_sequence`), creates the run when it does
  not exist (a run started by a schedule), and returns whether it applied.
- ``take_waiters`` / ``take_buffered_event`` / ``claim_*`` consume items with conditional
  deletes, so two concurrent callers never get the same waiter or event.

Example::

    >>> store = LocalRunStore(tmp_path / "runs.sqlite3")
    >>> store.create_run(Run(run_id="r1", flow="hello")).status
    'PENDING'
    >>> store.update_run_status("r1", "SUCCEEDED", output={"ok": True})
    True
    >>> store.update_run_status("r1", "RUNNING")   # a late event never goes backwards
    False
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from orchestrator.store import items as it
from orchestrator.store.errors import (
    ConditionFailedError,
    InvalidCounterNameError,
    InvalidNextTokenError,
    RunAlreadyExistsError,
)
from orchestrator.store.hooks import Offloader
from orchestrator.store.models import (
    TERMINAL_STATUSES,
    Run,
    RunPage,
    Step,
    status_sequence,
)
from orchestrator.store.step_text import step_output_text
from orchestrator.store.waiters import WaiterStore

__all__ = ["Offloader", "RunStore"]

_UNSET: Any = object()


class RunStore(WaiterStore):
    """Runs, steps, progress counters, waiters and buffered events of flowctl.

    The settings (``inline_limit``, ``offload``, ``clock``) and the backend hooks are
    :class:`~orchestrator.store.hooks.StoreHooks`'; waiters and buffered events are
    :class:`~orchestrator.store.waiters.WaiterStore`'s.
    """

    # ------------------------------------------------------------------ payloads

    def _payload(self, value: Any, hint: str) -> str | None:
        if value is None:
            return None
        text = it.encode_json(value)
        if len(text) * 4 <= self.inline_limit:  # no character is more than 4 bytes in UTF-8
            return text
        return self._fit(value, text, hint)

    def _fit(self, value: Any, text: str, hint: str) -> str:
        """``value``'s JSON ``text`` when it fits the inline limit, else a reference to it stored
        under ``hint`` (through ``offload``), else a placeholder saying how large it was."""
        size = len(text.encode("utf-8"))
        if size <= self.inline_limit:
            return text
        if self.offload is not None:
            text = it.encode_json(self.offload(value, hint))
            if len(text.encode("utf-8")) <= self.inline_limit:
                return text
        return it.encode_json({"$omitted": True, "bytes": size})

    # ------------------------------------------------------------------ runs
    def create_run(self, run: Run) -> Run:
        """Create ``run``; for the same idempotency key return the run that exists.

        Raises :class:`RunAlreadyExistsError` when the id is taken by another request.
        """
        now = self.now()
        run.started_at = run.started_at or now
        run.updated_at = now
        item = it.run_item(
            run,
            self._payload(run.input, f"runs/{run.run_id}/input"),
            self._payload(run.output, f"runs/{run.run_id}/output"),
        )
        try:
            self._put_item(item, if_absent=True)
        except ConditionFailedError as exc:
            existing = self.get_run(run.run_id, steps=False)
            if existing and run.idempotency_key and existing.idempotency_key == run.idempotency_key:
                return existing
            raise RunAlreadyExistsError(run.run_id) from exc
        return run

    def claim(self, run_id: str, name: str, lease_seconds: float) -> bool:
        """Take the claim ``name`` of a run for ``lease_seconds`` (one conditional write).

        True for exactly one caller until the lease ends; after that the next caller may take
        it over (its holder is presumed dead). Used so that one request, not a timer, decides
        who starts a run's execution.
        """
        now_ms = int(self.clock() * 1000)
        until_ms = now_ms + int(lease_seconds * 1000)
        key = (it.run_pk(run_id), f"CLAIM#{name}")
        try:
            self._update_if_newer(key, now_ms, {"status_seq": until_ms, "type": "claim", "run_id": run_id}, {}, ())
        except ConditionFailedError:
            return False
        return True

    def get_run(self, run_id: str, *, steps: bool = True) -> Run | None:
        """The run with its steps (by start time) and fan-out progress, or None."""
        if not steps:
            item = self._get_item((it.run_pk(run_id), it.RUN_SK))
            return it.run_from_item(item) if item else None
        head = self._get_item((it.run_pk(run_id), it.RUN_SK))
        if head is None:
            return None
        run = it.run_from_item(head)
        run.steps = sorted(
            (it.step_from_item(i) for i in self._query(it.run_pk(run_id), "STEP#")),
            key=lambda s: s.order,
        )
        # Every fan-out node has steps (its items, or the Map's own): read its counters by node
        # rather than query AGG#, which would read every result item of an aggregated foreach.
        if run.steps:
            run.progress = self.list_progress(run_id, sorted({s.node for s in run.steps}))
        else:
            found = self._query(it.run_pk(run_id), "AGG#")
            run.progress = {i["node"]: _counters(i) for i in found if i.get("type") == "progress"}
        return run

    def list_runs(self, flow: str, limit: int = 20, next_token: str | None = None) -> RunPage:
        """Runs of ``flow``, newest first, ``limit`` per page; pass ``next_token`` for more."""
        limit = max(1, min(int(limit), 1000))
        after = self._decode_token(flow, next_token) if next_token else None
        found = self._query_flow(it.flow_pk(flow), limit + 1, after)
        page, more = found[:limit], len(found) > limit
        token = self._encode_token(page[-1]) if more and page else None
        return RunPage([it.run_from_item(i) for i in page], token)

    def update_run_status(
        self,
        run_id: str,
        status: str,
        *,
        flow: str | None = None,
        execution_arn: str | None = None,
        input: Any = _UNSET,
        output: Any = _UNSET,
        error: str | None = None,
        cause: str | None = None,
        started_at: str | None = None,
        stopped_at: str | None = None,
        redrive_count: int = 0,
        trigger: str = "external",
        version: int | None = None,
    ) -> bool:
        """Move the run to ``status`` if that is newer than what is stored; True when applied.

        A missing run is created (from a status change of an execution flowctl did not start).
        Terminal statuses set ``stopped_at`` (default now), ``output``, ``error`` and ``cause``;
        a RUNNING of a later redrive round clears them.
        """
        seq = status_sequence(status, redrive_count)
        now = self.now()
        started = started_at or now
        always: it.Item = {
            "status": status,
            "status_seq": seq,
            "updated_at": now,
            "redrive_count": redrive_count,
        }
        if execution_arn:
            always["execution_arn"] = execution_arn
        remove: list[str] = []
        if status in TERMINAL_STATUSES:
            always["stopped_at"] = stopped_at or now
            extra = {"error": error, "cause": cause}
            if output is not _UNSET:
                extra["output_json"] = self._payload(output, f"runs/{run_id}/output")
            always.update({k: v for k, v in extra.items() if v is not None})
            remove = [k for k, v in extra.items() if v is None]
        else:
            remove = ["stopped_at", "error", "cause", "output_json"]
        if_absent: it.Item = {
            "type": "run",
            "run_id": run_id,
            "trigger": trigger,
            "started_at": started,
        }
        if flow:
            if_absent.update(
                {"flow": flow, "GSI1PK": it.flow_pk(flow), "GSI1SK": f"{started}#{run_id}"}
            )
        if version is not None:
            if_absent["version"] = version
        if input is not _UNSET and input is not None:
            if_absent["input_json"] = self._payload(input, f"runs/{run_id}/input")
        try:
            self._update_if_newer((it.run_pk(run_id), it.RUN_SK), seq, always, if_absent, remove)
        except ConditionFailedError:
            return False
        return True

    # ------------------------------------------------------------------ steps and progress
    def record_step(self, step: Step) -> None:
        """Write one step record (one write; re-recording the same attempt of the same round
        overwrites it, an attempt of another redrive round is another record)."""
        text = step_output_text(step)  # (encode_json's text, a foreach item's context from a template)
        if text is not None and len(text) * 4 > self.inline_limit:  # (the path of an offload: only then)
            hint = f"runs/{step.run_id}/steps/{step.node}/{step.index}/{step.redrive}/{step.attempt}"
            text = self._fit(step.output, text, hint)
        self._put_step(step, text)

    def _put_step(self, step: Step, output_json: str | None) -> None:
        """Write ``step``'s item with ``output_json`` (see :meth:`_put_batched`)."""
        self._put_batched(it.step_item(step, output_json))

    def list_steps(self, run_id: str, node: str | None = None) -> list[Step]:
        """Step records of a run (of one node when given), every round's, by start time."""
        prefix = f"STEP#{node}#" if node else "STEP#"
        steps = (it.step_from_item(i) for i in self._query(it.run_pk(run_id), prefix))
        return sorted(steps, key=lambda s: s.order)

    def add_progress(self, run_id: str, node: str, counters: Mapping[str, int]) -> dict[str, int]:
        """Atomically add ``counters`` (e.g. ``{"succeeded": 1}``) to a fan-out node's progress
        and return its counters."""
        item = self._add_counters(*_progress_addition(run_id, node, counters))
        assert item is not None
        return _counters(item)

    def count_progress(self, run_id: str, node: str, counters: Mapping[str, int]) -> None:
        """:meth:`add_progress` without reading the counters back: what each foreach item's
        ``@node`` does (DynamoDB returns no attributes; the local store works out no value)."""
        self._add_counters(*_progress_addition(run_id, node, counters), returning=False)

    def set_progress_total(self, run_id: str, node: str, total: int) -> dict[str, int]:
        """Record how many items a fan-out node has, once: the first writer wins (one write; a
        retried or redriven first item writes the same count again and changes nothing)."""
        key, _, absent = _progress_addition(run_id, node, {})
        item = self._add_counters(key, {}, {**absent, f"{it.COUNTER_PREFIX}total": int(total)})
        assert item is not None
        return _counters(item)

    def get_progress(self, run_id: str, node: str) -> dict[str, int]:
        item = self._get_item(_progress_key(run_id, node))
        return _counters(item) if item else {}

    def list_progress(self, run_id: str, nodes: Iterable[str]) -> dict[str, dict[str, int]]:
        """Progress counters of those of ``nodes`` that have some (one read per node)."""
        found = {node: self.get_progress(run_id, node) for node in dict.fromkeys(nodes)}
        return {node: counters for node, counters in found.items() if counters}

    # ------------------------------------------------------------------ fan-out results
    def put_result(self, run_id: str, node: str, index: int, value: Any) -> None:
        """Store item ``index``'s output of an aggregated foreach (one write; a retry or a
        redrive of the same item overwrites it). Large values go through ``offload``."""
        hint = f"runs/{run_id}/results/{node}/{index}"
        text = self._payload(value, hint) if value is not None else "null"
        self._put_item(it.result_item(run_id, node, index, text or "null"))

    def put_results(self, run_id: str, node: str, results: Sequence[tuple[int, Any]]) -> None:
        """Store several items' outputs at once (a batch of items: ``(index, value)`` pairs)."""
        items = []
        for index, value in results:
            text = self._payload(value, f"runs/{run_id}/results/{node}/{index}") if value is not None else "null"
            items.append(it.result_item(run_id, node, index, text or "null"))
        self._put_items(items)

    def _put_items(self, items: Sequence[it.Item]) -> None:
        """Write several unconditional items (backends override it with one batch write)."""
        for item in items:
            self._put_item(item)

    def iter_results(self, run_id: str, node: str) -> Iterator[Any]:
        """The stored outputs of an aggregated foreach, in item order (one pass, streamed where
        the backend can)."""
        for item in self._iter_query(it.run_pk(run_id), it.result_prefix(node)):
            yield it.decode_json(item.get("output_json"))

    # ------------------------------------------------------------------ pagination tokens
    @staticmethod
    def _encode_token(item: it.Item) -> str:
        keys = {k: item[k] for k in ("PK", "SK", "GSI1PK", "GSI1SK")}
        return (
            base64.urlsafe_b64encode(json.dumps(keys, separators=(",", ":")).encode())
            .decode()
            .rstrip("=")
        )

    @staticmethod
    def _decode_token(flow: str, token: str) -> it.Item:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            keys = json.loads(raw)
        except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
            raise InvalidNextTokenError() from exc
        wanted = {"PK", "SK", "GSI1PK", "GSI1SK"}
        if not isinstance(keys, dict) or set(keys) != wanted or keys["GSI1PK"] != it.flow_pk(flow):
            raise InvalidNextTokenError()
        if not all(isinstance(v, str) for v in keys.values()):
            raise InvalidNextTokenError()
        return keys


_COUNTER_ATTRIBUTES: dict[str, str] = {}
"""Counter name → its item attribute (``succeeded`` → ``n_succeeded``), for the names checked
already: a foreach's items count with the same few names (``add_progress`` runs once an item)."""
_COUNTERS_OF: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}
"""An item's attribute names (in order) → its (attribute, counter name) pairs."""
_KNOWN_MAX = 256
"""At most this many entries in each of the tables above (beyond, names are worked out per call)."""


def _check_counter_name(name: str) -> None:
    if not name.replace("_", "").isalnum():
        raise InvalidCounterNameError(name)
    if len(_COUNTER_ATTRIBUTES) < _KNOWN_MAX:
        _COUNTER_ATTRIBUTES[name] = f"{it.COUNTER_PREFIX}{name}"


def _progress_addition(run_id: str, node: str, counters: Mapping[str, int]) -> tuple[it.Key, dict[str, int], it.Item]:
    """The arguments of ``_add_counters`` that add ``counters`` to ``node``'s progress (each
    name checked). The item to set if absent is shared by the calls of one run and node: the
    backends only read it."""
    attributes = _COUNTER_ATTRIBUTES
    named: dict[str, int] = {}
    for name, amount in counters.items():
        attribute = attributes.get(name)
        if attribute is None:  # a name not checked yet (the check raises)
            _check_counter_name(name)
            attribute = f"{it.COUNTER_PREFIX}{name}"
        named[attribute] = int(amount)
    key, absent = _progress_target(run_id, node)
    return key, named, absent


@functools.lru_cache(maxsize=_KNOWN_MAX)
def _progress_target(run_id: str, node: str) -> tuple[it.Key, it.Item]:
    """The key of ``node``'s progress item in run ``run_id`` and what it is made with (every
    foreach item counts: made once per run and node)."""
    return _progress_key(run_id, node), {"type": "progress", "run_id": run_id, "node": node}


def _progress_key(run_id: str, node: str) -> it.Key:
    """The key of ``node``'s progress item in run ``run_id``."""
    return it.run_pk(run_id), f"AGG#{node}"


def _counters(item: it.Item) -> dict[str, int]:
    """The progress counters of ``item`` (its ``n_<counter>`` attributes), by counter name."""
    names = tuple(item)
    found = _COUNTERS_OF.get(names)
    if found is None:
        n = len(it.COUNTER_PREFIX)
        found = tuple((k, k[n:]) for k in names if k.startswith(it.COUNTER_PREFIX))
        if len(_COUNTERS_OF) < _KNOWN_MAX:
            _COUNTERS_OF[names] = found
    return {name: int(item[attribute]) for attribute, name in found}
