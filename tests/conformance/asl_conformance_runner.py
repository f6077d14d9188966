"""Runs one case of the AWS-recorded ASL conformance corpus and says whether it matches.

The corpus lives outside the repository (``../shared/asl-conformance``) and is never copied in.
Rules (from its README): compare the status; compare outputs as parsed JSON (key order free,
numbers by value, booleans are not numbers); ``ignore_paths`` must exist in the actual output
but their values are not compared; for FAILED compare ``error`` and ``cause`` (``null`` = absent,
``cause`` skipped when the key is missing); INVALID_DEFINITION must be rejected when the
machine is created.
"""

from __future__ import annotations

import json
import re
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "asl-conformance"
CASE_TIMEOUT_SECONDS = 20
REPORT: list[str] = []  # the summary table, printed at the end of the run by conftest.py

_MISSING = object()
_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\['([^']*)'\]")


@dataclass(frozen=True)
class Case:
    path: str
    group: str
    jsonata: bool
    machine_type: str

    @property
    def name(self) -> str:
        return self.path.removeprefix("cases/")


@dataclass(frozen=True)
class Outcome:
    case: Case
    passed: bool
    reason: str = ""


def load_cases() -> list[Case]:
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    cases = []
    for entry in manifest["cases"]:
        languages = entry.get("features", {}).get("query_language", [])
        cases.append(
            Case(
                path=entry["path"],
                group=entry["group"],
                jsonata="JSONata" in languages,
                machine_type=entry.get("state_machine_type", "STANDARD"),
            )
        )
    return cases


def json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _steps(path: str) -> list[Any]:
    if not path.startswith("$"):
        raise ValueError(path)
    steps: list[Any] = []
    pos = 1
    while pos < len(path):
        m = _STEP.match(path, pos)
        if not m:
            raise ValueError(f"unsupported ignore path {path!r}")
        steps.append(int(m.group(2)) if m.group(2) is not None else (m.group(1) or m.group(3)))
        pos = m.end()
    return steps


def _mask(doc: Any, steps: list[Any]) -> tuple[Any, bool]:
    """A copy of ``doc`` with the value at ``steps`` replaced by a marker; False if absent."""
    if not steps:
        return "<ignored>", True
    head, rest = steps[0], steps[1:]
    if isinstance(head, int) and isinstance(doc, list) and 0 <= head < len(doc):
        copy = list(doc)
        copy[head], found = _mask(doc[head], rest)
        return copy, found
    if isinstance(head, str) and isinstance(doc, dict) and head in doc:
        copied = dict(doc)
        copied[head], found = _mask(doc[head], rest)
        return copied, found
    return doc, False


class _CaseTimeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _CaseTimeout()


def run_case(case: Case) -> Outcome:
    from orchestrator import run_state_machine

    folder = CORPUS / case.path
    definition = json.loads((folder / "definition.json").read_text())
    expected = json.loads((folder / "expected.json").read_text())
    machine_type = expected.get("state_machine_type", case.machine_type)
    input_file = folder / "input.json"
    value = json.loads(input_file.read_text()) if input_file.exists() else {}
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_TIMEOUT_SECONDS)
    try:
        result = run_state_machine(definition, value, state_machine_type=machine_type)
    except _CaseTimeout:
        return Outcome(case, False, f"did not finish in {CASE_TIMEOUT_SECONDS}s")
    except Exception as exc:
        if expected["status"] == "INVALID_DEFINITION" and type(exc).__name__.endswith("DefinitionError"):
            return Outcome(case, True)
        return Outcome(case, False, f"raised {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if expected["status"] == "INVALID_DEFINITION":
        return Outcome(case, False, f"definition accepted (AWS: {expected.get('message', '')[:200]})")
    if result.status != expected["status"]:
        detail = f"{result.error}: {(result.cause or '')[:200]}" if result.status == "FAILED" else ""
        return Outcome(case, False, f"status {result.status} != {expected['status']} {detail}".strip())
    if expected["status"] == "SUCCEEDED":
        actual, want = result.output, expected.get("output")
        for ignored in expected.get("ignore_paths", []):
            steps = _steps(ignored)
            actual, found = _mask(actual, steps)
            if not found:
                return Outcome(case, False, f"ignore path {ignored} missing in output")
            want, _ = _mask(want, steps)
        if not json_equal(actual, want):
            return Outcome(
                case, False, f"output {json.dumps(actual)[:300]} != expected {json.dumps(want)[:300]}"
            )
    elif expected["status"] == "FAILED":
        if result.error != expected.get("error"):
            return Outcome(case, False, f"error {result.error!r} != {expected.get('error')!r} (cause {result.cause!r})"[:500])
        if "cause" in expected and (result.cause or None) != expected["cause"]:
            return Outcome(case, False, f"cause {result.cause!r} != {expected['cause']!r}"[:600])
    return Outcome(case, True)
