"""What the local-run commands show: the live node table and the breakpoint view.

``compact`` shortens data for a terminal: lists longer than ``LIST_HEAD + 2`` items keep their
first ``LIST_HEAD`` items, a ``"… N more"`` marker and their last item; strings longer than
``STRING_LIMIT`` are cut. Example::

    >>> compact(list(range(10)))
    ([0, 1, 2, '… 6 more', 9], True)
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

from orchestrator.cli.console import err, out
from orchestrator.cli.literal import cell, lit
from orchestrator.store.models import progress_text

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["Progress", "compact", "print_breakpoint"]

LIST_HEAD = 3
STRING_LIMIT = 200
ICONS = {"RUNNING": "[yellow]●[/] running", "SUCCEEDED": "[green]✓[/] done", "FAILED": "[red]✗[/] failed",
         "SKIPPED": "[dim]- skipped[/]", "BREAKPOINT": "[magenta]⏸ breakpoint[/]"}


def _retrying(retry_count: int) -> str:
    """The status of a node whose attempt ``retry_count + 1`` (counted from 1) is pending."""
    return f"[yellow]↻[/] retrying (attempt {retry_count + 1})"


class Progress:
    """A live table of node statuses, fed from engine threads.

    A failed attempt shows as ``retrying (attempt N)`` (with the error as its detail) until the
    next attempt ends; :meth:`finish` turns the ones never retried into ``failed`` when the run
    ends. A later success clears the detail.
    """

    def __init__(self, nodes: list[str], enabled: bool) -> None:
        self.rows: dict[str, list[Any]] = {n: ["[dim]· waiting[/]", 0, ""] for n in nodes}
        self.lock = threading.Lock()
        self.live: Any = None
        if enabled:  # rich's live display only on a terminal (not with --quiet or in a pipe)
            from rich.live import Live

            self.live = Live(self.render(), console=err.console, refresh_per_second=8, transient=False)

    def render(self) -> Table:
        from rich.table import Table

        table = Table(show_header=True, header_style="bold", box=None)
        table.add_column("node")
        table.add_column("status")
        table.add_column("items", justify="right")
        table.add_column("detail", overflow="fold")
        for node, (status, items, detail) in self.rows.items():
            table.add_row(cell(node), status, str(items or ""), cell(detail))
        return table

    def __call__(self, event: Any) -> None:
        with self.lock:
            row = self.rows.setdefault(event.node, ["", 0, ""])
            if event.status == "PROGRESS":  # a foreach's counters: "1,234/20,000"
                row[1] = progress_text(event.counters or {})
                self._refresh()
                return
            if event.status == "FAILED":
                row[0] = _retrying(event.attempt + 1)  # the next attempt
            elif event.status == "RETRY":
                row[0] = _retrying(event.attempt)
            else:
                row[0] = ICONS.get(event.status, event.status)
            if "/" in event.node and event.index is not None and event.status == "SUCCEEDED" and isinstance(row[1], int):
                row[1] += 1
            if event.detail:
                row[2] = event.detail
            elif event.status == "SUCCEEDED" and "/" not in event.node:
                row[2] = ""
            self._refresh()

    def finish(self) -> None:
        """The run ended: an attempt that was never retried has failed."""
        with self.lock:
            for row in self.rows.values():
                if "retrying" in row[0]:
                    row[0] = ICONS["FAILED"]
            self._refresh()

    def _refresh(self) -> None:
        if self.live is not None:
            self.live.update(self.render())


def compact(value: Any) -> tuple[Any, bool]:
    """``value`` with long lists and strings shortened, and whether anything was."""
    if isinstance(value, dict):
        pairs = {k: compact(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(cut for _, cut in pairs.values())
    if isinstance(value, list):
        keep = value if len(value) <= LIST_HEAD + 2 else [*value[:LIST_HEAD], value[-1]]
        items = [compact(v) for v in keep]
        shortened = [v for v, _ in items]
        if len(keep) < len(value):
            shortened.insert(LIST_HEAD, f"… {len(value) - LIST_HEAD - 1} more")
        return shortened, len(keep) < len(value) or any(cut for _, cut in items)
    if isinstance(value, str) and len(value) > STRING_LIMIT:
        return f"{value[:STRING_LIMIT]}… ({len(value)} characters)", True
    return value, False


def print_breakpoint(run: Any, full: bool) -> None:
    """Where ``run`` stopped and what the node would receive (shortened unless ``full``)."""
    stop = run.breakpoint
    out.print(f"[yellow]⏸ stopped before[/] [bold]{lit(stop['node'])}[/] (run {lit(run.run_id)})")
    if "variables" in stop:
        out.print("it reads these flow variables ($params and the outputs of the nodes before it):")
        data = stop["variables"]
    else:
        out.print("it would receive:")
        data = stop.get("input")
    shown, cut = (data, False) if full else compact(data)
    out.print_json(json.dumps(shown, default=str))
    if cut:
        out.print("[dim](shortened: add --full to print it all)[/]")
