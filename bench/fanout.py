"""Fan-out at scale: ``flowctl run``'s path over N items read from a CSV file (ItemReader), priced
by a function (``score_order``, ~200 bytes out per item), aggregated in the local run store and
summed by one fan-in function (``sum_orders``) that receives the full list.

For each size: wall time per item (a run without tracing) and the peak of Python allocations
during a second run (tracemalloc), with items batched ``batch`` per call (0: one call per item).
Memory stays flat when the results are held once: by the fan-in's list, not by the Map as well.
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FanoutRow", "fanout_rows", "print_fanout_rows"]

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ("score_order", "sum_orders")


@dataclass
class FanoutRow:
    items: int
    batch: int
    seconds: float
    peak_bytes: int

    @property
    def us_per_item(self) -> float:
        return self.seconds / self.items * 1e6


@contextmanager
def _project(items: int, batch: int) -> Iterator[Path]:
    """A throwaway project: the example's two functions, N orders, a flow over them."""
    orders = runpy.run_path(str(ROOT / "data" / "fanout" / "make_orders.py"))
    folder = Path(tempfile.mkdtemp(prefix="flowctl-fanout-bench-"))
    try:
        for name in FUNCTIONS:
            shutil.copytree(ROOT / "functions" / name, folder / "functions" / name)
        (folder / "data").mkdir()
        (folder / "data" / "orders.csv").write_text(orders["orders_csv"](items))
        foreach: dict[str, object] = {"items_from": "data/orders.csv", "concurrency": 8, "do": {"uses": "score_order"}}
        if batch:
            foreach["batch_size"] = batch
        flow = {
            "name": "fanout-bench",
            "nodes": {
                "price": {"foreach": foreach},
                "totals": {"uses": "sum_orders", "after": ["price"], "with": {"orders": "{% $price %}"}},
            },
            "output": "{% $totals.count %}",
        }
        (folder / "flows").mkdir()
        (folder / "flows" / "fanout-bench.json").write_text(json.dumps(flow))
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(folder: Path, items: int) -> None:
    from orchestrator.compiler import compile_flow_file
    from orchestrator.flowlang.project import Project
    from orchestrator.local.runner import LocalRunner
    from orchestrator.store.local import LocalRunStore

    path = folder / "flows" / "fanout-bench.json"
    store = LocalRunStore(folder / ".flowctl" / f"runs-{time.monotonic_ns()}.sqlite3")
    result = LocalRunner(Project.for_flow(path), store).run(compile_flow_file(path), {})
    if result.status != "SUCCEEDED" or result.output != items:
        raise RuntimeError(f"fan-out bench run {result.status}: {result.error} {result.cause}")


def fanout_rows(sizes: Sequence[int] = (10_000, 100_000), batch: int = 100) -> list[FanoutRow]:
    """Time and peak memory of the fan-out run at each size."""
    rows = []
    before = os.environ.get("FLOWCTL_PROJECT_DIR")
    for items in sizes:
        with _project(items, batch) as folder:
            os.environ["FLOWCTL_PROJECT_DIR"] = str(folder)
            try:
                started = time.perf_counter()
                _run(folder, items)
                seconds = time.perf_counter() - started
                tracemalloc.start()
                try:
                    tracemalloc.reset_peak()
                    _run(folder, items)
                    peak = tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()
            finally:
                if before is None:
                    os.environ.pop("FLOWCTL_PROJECT_DIR", None)
                else:
                    os.environ["FLOWCTL_PROJECT_DIR"] = before
        rows.append(FanoutRow(items, batch, seconds, peak))
    return rows


def print_fanout_rows(rows: Sequence[FanoutRow]) -> None:
    print()
    print("fan-out: items from a CSV file, ~200 B out per item, aggregated in the local store, one fan-in:")
    print(f"{'items':>8}{'batch':>7}{'seconds':>10}{'µs/item':>10}{'peak MiB':>10}{'B/item':>9}")
    for row in rows:
        print(f"{row.items:>8}{row.batch or '-':>7}{row.seconds:>10.2f}{row.us_per_item:>10.0f}"
              f"{row.peak_bytes / 2**20:>10.1f}{row.peak_bytes / row.items:>9.0f}")
