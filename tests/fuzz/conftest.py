"""Fuzz tests: bounded for `make test`; `make fuzz` runs the nightly size (FLOWCTL_FUZZ_EXAMPLES)."""

from __future__ import annotations

from typing import Any

from tests.fuzz.harness import EXAMPLES, TALLIES


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLIES:
        return
    terminalreporter.section("fuzz tally")
    for fuzzer, counts in sorted(TALLIES.items()):
        shown = ", ".join(f"{k} {counts.get(k, 0)}" for k in ("tried", "escaped", "hung", "5xx", "looped", "rejected", "ok", "moto-unsupported"))
        terminalreporter.write_line(f"{fuzzer}: {shown}")
        for example in EXAMPLES.get(fuzzer, []):
            terminalreporter.write_line(f"    {example}")
