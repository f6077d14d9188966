"""``flowctl deploy``: rehearse a deploy against a local endpoint; real deploys go through SAM."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from orchestrator.cli.console import err, out, report_errors
from orchestrator.cli.literal import cell, lit

__all__ = ["commands", "deploy"]

commands = typer.Typer()

STATUS_STYLE = {"CREATE_COMPLETE": "green", "SKIPPED": "yellow"}


def _sam_commands(stack_name: str, stage: str) -> str:
    return "\n".join([
        "flowctl deploy only rehearses a deploy against a local endpoint (a moto server): pass --endpoint-url.",
        "Deploy to AWS with the SAM CLI (`make tools` installs it as .tools/sam/bin/sam):",
        "",
        "  flowctl synth                 # template.yaml and statemachines/ are current",
        "  sam build --parallel          # needs python3.12 on PATH",
        f"  sam deploy --guided --stack-name {stack_name} --parameter-overrides Stage={stage}",
        "                                # first time: asks the rest, saves the answers in samconfig.toml",
        "  sam deploy                    # later deploys reuse samconfig.toml",
        "",
        "See docs/deploying.md.",
    ])


def _require_current_template(project_root: Path) -> None:
    """Rehearse what `flowctl synth` would write now, not a stale template.yaml."""
    from orchestrator.deploy.errors import DeployError
    from orchestrator.generate import generate_all

    stale = [p for p in generate_all(project_root, check=True) if p.name == "template.yaml" or p.suffix == ".json" and "statemachines" in p.parts]
    if stale:
        names = ", ".join(str(p.relative_to(project_root)) for p in stale[:5]) + (" …" if len(stale) > 5 else "")
        raise DeployError(f"the template is stale: {names} differ from the flows", hint="run `flowctl synth` (or `flowctl generate`) first")


def _parameters(template_path: Path, assignments: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` options checked against the template's Parameters (every problem at once)."""
    import yaml

    from orchestrator.deploy.errors import DeployError

    if not assignments:
        return {}
    if not template_path.is_file():
        raise DeployError(f"{template_path} does not exist", hint="run `flowctl synth` first")
    declared = (yaml.safe_load(template_path.read_text()) or {}).get("Parameters") or {}
    values, problems = {}, []
    for text in assignments:
        name, sep, value = text.partition("=")
        if not sep or not name:
            problems.append(f"--parameter {text!r}: expected NAME=VALUE")
        elif name == "Stage":
            problems.append("--parameter Stage: use --stage")
        elif name not in declared:
            problems.append(f"--parameter {name}: the template has no such parameter (it has: {', '.join(sorted(declared))})")
        elif declared[name].get("AllowedValues") and value not in declared[name]["AllowedValues"]:
            problems.append(f"--parameter {name}={value}: allowed values are {', '.join(declared[name]['AllowedValues'])}")
        else:
            values[name] = value
    if problems:
        raise DeployError("; ".join(problems), hint="see the Parameters section of template.yaml")
    return values


@commands.command()
@report_errors
def deploy(
    endpoint_url: str | None = typer.Option(None, "--endpoint-url", help="Local AWS endpoint to rehearse against, e.g. http://localhost:5000 (a moto server)."),
    stack_name: str | None = typer.Option(None, "--stack-name", help="Stack name (default: flowctl-rehearsal)."),
    stage: str = typer.Option("dev", "--stage", help="API stage (the template's Stage parameter)."),
    region: str = typer.Option("us-east-1", "--region", help="Region of the rehearsal."),
    build_dir: Path | None = typer.Option(None, "--build-dir", help="Use this existing `sam build` output instead of building."),
    project_dir: Path = typer.Option(Path("."), "--project", help="Project folder (holds template.yaml)."),
    parameter: list[str] = typer.Option([], "--parameter", "-p", help="Template parameter NAME=VALUE (repeatable), e.g. ApiAuth=API_KEY."),
) -> None:
    """Rehearse a deploy against a local endpoint (sam build, package, translate, create, check); without one, show how to deploy with SAM."""
    from orchestrator.deploy.rehearsal import DEFAULT_STACK, rehearse

    name = stack_name or DEFAULT_STACK
    if endpoint_url is None:
        err.print(lit(_sam_commands(stack_name or "flowctl", stage)))
        raise typer.Exit(1)
    _require_current_template(project_dir.resolve())
    parameters = _parameters(project_dir.resolve() / "template.yaml", parameter)
    result = rehearse(project_dir.resolve(), endpoint_url, stack_name=name, stage=stage, region=region,
                      build_dir=build_dir.resolve() if build_dir else None, parameters=parameters,
                      progress=lambda text: out.print(lit(text)))
    table = Table(title=f"stack {lit(name)} at {lit(endpoint_url)}: {lit(result.status)}", title_justify="left")
    for column in ("resource", "type", "status", "physical id / note"):
        table.add_column(column)
    rows = [(r.logical_id, r.type, r.status, r.reason or r.physical_id) for r in result.resources]
    rows += [(d.logical_id, d.type, "SKIPPED", d.reason) for d in result.dropped]
    for logical, type_, status, note in sorted(rows, key=lambda row: (row[1], row[0])):
        style = STATUS_STYLE.get(status, "red")
        table.add_row(cell(logical), cell(type_), f"[{style}]{lit(status)}[/]", cell(note))
    out.print(table)
    timing = " · ".join(f"{step} {seconds:.1f} s" for step, seconds in result.seconds.items())
    if result.status != "CREATE_COMPLETE":
        err.print(f"[bold red]error[/]: stack {lit(name)} ended {lit(result.status)}{lit(': ' + result.reason) if result.reason else ''}")
        raise typer.Exit(1)
    bad = {machine: problems for machine, problems in result.definition_problems.items() if problems}
    for machine, problems in sorted(bad.items()):
        for problem in problems:
            err.print(f"  [red]✗[/] [bold]{lit(machine)}[/]: {lit(problem)}")
    if bad:
        err.print(f"[bold red]error[/]: {len(bad)} state machine definition(s) are not wired to real ARNs")
        raise typer.Exit(1)
    out.print(
        f"[green]✓[/] stack {lit(name)}: {len(result.resources)} resources CREATE_COMPLETE, {len(result.dropped)} skipped "
        f"(moto cannot create them); {len(result.definition_problems)} state machine definitions reference real ARNs ({timing})"
    )
