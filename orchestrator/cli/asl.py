"""``asl run``: any ASL state machine on the local engine."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from orchestrator.cli.console import err, report_errors
from orchestrator.cli.context import parse_json_arg
from orchestrator.cli.literal import lit
from orchestrator.errors import FlowctlError
from orchestrator.local.failures import describe_failure

__all__ = ["asl_app", "commands"]

commands = typer.Typer()
asl_app = typer.Typer(help="Run any ASL state machine on the local engine.", no_args_is_help=True)
commands.add_typer(asl_app, name="asl")


@asl_app.command("run")
@report_errors
def asl_run(
    definition: Path = typer.Argument(..., help="ASL definition (JSON)."),
    input: str | None = typer.Option(None, "--input", "-i", help="Execution input as JSON or @file."),
    functions_dir: Path | None = typer.Option(None, "--functions-dir", help="Folder of local Lambda functions."),
    mocks: str | None = typer.Option(None, "--mocks", help="Mocked task results per state, JSON or @file."),
    history: bool = typer.Option(False, "--history", help="Print the execution history too."),
) -> None:
    """Run any ASL definition locally (virtual clock off: Waits really wait)."""
    from orchestrator.engine import Engine, RealClock

    try:
        text = definition.read_text()
    except OSError as exc:
        raise FlowctlError(f"{definition}: {exc.strerror}") from None
    doc = parse_json_arg(text, str(definition))
    if functions_dir is None and Path("functions").is_dir():
        functions_dir = Path("functions")
    engine = Engine(doc, functions_dir=functions_dir, mocks=parse_json_arg(mocks, "--mocks"), clock=RealClock())
    result = engine.start(parse_json_arg(input, "--input"))
    if history:
        for event in result.history:
            err.print(lit(json.dumps(event, default=str)))
    colour = "green" if result.status == "SUCCEEDED" else "red"
    err.print(f"[{colour}]{lit(result.status)}[/]")
    if result.status == "SUCCEEDED":
        sys.stdout.write(json.dumps(result.output, indent=2) + "\n")
    else:
        err.print(f"[red]{lit(describe_failure(result.error, result.cause))}[/]")
        if result.error == "Lambda.ResourceNotFoundException":
            where = f"in {functions_dir}" if functions_dir is not None else "(no ./functions folder here)"
            err.print(f"hint: functions are looked up {lit(where)}; name their folder with --functions-dir")
        raise typer.Exit(1)
