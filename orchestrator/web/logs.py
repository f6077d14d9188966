"""The log lines of each node of each run, as ``flowctl serve`` runs them, for the run page.

``@node`` logs through a Powertools Logger whose every line carries ``run_id`` and ``node``.
:func:`node_logs` adds one handler to that logger (its ``logging`` logger, shared by every
Logger of the service) that keeps the last lines of each (run, node) in memory. The lines still
go where they went (serve's terminal). Nothing is kept across restarts.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict, deque
from typing import Any

__all__ = ["NodeLogs", "node_logs"]

_LINES_PER_NODE = 200
_RUNS_KEPT = 500
_FIELDS = ("level", "message", "timestamp", "attempt", "index", "redrive")
_lock = threading.Lock()
_installed: NodeLogs | None = None


class NodeLogs(logging.Handler):
    """A logging handler keeping the last lines of each (run, node)."""

    def __init__(self, formatter: logging.Formatter | None) -> None:
        super().__init__()
        self.powertools = formatter
        self.runs: OrderedDict[str, dict[str, deque[dict[str, Any]]]] = OrderedDict()
        self.guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            data = json.loads(self.powertools.format(record)) if self.powertools is not None else {}
        except Exception:  # a line that is not Powertools JSON: not a node's
            return
        run_id, node = data.get("run_id"), data.get("node")
        if not run_id or not node:
            return
        line = {k: data[k] for k in _FIELDS if k in data}
        line.update({k: v for k, v in data.items() if k not in _FIELDS and k not in _SKIP})
        with self.guard:
            nodes = self.runs.setdefault(str(run_id), {})
            self.runs.move_to_end(str(run_id))
            nodes.setdefault(str(node), deque(maxlen=_LINES_PER_NODE)).append(line)
            while len(self.runs) > _RUNS_KEPT:
                self.runs.popitem(last=False)

    def lines(self, run_id: str) -> dict[str, list[dict[str, Any]]]:
        """Each node's lines of run ``run_id`` (node paths as logged, e.g. ``each``)."""
        with self.guard:
            return {node: list(lines) for node, lines in self.runs.get(run_id, {}).items()}


_SKIP = frozenset({"location", "service", "flow", "node", "run_id", "execution", "xray_trace_id", "cold_start",
                   "function_name", "function_memory_size", "function_arn", "function_request_id", "sampling_rate"})


def node_logs() -> NodeLogs | None:
    """The process's node-log keeper, installed on first use (None when it cannot be)."""
    global _installed
    with _lock:
        if _installed is not None:
            return _installed
        try:
            from orchestrator.runtime import get_runtime

            logger = get_runtime().logger
            resolve = getattr(logger, "resolve", None)  # the runtime creates its Logger on first use
            powertools = resolve() if callable(resolve) else logger
            target: logging.Logger = powertools._logger
            handler = NodeLogs(getattr(powertools, "registered_formatter", None))
            target.addHandler(handler)
        except Exception:  # no Powertools logger here: the page shows no logs
            return None
        _installed = handler
        return handler
