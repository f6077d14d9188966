"""Fuzz tests: bounded for `make test`; `make fuzz` runs the nightly size (FLOWCTL_FUZZ_EXAMPLES)."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings

from tests.fuzz.harness import EXAMPLES, TALLIES

NIGHTLY = os.environ.get("FLOWCTL_FUZZ_EXAMPLES")


def fuzz_settings(examples: int) -> Any:
    """``examples`` cases in `make test`; FLOWCTL_FUZZ_EXAMPLES cases in `make fuzz`."""
    return settings(
        max_examples=int(NIGHTLY) if NIGHTLY else examples,
        deadline=None,
        derandomize=not NIGHTLY,  # the quick run is the same every time; the nightly one explores
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLIES:
        return
    terminalreporter.section("fuzz tally")
    for fuzzer, counts in sorted(TALLIES.items()):
        shown = ", ".join(f"{k} {counts.get(k, 0)}" for k in ("tried", "escaped", "hung", "5xx", "looped", "rejected", "ok"))
        terminalreporter.write_line(f"{fuzzer}: {shown}")
        for example in EXAMPLES.get(fuzzer, []):
            terminalreporter.write_line(f"    {example}")
