"""Map: runs the item processor once per item (inline, or with distributed-map semantics) and
outputs the array of results in item order.

Contract
--------
* Items: ``ItemsPath`` (JSONPath, default ``$``) or ``Items`` (JSONata); each item becomes the
  iteration input through ``ItemSelector`` (legacy ``Parameters``), which sees
  ``$$.Map.Item.Index`` / ``$$.Map.Item.Value``; ``ItemBatcher`` groups items into
  ``{"Items": [...], "BatchInput": ...}``.
* ``MaxConcurrency`` (0 = unbounded) limits concurrent iterations (in virtual time too).
* Failures: without a tolerance the first failed iteration fails the state with its error;
  with ``ToleratedFailureCount``/``Percentage`` the state fails with
  ``States.ExceedToleratedFailureThreshold`` once the failures exceed it, and a tolerated
  failed iteration contributes its error output (``{"Error", "Cause"}``) to the result.
* The iterations run in :mod:`~orchestrator.engine.states.map_run`. Inline iterations see outer variables (read-only); ``ProcessorConfig.Mode = DISTRIBUTED``
  iterations run as child executions: isolated variables, no per-iteration events in the
  parent history (``MapRunStarted``/``MapRunSucceeded``|``MapRunFailed`` instead).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from orchestrator.engine.errors import AslDefinitionError, StatesError
from orchestrator.engine.execution import Strand
from orchestrator.engine.item_reader import check_reader, read_items
from orchestrator.engine.jsonata_expr import is_expression
from orchestrator.engine.jsonvalue import to_json, type_name
from orchestrator.engine.payload_templates import (
    Evaluator,
    compile_jsonata_value,
    compile_path_getter,
    compile_payload,
    jsonata_error,
    unexpected_type,
)
from orchestrator.engine.program import Program
from orchestrator.engine.scope import Env
from orchestrator.engine.states.base import BuildContext, State
from orchestrator.engine.states.fields import compile_limit_field
from orchestrator.engine.states.map_run import MAP_ITEMS_EVENT, run_iterations

__all__ = ["MAP_ITEMS_EVENT", "MapState"]

_LABEL_FORBIDDEN = re.compile(r"[\s{}\[\]?*\"#%\\^|~`$&,;:/<>'\x00-\x1f\x7f-\x9f]")
_BATCHER_FIELDS = (
    "MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", "BatchInput",
)


class MapState(State):
    type = "Map"
    retry_catch = True
    fields = frozenset(
        {
            "Next", "End", "ItemProcessor", "Iterator", "ItemsPath", "Items", "ItemSelector",
            "Parameters", "ItemReader", "ItemBatcher", "ResultWriter", "MaxConcurrency",
            "MaxConcurrencyPath", "ToleratedFailureCount", "ToleratedFailureCountPath",
            "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "Label",
            "ResultSelector", "ResultPath", "InputPath", "OutputPath", "Retry", "Catch", "Assign",
            "Output", "Arguments",
        }
    )

    def __init__(self, name: str, spec: dict[str, Any], where: str, ctx: BuildContext) -> None:
        super().__init__(name, spec, where, ctx)
        processor = spec.get("ItemProcessor", spec.get("Iterator"))
        key = "ItemProcessor" if "ItemProcessor" in spec else "Iterator"
        if not isinstance(processor, dict):
            raise AslDefinitionError("These fields are required: [ItemProcessor]", where)
        if "ItemProcessor" in spec and "Iterator" in spec:
            raise AslDefinitionError("'ItemProcessor' and 'Iterator' are mutually exclusive", where)
        config = processor.get("ProcessorConfig") or {}
        if not isinstance(config, dict):
            raise AslDefinitionError("'ProcessorConfig' must be an object", f"{where}/{key}/ProcessorConfig")
        mode = config.get("Mode", "INLINE")
        if mode not in ("INLINE", "DISTRIBUTED"):
            raise AslDefinitionError("'Mode' must be INLINE or DISTRIBUTED", f"{where}/{key}/ProcessorConfig/Mode")
        self.distributed = mode == "DISTRIBUTED"
        inner_spec = {k: v for k, v in processor.items() if k != "ProcessorConfig"}
        ql = ctx.query_language
        self.processor: Program = ctx.build_program(inner_spec, f"{where}/{key}", ql, self.distributed)
        if "ItemSelector" in spec and "Parameters" in spec:
            raise AslDefinitionError("'ItemSelector' and 'Parameters' are mutually exclusive", where)
        selector = spec.get("ItemSelector", spec.get("Parameters"))
        self.item_selector: Evaluator | None = None
        if selector is not None or "ItemSelector" in spec or "Parameters" in spec:
            field = "ItemSelector" if "ItemSelector" in spec else "Parameters"
            self.item_selector = (
                compile_jsonata_value(selector, f"{where}/{field}", field)
                if self.jsonata
                else compile_payload(selector, f"{where}/{field}")
            )
        self.items: Evaluator | None = None
        if self.jsonata:
            if "Items" in spec:
                self.items = compile_jsonata_value(spec["Items"], f"{where}/Items", "Items")
        elif "ItemsPath" in spec:
            self.items = compile_path_getter(spec["ItemsPath"], f"{where}/ItemsPath", "ItemsPath")
        self.reader: dict[str, Any] | None = None
        self.reader_arguments: Evaluator | None = None
        if "ItemReader" in spec:
            self.reader = check_reader(spec["ItemReader"], f"{where}/ItemReader")
            field = "Arguments" if self.jsonata else "Parameters"
            args = self.reader.get(field, {})
            at = f"{where}/ItemReader/{field}"
            self.reader_arguments = (
                compile_jsonata_value(args, at, f"ItemReader/{field}") if self.jsonata else compile_payload(args, at)
            )
        self.max_concurrency = self._number_field("MaxConcurrency", integer=True)
        self.tolerated_count = self._number_field("ToleratedFailureCount", integer=True)
        self.tolerated_percentage = self._number_field("ToleratedFailurePercentage", integer=False)
        self.batcher = spec.get("ItemBatcher")
        if self.batcher is not None:
            self._check_batcher(self.batcher, f"{where}/ItemBatcher")
        self.batch_input: Evaluator | None = None
        if self.batcher and "BatchInput" in self.batcher:
            at = f"{where}/ItemBatcher/BatchInput"
            self.batch_input = (
                compile_jsonata_value(self.batcher["BatchInput"], at, "ItemBatcher/BatchInput")
                if self.jsonata
                else compile_payload(self.batcher["BatchInput"], at)
            )
        self.label = spec.get("Label")
        if self.label is not None and (
            not isinstance(self.label, str) or not 0 < len(self.label) <= 40 or _LABEL_FORBIDDEN.search(self.label)
        ):
            raise AslDefinitionError(
                "'Label' must be a string of at most 40 characters without whitespace, brackets, wildcards, "
                "quotes, special or control characters",
                f"{where}/Label",
            )

    # -- definition helpers ------------------------------------------------------------------
    def _check_batcher(self, batcher: Any, where: str) -> None:
        """ItemBatcher MUST set at least one limit; a limit and its ``*Path`` exclude each other."""
        if not isinstance(batcher, dict):
            raise AslDefinitionError("'ItemBatcher' must be an object", where)
        for key in batcher:
            if key not in _BATCHER_FIELDS:
                raise AslDefinitionError(f"Field '{key}' is not supported in 'ItemBatcher'", f"{where}/{key}")
        if not any(key in batcher for key in _BATCHER_FIELDS if key != "BatchInput"):
            raise AslDefinitionError(
                "At least one of these fields is required: [MaxItemsPerBatch, MaxItemsPerBatchPath, "
                "MaxInputBytesPerBatch, MaxInputBytesPerBatchPath]",
                where,
            )
        for key, maximum in (("MaxItemsPerBatch", None), ("MaxInputBytesPerBatch", 256 * 1024)):
            if key in batcher and f"{key}Path" in batcher:
                raise AslDefinitionError(f"'{key}' and '{key}Path' are mutually exclusive", where)
            if f"{key}Path" in batcher and self.jsonata:
                raise AslDefinitionError(
                    f"The field '{key}Path' is not supported when the query language is JSONata", f"{where}/{key}Path"
                )
            value = batcher.get(key)
            if key not in batcher or (self.jsonata and is_expression(value)):
                continue
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
            if not ok or (maximum is not None and isinstance(value, int) and value > maximum):
                bound = f"between 1 and {maximum}" if maximum else "a positive integer"
                raise AslDefinitionError(f"The value of '{key}' must be {bound}", f"{where}/{key}")

    def _number_field(self, key: str, integer: bool) -> tuple[str, Any] | None:
        """(kind, value): ("const", n) | ("path", getter) | ("jsonata", evaluator)."""

        def check(value: Any) -> None:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if ok and integer and isinstance(value, float) and not value.is_integer():
                ok = False
            if not ok or value < 0 or (key == "ToleratedFailurePercentage" and value > 100):
                raise AslDefinitionError(f"The value of '{key}' is invalid: {value!r}", f"{self.where}/{key}")

        return compile_limit_field(self.spec, key, self.where, self.jsonata, check)

    def _resolve_number(self, key: str, field: tuple[str, Any] | None, env: Env, integer: bool) -> Any:
        """The value of a limit given by a path or a JSONata expression, checked as AWS does:
        a ``*Path`` value fails with ``States.Runtime``, a JSONata one with
        ``States.QueryEvaluationError`` (both name the field and the value)."""
        if field is None:
            return None
        kind, value = field
        if kind == "const":
            return value
        raw = value(env)
        number = _as_number(raw, integer) if kind == "path" else _jsonata_number(raw, integer)
        error = "States.Runtime" if kind == "path" else "States.QueryEvaluationError"
        if number is None:
            what = "integer" if integer else "float"
            if kind == "path":
                shown = raw if isinstance(raw, str) else to_json(raw)
                raise StatesError(
                    error,
                    f'The {key}Path field refers to value "{shown}" which is not a valid {what}: '
                    f"{self.spec[key + 'Path']}",
                )
            text = self.spec[key]
            raise jsonata_error(
                text.strip()[2:-2].strip(),
                key,
                f"returned an unexpected result type. Expected '{what}', but was "
                f"'{type_name(raw)}' for value: {to_json(raw)}",
            )
        cause = _range_problem(key, number)
        if cause is not None:
            raise StatesError(error, cause)
        return int(number) if integer else float(number)

    # -- runtime -----------------------------------------------------------------------------
    def _items(self, env: Env, effective: Any) -> list[Any]:
        if self.reader is not None and self.reader_arguments is not None:
            arguments = self.reader_arguments(env if self.jsonata else env.with_input(effective))
            return read_items(arguments, self.reader.get("ReaderConfig") or {})
        if self.jsonata:
            if self.items is None:
                items = env.input
                if not isinstance(items, list):
                    raise StatesError(
                        "States.QueryEvaluationError", f"Map state input must be an array but was: {to_json(items)}"
                    )
                return items
            items = self.items(env)
            if not isinstance(items, list):
                text = self.spec["Items"]
                body = text.strip()[2:-2].strip() if isinstance(text, str) else to_json(text)
                raise jsonata_error(
                    body,
                    "Items",
                    f"returned an unexpected result type. Expected 'array', but was "
                    f"'{type_name(items)}' for value: {to_json(items)}",
                )
            return items
        items = self.items(env.with_input(effective)) if self.items is not None else effective
        if not isinstance(items, list):
            raise StatesError("States.Runtime", f"Map state input must be an array but was: {to_json(items)}")
        return items

    def _batches(self, env: Env, items: list[Any], effective: Any) -> list[Any]:
        batcher = self.batcher or {}
        inner_env = env if self.jsonata else env.with_input(effective)
        max_items = batcher.get("MaxItemsPerBatch")
        if "MaxItemsPerBatchPath" in batcher:
            max_items = compile_path_getter(batcher["MaxItemsPerBatchPath"], self.where, "MaxItemsPerBatchPath")(inner_env)
        elif is_expression(max_items):
            max_items = _batch_limit(max_items, "MaxItemsPerBatch", compile_jsonata_value(
                max_items, self.where, "ItemBatcher/MaxItemsPerBatch")(env))
        max_bytes = batcher.get("MaxInputBytesPerBatch")
        if "MaxInputBytesPerBatchPath" in batcher:
            max_bytes = compile_path_getter(batcher["MaxInputBytesPerBatchPath"], self.where, "MaxInputBytesPerBatchPath")(
                inner_env
            )
        elif is_expression(max_bytes):
            max_bytes = _batch_limit(max_bytes, "MaxInputBytesPerBatch", compile_jsonata_value(
                max_bytes, self.where, "ItemBatcher/MaxInputBytesPerBatch")(env))
        batch_input = self.batch_input(inner_env) if self.batch_input is not None else None
        limit = int(max_items) if max_items else len(items) or 1
        byte_limit = int(max_bytes) if max_bytes else 256 * 1024
        batches: list[Any] = []
        current: list[Any] = []
        size = 0
        for item in items:
            item_size = len(to_json(item).encode())
            if current and (len(current) >= limit or size + item_size > byte_limit):
                batches.append(current)
                current, size = [], 0
            current.append(item)
            size += item_size
        if current:
            batches.append(current)
        out = []
        for batch in batches:
            entry: dict[str, Any] = {"Items": batch}
            if batch_input is not None:
                entry["BatchInput"] = batch_input
            out.append(entry)
        return out

    def _iteration_inputs(
        self, strand: Strand, env: Env, items: list[Any], effective: Any, entered_at: float, retries: int
    ) -> list[Any]:
        selector = self.item_selector
        if selector is None:
            return list(items)
        inputs = []
        base = env.input if self.jsonata else effective
        for index, value in enumerate(items):
            extra = {"Map": {"Item": {"Index": index, "Value": value}}}
            item_env = Env(base, env.variables, partial(strand.context, self.name, entered_at, retries, extra))
            inputs.append(selector(item_env))
        return inputs

    def attempt(self, strand: Strand, env: Env, effective: Any, entered_at: float, retries: int) -> Any:
        # Items, ItemSelector and the limits are evaluated per attempt ($$.State.RetryCount).
        attempt_env = Env(env.input, env.variables, lambda: strand.context(self.name, entered_at, retries))
        items = self._items(attempt_env, effective)
        number_env = attempt_env if self.jsonata else attempt_env.with_input(effective)
        max_concurrency = self._resolve_number("MaxConcurrency", self.max_concurrency, number_env, True) or 0
        tolerated_count = self._resolve_number("ToleratedFailureCount", self.tolerated_count, number_env, True)
        tolerated_pct = self._resolve_number("ToleratedFailurePercentage", self.tolerated_percentage, number_env, False)
        inputs = self._iteration_inputs(strand, attempt_env, items, effective, entered_at, retries)
        if self.batcher is not None:
            inputs = self._batches(attempt_env, inputs, effective)
        item_count = len(items) if self.batcher is not None else None
        limits = (max_concurrency, tolerated_count, tolerated_pct)
        return run_iterations(
            strand, self.processor, self.name, self.label or self.name, self.distributed, inputs, limits, item_count
        )

def _as_number(raw: Any, integer: bool) -> int | float | None:
    """A number, or a string holding one (AWS parses those); None when it is neither."""
    if isinstance(raw, str):
        text = raw.strip()
        try:
            return int(text) if integer else float(text)
        except ValueError:
            return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    if integer and isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    return raw


def _batch_limit(expression: Any, key: str, value: Any) -> int:
    """A JSONata ItemBatcher limit: a positive integer, else States.QueryEvaluationError."""
    number = _jsonata_number(value, integer=True)
    if number is None:
        raise unexpected_type(expression, f"ItemBatcher/{key}", "integer", value)
    if number < 1:
        raise StatesError("States.QueryEvaluationError", f"{key} must be a positive integer, but was: {number}")
    return int(number)


def _jsonata_number(raw: Any, integer: bool) -> int | float | None:
    """A JSONata result used as a number: a JSON number (integral for an integer field)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    if integer and isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    return raw


def _range_problem(key: str, number: float) -> str | None:
    """AWS's cause text for a limit out of its range, or None when it is in range."""
    if key == "ToleratedFailurePercentage":
        return None if 0 <= number <= 100 else "ToleratedFailurePercentage must be between 0 and 100."
    if number >= 0:
        return None
    if key == "MaxConcurrency":
        return f"Expected non-negative integer for MaxConcurrency, got '{int(number)}' instead."
    return f"{key} cannot be negative."
