"""Fuzzed flow files end in a compiled state machine or flowctl's own error with where and what.

GIVEN the example flows of flows/ mutated (wrong types, huge integers, NaN, lone surrogates,
deep nesting, path-like sub-flow names, tricky expressions), written as JSON or YAML, and
flow texts with duplicate keys
WHEN each is validated and compiled (and, when it compiles, loaded by the local engine)
THEN nothing raises anything but a FlowctlError, and every compiled definition is strict JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.compiler import asl_text, compile_flow_file
from orchestrator.engine.definition import load_definition
from orchestrator.errors import FlowctlError
from orchestrator.flowlang.project import Project
from orchestrator.limits import MAX_DEFINITION_DEPTH
from orchestrator.strict_json import check_value
from tests.fuzz.harness import Hung, fuzz_settings, guarded, mutate, short, tally

# jsonata-python raises the recursion limit on first use; hypothesis warns that it cannot reset it.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

ROOT = Path(__file__).resolve().parents[2]
SEEDS = {p.stem: json.loads(p.read_text()) for p in sorted((ROOT / "flows").glob("*.json"))}
WALL_SECONDS = 60.0


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy of the project's flows next to its functions (the sub-flows resolve)."""
    root = tmp_path_factory.mktemp("fuzz-project")
    (root / "flows").mkdir()
    for name, doc in SEEDS.items():
        (root / "flows" / f"{name}.json").write_text(json.dumps(doc))
    (root / "functions").symlink_to(ROOT / "functions")
    return Project(root)


def _compile(path: Path, project: Project) -> str:
    try:
        compiled = compile_flow_file(path, project)
    except FlowctlError:
        return "rejected"
    check_value(compiled.definition, max_depth=MAX_DEFINITION_DEPTH)  # no NaN, lone surrogates, non-JSON values
    asl_text(compiled.definition).encode("utf-8")
    try:
        arns = {key: f"arn:aws:lambda:us-east-1:123456789012:function:{target}" for key, target in compiled.substitutions.items()}
        load_definition(compiled.definition, arns, compiled.type)
    except FlowctlError as exc:  # the compiler wrote ASL the engine refuses: a compiler bug
        raise AssertionError(f"compiled ASL does not load: {exc}") from exc
    return "ok"


@fuzz_settings(300)
@given(data=st.data())
def test_mutated_flows_compile_or_fail_with_flowctls_error(data: st.DataObject, project: Project) -> None:
    name = data.draw(st.sampled_from(sorted(SEEDS)), label="seed")
    doc, mutations = mutate(data, {**SEEDS[name], "name": "fuzzed-case"})  # the file's name
    as_yaml = data.draw(st.booleans(), label="yaml")
    path = project.root / "flows" / f"fuzzed-case.{'yaml' if as_yaml else 'json'}"
    try:
        text = yaml.safe_dump(doc, allow_unicode=True) if as_yaml else json.dumps(doc, allow_nan=True, ensure_ascii=False)
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    except (ValueError, RecursionError, yaml.YAMLError):
        path = path.with_suffix(".json")
        try:
            text = json.dumps(doc, allow_nan=True)  # ASCII escapes carry what UTF-8 cannot
        except RecursionError:  # deeper than json can write: the text by hand
            text = '{"name": "deep", "nodes": ' + "[" * 50_000 + "]" * 50_000 + "}"
        except ValueError:  # an integer Python will not print: the text by hand
            text = '{"name": "fuzzed-case", "version": ' + "9" * 5000 + ', "nodes": {}}'
        path.write_text(text)
    what = f"{name} {[(m.action, m.path) for m in mutations]} as {path.suffix}: {short(text, 120)}"
    try:
        outcome = guarded(lambda: _compile(path, project), WALL_SECONDS)
    except Hung:
        tally("flows", "hung", what)
        pytest.fail(f"hung: {what}")
    except Exception as exc:
        tally("flows", "escaped", f"{type(exc).__name__}: {str(exc)[:100]} {what}")
        raise
    finally:
        path.unlink(missing_ok=True)
    tally("flows", outcome, what)


def test_duplicate_keys_are_refused_with_a_pointer(project: Project) -> None:
    path = project.root / "flows" / "dup.json"
    path.write_text('{"name": "dup", "nodes": {"a": {"set": {"x": 1}}, "a": {"set": {"x": 2}}}}')
    with pytest.raises(FlowctlError) as caught:
        compile_flow_file(path, project)
    assert "/nodes/a" in str(caught.value.problems) and "duplicate key" in str(caught.value.problems)
