"""The CLI is assembled from its command modules; a command loads only its own module."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from orchestrator.cli.app import COMMAND_MODULES, app, build_app, command_of
from orchestrator.cli.console import print_error
from orchestrator.errors import FlowctlError, Problem

ROOT = Path(__file__).resolve().parents[3]

_PROBE = """
import json, sys
sys.argv = ["flowctl", "run", "flows/liteflow-hello.json", "--quiet"]
from orchestrator.cli.app import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_every_command_of_the_cli_is_in_the_command_table() -> None:
    # GIVEN the whole CLI WHEN its commands are listed THEN each has its module in the table
    # (main() loads a command's module from it: a command missing there would not be found)
    group = __import__("typer").main.get_command(app)
    assert sorted(group.commands) == sorted(COMMAND_MODULES)


def test_the_command_is_the_first_word_that_is_not_a_root_option() -> None:
    assert command_of(["run", "flows/a.json"]) == "run"
    assert command_of(["-C", "project", "runs", "list"]) == "runs"
    assert command_of(["--directory", "run", "validate", "x"]) == "validate"
    assert command_of(["--version"]) is None
    assert command_of([]) is None


def test_a_partial_app_runs_its_command_and_shows_its_help() -> None:
    # GIVEN the app of the flow commands only WHEN one runs THEN it behaves as in the whole CLI
    result = CliRunner().invoke(build_app("validate"), ["validate", str(ROOT / "flows" / "liteflow-hello.json")])
    assert result.exit_code == 0, result.output
    assert "is valid" in result.output


def test_flowctl_run_loads_neither_boto3_nor_the_other_commands() -> None:
    # GIVEN `flowctl run` of a valid JSON flow, its output to a pipe WHEN it has run THEN no AWS
    # SDK, YAML parser, jsonschema (the flow is valid), regex module (no regex literal), rich
    # console (plain lines to a pipe), typer (a plain `run` command line) or other command module
    # was imported (start-up time: issue 14)
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["code"] in (0, None)
    loaded = set(probe["modules"])
    assert not {"boto3", "botocore", "yaml", "jsonschema", "regex", "rich.console", "typer"} & loaded
    assert {m for m in loaded if m.startswith("orchestrator.cli.")} <= {
        "orchestrator.cli.app", "orchestrator.cli.run_argv", "orchestrator.cli.run_flow", "orchestrator.cli.console",
        "orchestrator.cli.context", "orchestrator.cli.literal", "orchestrator.cli.local_view", "orchestrator.cli.plain",
    }


def test_an_error_prints_from_its_fields(capsys) -> None:  # type: ignore[no-untyped-def]
    # GIVEN errors with one or many problems WHEN printed THEN headline, hint and problems show
    print_error(FlowctlError("no such node", where="/nodes/a/after/0", hint="declare it"))
    print_error(FlowctlError("2 problems", problems=[Problem("/a", "bad"), Problem("/b", "worse", "fix b")]))
    print_error(FlowctlError("plain"))
    text = capsys.readouterr().err
    assert "error: /nodes/a/after/0: no such node" in text
    assert "hint: declare it" in text
    assert "error: 2 problems" in text and "✗ /a: bad" in text and "hint: fix b" in text
    assert "error: plain" in text


def test_a_run_that_outlasts_a_cancel_poll_loads_no_service_or_aws_sdk(tmp_path: Path) -> None:
    # GIVEN a flow that waits a second (its run's cancel poller checks the store every 0.2 s) WHEN
    # it runs THEN the poller has not loaded the run service or botocore (it once imported the
    # service for one constant: ~100 ms of CPU in every run over 0.2 s)
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "w.json").write_text(json.dumps(
        {"name": "w", "type": "STANDARD", "nodes": {"a": {"wait": {"seconds": 1}}}, "output": "done"}))
    probe = _PROBE.replace("flows/liteflow-hello.json", "flows/w.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOWCTL_", "FORCE_COLOR", "TTY_"))}
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True, env=env)
    probe_out = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe_out["code"] in (0, None)
    assert not {"orchestrator.service.runs", "botocore"} & set(probe_out["modules"])
