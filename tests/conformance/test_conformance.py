"""GIVEN the AWS-recorded conformance corpus, WHEN each case runs on the local engine, THEN it
ends like it did on AWS: one test per case, plus a summary that prints pass counts per group and
fails below 99% overall or below 100% of the JSONata cases."""

from __future__ import annotations

import collections
from functools import cache

import pytest
from asl_conformance_runner import CORPUS, REPORT, Case, Outcome, load_cases, run_case

if not (CORPUS / "manifest.json").exists():
    pytest.skip(f"conformance corpus not found at {CORPUS}", allow_module_level=True)

CASES = load_cases()


@cache
def outcome(case: Case) -> Outcome:
    return run_case(case)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case) -> None:
    result = outcome(case)
    assert result.passed, result.reason


def test_summary() -> None:
    outcomes = [outcome(c) for c in CASES]
    per_group: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for o in outcomes:
        per_group[o.case.group][1] += 1
        per_group[o.case.group][0] += o.passed
    passed = sum(o.passed for o in outcomes)
    jsonata = [o for o in outcomes if o.case.jsonata]
    jsonata_passed = sum(o.passed for o in jsonata)
    lines = ["", f"{'group':<22}{'passed':>8}{'total':>8}{'%':>8}"]
    for group in sorted(per_group):
        ok, total = per_group[group]
        lines.append(f"{group:<22}{ok:>8}{total:>8}{100 * ok / total:>7.1f}%")
    lines.append(f"{'ALL':<22}{passed:>8}{len(outcomes):>8}{100 * passed / len(outcomes):>7.1f}%")
    lines.append(f"{'JSONata cases':<22}{jsonata_passed:>8}{len(jsonata):>8}{100 * jsonata_passed / max(len(jsonata), 1):>7.1f}%")
    failing = [o for o in outcomes if not o.passed]
    if failing:
        lines.append("failing cases:")
        lines.extend(f"  {o.case.name}: {o.reason}" for o in failing)
    REPORT[:] = lines
    print("\n".join(lines))
    assert passed >= 0.99 * len(outcomes), f"{passed}/{len(outcomes)} cases pass (< 99%)"
    assert jsonata_passed == len(jsonata), f"{jsonata_passed}/{len(jsonata)} JSONata cases pass (< 100%)"
