"""The bench runner works end to end (figures are printed, never asserted)."""

from __future__ import annotations

import pytest

from bench.__main__ import main


def test_bench_prints_every_workload_and_the_memory_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-moto", "--repeat", "1", "--fanout-sizes", "300"]) == 0
    out = capsys.readouterr().out
    for workload in ("Pass chain x1000", "inline Map x10000", "Choice loop x1000", "flow reconciliation", "flow kyc"):
        assert workload in out
    assert "peak memory" in out
    assert "fan-out: items from a CSV file" in out and "     300    100" in out
