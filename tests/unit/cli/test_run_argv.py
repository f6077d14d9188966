"""`flowctl run` without typer: the command lines it reads, and the same output, errors and exit
codes as the typer command for them; every other command line is left to typer."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator.cli.run_argv import parse_run

ROOT = Path(__file__).resolve().parents[3]
_FAST = "import sys; from orchestrator.cli.app import main; sys.argv[0] = 'flowctl'; main()"
_TYPER = "import sys; from orchestrator.cli.app import build_app; sys.argv[0] = 'flowctl'; build_app('run')()"
_RUN_ID = re.compile(r"liteflow-[a-z-]+-\d{8}T\d{6}-[0-9a-f]{6}")


def test_a_plain_run_command_line_is_read() -> None:
    assert parse_run(["run", "f.json"]) == {
        "flow": Path("f.json"), "input": None, "param": [], "break_at": None, "full": False, "mocks": None,
        "quiet": False, "table": False, "virtual_clock": False, "no_cache": False}
    found = parse_run(["run", "-q", "f.json", "-p", "a=1", "--param=b=2", "-i", "{}", "--table", "--break-at", "n",
                       "--full", "--mocks=@m.json", "--virtual-clock", "--no-cache"])
    assert found is not None
    assert found["param"] == ["a=1", "b=2"] and found["input"] == "{}" and found["break_at"] == "n"
    assert found["mocks"] == "@m.json" and found["quiet"] and found["table"] and found["full"]


@pytest.mark.parametrize("argv", [
    ["run"], ["run", "--help"], ["run", "f.json", "--help"], ["run", "a.json", "b.json"], ["run", "f.json", "-x"],
    ["run", "f.json", "--unknown"], ["run", "f.json", "-qi", "{}"], ["run", "f.json", "-pa=1"],
    ["run", "f.json", "-i"], ["run", "f.json", "-i", "-q"], ["run", "f.json", "-i", "{}", "-i", "{}"],
    ["run", "f.json", "-q", "--quiet"], ["run", "f.json", "--full=yes"], ["run", "f.json", "--"], ["run", "-"],
    ["run", ""], ["validate", "f.json"], ["-C", "x", "run", "f.json"], [],
])
def test_anything_else_is_left_to_typer(argv: list[str]) -> None:
    assert parse_run(argv) is None


def test_shell_completion_is_left_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_FLOWCTL_COMPLETE", "bash_complete")
    assert parse_run(["run", "f.json"]) is None


def _both(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOWCTL_", "FORCE_COLOR", "TTY_"))}
    env["FLOWCTL_HOME"] = str(tmp_path / "home")
    runs = [subprocess.run([sys.executable, "-c", script, "run", *args], cwd=ROOT, capture_output=True, text=True,
                           env=env, timeout=120) for script in (_FAST, _TYPER)]
    return runs[0], runs[1]


@pytest.mark.parametrize("args", [
    ["flows/liteflow-hello.json"],
    ["flows/liteflow-hello.json", "-p", "name=Ada", "--table"],
    ["flows/liteflow-passing-data.json", "--param=a=2", "-p", "b=3", "-q"],
    ["flows/liteflow-hello.json", "-p", "nobody=1"],
    ["flows/liteflow-hello.json", "-i", "{bad"],
    ["flows/liteflow-hello.json", "--mocks", '{"nope": 1}'],
    ["flows/liteflow-hello.json", "--break-at", "hello"],
    ["flows/liteflow-hello.json", "--break-at", "nobody"],
    ["flows/no-such-flow.json"],
    ["docs/examples/broken.json"],
    ["flows/liteflow-hello.json", "-p", "name=\udcff"],
])
def test_the_fast_path_answers_as_typer_does(tmp_path: Path, args: list[str]) -> None:
    # GIVEN a command line the fast path reads WHEN run both ways THEN stdout, stderr (run ids
    # aside) and the exit code are the same
    fast, typer = _both(tmp_path, *args)
    assert fast.returncode == typer.returncode
    assert _RUN_ID.sub("RUN", fast.stdout) == _RUN_ID.sub("RUN", typer.stdout)
    assert _RUN_ID.sub("RUN", fast.stderr) == _RUN_ID.sub("RUN", typer.stderr)


def test_help_and_usage_errors_still_come_from_typer(tmp_path: Path) -> None:
    fast, typer = _both(tmp_path, "--help")
    assert fast.returncode == typer.returncode == 0 and fast.stdout == typer.stdout
    assert "--no-cache" in fast.stdout and "compile cache" in fast.stdout
    fast, typer = _both(tmp_path, "flows/liteflow-hello.json", "--bogus")
    assert fast.returncode == typer.returncode == 2 and fast.stderr == typer.stderr
