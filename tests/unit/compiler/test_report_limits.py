"""GIVEN flows near Step Functions' limits WHEN compiled with a report THEN the report warns
about a definition over the 1 MB limit and retries carry BackoffRate as a float."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from orchestrator.cli.app import app
from orchestrator.compiler import asl_text, compile_flow_file
from orchestrator.compiler.report import DEFINITION_SIZE_LIMIT


def write_flow(tmp_path: Path, doc: dict) -> Path:
    (tmp_path / "flows").mkdir(exist_ok=True)
    (tmp_path / "functions" / "step").mkdir(parents=True, exist_ok=True)
    (tmp_path / "functions" / "step" / "app.py").write_text("")
    path = tmp_path / "flows" / f"{doc['name']}.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_definition_over_1_mb_is_flagged_in_the_report(tmp_path: Path) -> None:
    big = {"name": "big", "nodes": {f"n{i}": {"set": {"table": "x" * 50_000}} for i in range(25)}}
    compiled = compile_flow_file(write_flow(tmp_path, big))
    assert compiled.report.definition_bytes == len(asl_text(compiled.definition).encode()) > DEFINITION_SIZE_LIMIT
    assert compiled.report.as_dict()["definition_over_limit"] is True
    assert any("over Step Functions' 1 MB limit" in w for w in compiled.report.warnings)
    shown = CliRunner().invoke(app, ["compile", str(tmp_path / "flows" / "big.json"), "--report", "-o",
                                     str(tmp_path / "big.asl.json")])
    assert "1 MB limit" in shown.output


def test_a_small_definition_has_no_warning(tmp_path: Path) -> None:
    small = {"name": "small", "nodes": {"a": {"uses": "step", "retry": {"max_attempts": 3, "backoff": 2}}}}
    compiled = compile_flow_file(write_flow(tmp_path, small))
    assert compiled.report.definition_bytes < DEFINITION_SIZE_LIMIT
    assert compiled.report.warnings == []
    rates = [r["BackoffRate"] for r in compiled.definition["States"]["a"]["Retry"]]
    assert rates and all(type(rate) is float for rate in rates)
    assert '"BackoffRate": 2.0' in asl_text(compiled.definition)


def test_the_report_flags_reads_into_outputs_that_may_be_offloaded(tmp_path: Path) -> None:
    flow = {"name": "reads", "nodes": {
        "fetch-rows": {"uses": "step"},
        "count": {"set": {"n": "{% $count($fetch_rows.rows) %}"}, "after": ["fetch-rows"]},
        "whole": {"uses": "step", "with": {"all": "{% $fetch_rows %}"}, "after": ["fetch-rows"]},
    }, "output": "{% $fetch_rows[0] %}"}
    risks = compile_flow_file(write_flow(tmp_path, flow)).report.payload_risks
    reads = [r for r in risks if "reads into" in r]
    assert [r.split(":")[0] for r in reads] == ["count", "output"]
    assert all("$fetch_rows" in r and "fetch-rows's output" in r for r in reads)


def test_the_definition_size_is_the_committed_texts_without_writing_it() -> None:
    # GIVEN definitions: every committed state machine, and values with empty, nested and
    # non-ASCII parts
    from orchestrator.compiler.compiled import asl_size

    root = Path(__file__).resolve().parents[3]
    definitions = [json.loads(path.read_text()) for path in sorted((root / "statemachines").glob("*.json"))]
    assert definitions
    definitions += [{}, {"a": []}, {"a": {}, "b": [[], [{}], [1, "é", None, True, 2.5]], "c": {"d": {"e": "✓ \"q\""}}},
                    {"States": {"x": {"Type": "Pass", "Result": [{"k": ("t", 1)}]}}}]
    for definition in definitions:
        # WHEN its size is worked out for the report
        # THEN it is the size of the text that is committed (asl_text, in UTF-8)
        assert asl_size(definition) == len(asl_text(definition).encode()), definition
