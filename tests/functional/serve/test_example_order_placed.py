"""GIVEN the order-placed example (triggered by OrderPlaced events from shop.orders) WHEN such an
event is published without `flowctl serve` THEN the flow runs here with the event's detail; an
event its pattern does not match starts nothing and says so."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from servepath import ROOT, flowctl

from orchestrator.store.local import LocalRunStore


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for folder in ("flows", "functions"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_an_order_placed_event_starts_the_order_flow(copy: Path) -> None:
    published = flowctl(copy, "events", "publish", "--source", "shop.orders", "--detail-type", "OrderPlaced",
                        "--detail", '{"order_id": "o-1001", "total": 120.5, "customer": "ana@example.com"}')
    assert published.returncode == 0, published.stderr
    assert "of flow order-placed here → SUCCEEDED" in published.stdout
    (run,) = LocalRunStore(copy / ".flowctl" / "runs.sqlite3").list_runs("order-placed").runs
    assert run.output == {"order": "o-1001", "status": "confirmed", "shipping": "free"}
    assert run.trigger == "event" and run.run_id.startswith("order-placed-t1-")


def test_an_event_the_pattern_does_not_match_starts_nothing(copy: Path) -> None:
    published = flowctl(copy, "events", "publish", "--source", "shop.orders", "--detail-type", "OrderPlaced",
                        "--detail", '{"order_id": "o-1002", "total": 0}')
    assert published.returncode == 0
    assert "warning: no flow waits for this event" in published.stderr and "nothing happened" in published.stderr
