"""``flowctl run`` without typer: the command line a user types most often, read here and run.

Loading typer (and the pydantic its argument coercion uses) costs more than a whole cached run,
so :func:`orchestrator.cli.app.main` hands a ``run`` command line to :func:`run_plain` first.
It reads only what it can read exactly as typer does — ``run FLOW`` with the options of the
``run`` command (:mod:`orchestrator.cli.run`), each given once, as ``--name VALUE``,
``--name=VALUE``, ``-x VALUE`` or a flag — and answers None for anything else (``--help``, an
unknown or repeated option, a missing or extra argument, a value that starts with ``-``, shell
completion...): typer then handles it, with its own messages and exit codes. What it runs is
the same :func:`orchestrator.cli.run_flow.run_flow`, with the same error reporting and exit
codes as the typer command (``tests/unit/cli/test_run_argv.py`` compares the two).
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import IO, Any

__all__ = ["parse_run", "run_plain"]

_VALUES = {"--input": "input", "-i": "input", "--param": "param", "-p": "param", "--break-at": "break_at",
           "--mocks": "mocks"}
"""Options that take a value → the parameter of ``run_flow`` (``param`` repeats)."""
_FLAGS = {"--full": "full", "--quiet": "quiet", "-q": "quiet", "--table": "table",
          "--virtual-clock": "virtual_clock", "--no-cache": "no_cache"}
_DEFAULTS = {"flow": None, "input": None, "param": None, "break_at": None, "full": False, "mocks": None, "quiet": False,
             "table": False, "virtual_clock": False, "no_cache": False}
"""The run command's parameters with their defaults, in its signature's order (errors about
arguments name the first); ``flow`` and ``param`` are always set by :func:`parse_run`."""


def parse_run(argv: list[str]) -> dict[str, Any] | None:
    """``["run", FLOW, options...]`` → the keyword arguments of ``run_flow``, or None when typer
    must read this command line."""
    if not argv or argv[0] != "run" or any(name.startswith("_FLOWCTL_COMPLETE") for name in os.environ):
        return None
    found: dict[str, Any] = {}
    params: list[str] = []
    words = iter(argv[1:])
    for word in words:
        if word.startswith("--"):
            name, equals, value = word.partition("=")
        elif word.startswith("-") and word != "-":
            if len(word) != 2:
                return None  # -qi, -pNAME=V: typer's to read
            name, equals, value = word, "", ""
        elif word and "flow" not in found and word != "-":
            found["flow"] = word
            continue
        else:
            return None
        if name in _FLAGS and not equals and _FLAGS[name] not in found:
            found[_FLAGS[name]] = True
        elif name in _VALUES:
            if not equals:
                value = next(words, "-")
                if value.startswith("-"):
                    return None
            key = _VALUES[name]
            if key == "param":
                params.append(value)
            elif key in found:
                return None
            else:
                found[key] = value
        else:
            return None
    if "flow" not in found:
        return None
    found["flow"] = Path(found["flow"])
    found["param"] = params
    return {name: found.get(name, default) for name, default in _DEFAULTS.items()}


class _QuietFlush:
    """A stream whose ``flush`` ignores a closed pipe (as typer leaves stdout and stderr when the
    reader went away, so that the interpreter's last flush does not print a traceback)."""

    def __init__(self, wrapped: IO[Any]) -> None:
        self.wrapped = wrapped

    def flush(self) -> None:
        try:
            self.wrapped.flush()
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


def run_plain(argv: list[str]) -> int | None:
    """Run a plain ``flowctl run`` command line and give its exit code; None when it is not one
    (see the module docstring).

    The process ends right after: the objects alive now are frozen out of the garbage collector,
    so that the interpreter's last collection does not walk every module's objects (a sixth of
    a cached run). Modules are still cleared and their objects released as usual; only objects
    left in reference cycles are not finalized, which Python never promises at exit.
    """
    options = parse_run(argv)
    if options is None:
        return None
    try:
        return _run(options)
    finally:
        import gc

        gc.freeze()


def _run(options: dict[str, Any]) -> int:
    from orchestrator.cli.console import check_arguments, print_error
    from orchestrator.cli.run_flow import INTERRUPTED_EXIT, run_flow
    from orchestrator.errors import FlowctlError

    try:
        try:
            check_arguments(options)
            return run_flow(**options)
        except FlowctlError as exc:
            print_error(exc)
            return 1
    except KeyboardInterrupt:
        return INTERRUPTED_EXIT
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        sys.stdout = _QuietFlush(sys.stdout)  # type: ignore[assignment]
        sys.stderr = _QuietFlush(sys.stderr)  # type: ignore[assignment]
        return 1
