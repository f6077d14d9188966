"""Prints the conformance table at the end of the run (pytest captures prints of passing tests)."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    try:
        from asl_conformance_runner import REPORT
    except ImportError:  # the corpus module was not collected
        return
    if REPORT:
        terminalreporter.write_sep("=", "ASL conformance")
        for line in REPORT:
            terminalreporter.write_line(line)
