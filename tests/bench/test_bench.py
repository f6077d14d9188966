"""The bench runner works end to end (figures are printed, never asserted)."""

from __future__ import annotations

import pytest

from bench.__main__ import main


def test_bench_prints_every_workload_and_the_memory_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-moto", "--repeat", "1", "--quick"]) == 0
    out = capsys.readouterr().out
    for workload in ("Pass chain x1000", "inline Map x10000", "Choice loop x1000", "flow reconciliation", "flow kyc"):
        assert workload in out
    assert "peak memory" in out
    assert "fan-out: items from a CSV file" in out and "     300    100" in out
    # and every path of issue 14 against its baseline
    for row in ("compiled set node", "JSONata Assign x+1", "flowctl run foreach", "local store record_step",
                "compile chain", "compile series-parallel", "compile non-SP", "flowctl run liteflow-hello",
                "node cold start", "DynamoDB store", "peak RSS"):
        assert row in out
