"""``flowctl serve``, ``flowctl schedules list`` and ``flowctl backfill``.

``serve`` runs the project's application locally (see :mod:`orchestrator.serve`); the other
commands work with or without it: with a running ``serve`` of the project they hand it the work,
without one they do it in this process, against the project's store.
"""

from __future__ import annotations

import contextlib
import ipaddress
import secrets
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from orchestrator.cli.app import app, err, out, report_errors
from orchestrator.errors import FlowctlError

__all__ = ["schedules_app"]

schedules_app = typer.Typer(help="Schedules of the project's flows.", no_args_is_help=True)
app.add_typer(schedules_app, name="schedules")

_STATUS_STYLE = {"SUCCEEDED": "green", "RUNNING": "cyan", "FAILED": "red", "TIMED_OUT": "red", "ABORTED": "yellow"}


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _file_clock(path: Path) -> Any:
    """A clock read from a file holding an ISO 8601 time (tests move time by rewriting it)."""
    from orchestrator.serve.server import parse_time

    last = [datetime.now(UTC)]

    def now() -> datetime:
        with contextlib.suppress(OSError, ValueError):  # being rewritten: the time it said last
            last[0] = parse_time(path.read_text().strip())
        return last[0]

    now()
    return now


@app.command()
@report_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (127.0.0.1: this machine only)."),
    port: int = typer.Option(8400, "--port", help="Port (0: any free port)."),
    allow_remote: bool = typer.Option(False, "--allow-remote", help="Allow an address other than loopback; every request must then carry the token."),
    token: str | None = typer.Option(None, "--token", help="Token every request must carry (Authorization: Bearer TOKEN); generated with --allow-remote."),
    catch_up: int = typer.Option(900, "--catch-up", help="Seconds: fire times missed while serve was down and at most this old fire at start; older ones are skipped (see backfill)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not print runs as they start and end."),
    clock_file: Path | None = typer.Option(None, "--clock-file", hidden=True, help="Tests: read the scheduler's time from this file."),
) -> None:
    """Run the project's application locally: the REST API, schedules and event triggers."""
    from orchestrator.cli.local import _project_root
    from orchestrator.serve.app import ServeApp
    from orchestrator.serve.discovery import remove_server_info, running_server, write_server_info
    from orchestrator.serve.server import ServeServer

    if not _loopback(host) and not allow_remote:
        raise FlowctlError(f"serve: {host} is reachable from other machines; pass --allow-remote to bind it "
                           "(every request must then carry the token)")
    if allow_remote and not token:
        token = secrets.token_urlsafe(24)
    root = _project_root("serve")
    from orchestrator.serve.app import project_home

    other = running_server(project_home(root))
    if other is not None:
        raise FlowctlError(f"serve: this project is already served at {other['url']} (pid {other['pid']})")
    application = ServeApp(root, clock=_file_clock(clock_file) if clock_file else None, catch_up=catch_up)
    try:
        server = ServeServer(application, host, port, token)
    except OSError as exc:
        application.close()
        raise FlowctlError(f"serve: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    stop = threading.Event()
    updates = application.subscribe()
    _banner(application, server.url, token)
    write_server_info(application.home, server.url, token)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
    threads = [
        threading.Thread(target=server.serve_forever, name="flowctl-http", daemon=True),
        threading.Thread(target=application.scheduler.run, args=(0.1 if clock_file else 1.0,), name="flowctl-scheduler", daemon=True),
        threading.Thread(target=_show_updates, args=(updates, stop, quiet), name="flowctl-view", daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        err.print(Text("stopping: running runs end ABORTED (redrivable)", style="dim"))
        server.shutdown()
        application.close()
        remove_server_info(application.home)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _drain(updates, quiet)


def _banner(application: Any, url: str, token: str | None) -> None:
    err.print(Text.assemble(("flowctl serve", "bold"), f" {application.project_root}"))
    err.print(Text.assemble("  API       ", (url, "bold"), f"  (OpenAPI: {url}/openapi.json)"))
    if token:
        err.print(Text(f"  token     {token}   (send: Authorization: Bearer <token>)"))
    err.print(Text(f"  flows     {len(application.flows)}: {', '.join(sorted(application.flows)) or 'none'}"))
    for name, problem in sorted(application.problems.items()):
        err.print(Text(f"  not served {name}: {problem}", style="red"))
    for entry, times in application.scheduler.next_fire_times(1):
        when = times[0].strftime("%Y-%m-%dT%H:%M:%SZ") if times else "never"
        err.print(Text(f"  schedule  {entry.flow.name}#{entry.number} next at {when}"))
    for key, missed in sorted(application.scheduler.skipped.items()):
        flow, number = key.split("#")
        err.print(Text(f"  skipped   {missed} missed fire time(s) of {flow}#{number} older than --catch-up; "
                       f"`flowctl backfill {flow} --schedule {number} --from ... --to ...` runs them", style="yellow"))
    triggers = sum(len(f.triggers) for f in application.flows.values())
    err.print(Text(f"  triggers  {triggers} event pattern(s); publish with `flowctl events publish` or POST /events"))
    err.print(Text("Ctrl-C stops.", style="dim"))


def _describe(update: dict[str, Any]) -> Text | None:
    data = update["data"]
    kind = update["type"]
    if kind == "run":
        status = str(data.get("status"))
        text = Text.assemble((f"{status:<9}", _STATUS_STYLE.get(status, "")), f" run {data.get('run_id')}",
                             f"  ({data.get('flow')}, {data.get('trigger')})")
        if data.get("error") and status != "RUNNING":
            text.append(f"  {data['error']}", style="red")
        return text
    if kind == "schedule":
        what = "started run" if data.get("created") else "already ran:"
        return Text(f"schedule {data['flow']}#{data['schedule']} fired for {data['time']}: {what} {data['run_id']}")
    if kind == "event":
        event = data.get("event") or {}
        parts = [f"resumed {len(data['resumed'])}", f"started {len(data['started'])}"]
        if data.get("buffered"):
            parts.append("buffered")
        text = Text(f"event {event.get('detail-type')} from {event.get('source')}: {', '.join(parts)}")
        for failed in data.get("failed", []):
            text.append(f"\n  not started {failed['flow']}: {failed['message']}", style="red")
        return text
    if kind in ("schedule_error", "error"):
        return Text(f"error: {data.get('message')}", style="red")
    return None


def _show_updates(updates: Any, stop: threading.Event, quiet: bool) -> None:
    import queue

    while not stop.is_set():
        try:
            update = updates.get(timeout=0.2)
        except queue.Empty:
            continue
        line = None if quiet else _describe(update)
        if line is not None:
            err.print(line)


def _drain(updates: Any, quiet: bool) -> None:
    while not updates.empty():
        line = _describe(updates.get_nowait())
        if line is not None and not quiet:
            err.print(line)


# -- schedules list ---------------------------------------------------------------------------


@schedules_app.command("list")
@report_errors
def schedules_list(count: int = typer.Option(3, "--count", "-n", help="Next fire times per schedule.")) -> None:
    """Every schedule of the project's flows with its next fire times (in its zone and UTC)."""
    from zoneinfo import ZoneInfo

    from orchestrator.cli.local import _project_root
    from orchestrator.compiler.validate import validate_flow_file
    from orchestrator.flowlang.project import Project
    from orchestrator.serve.schedules import fire_times

    project = Project(_project_root("schedules list"))
    now = datetime.now(UTC)
    table = Table("flow", "#", "schedule", "zone", "next fire times (zone → UTC)")
    rows = 0
    for path in project.flow_paths():
        try:
            flow = validate_flow_file(path)
        except FlowctlError as exc:
            err.print(Text(f"skipped {path.name}: {str(exc).splitlines()[0]}", style="yellow"))
            continue
        for number, schedule in enumerate(flow.schedules, start=1):
            zone = ZoneInfo(schedule.timezone)
            expression = f"cron({schedule.cron})" if schedule.cron else f"rate({schedule.rate})"
            if schedule.time_param:
                expression += f"  → {schedule.time_param}"
            times = list(fire_times(schedule, now, count=count)) if schedule.enabled else []
            shown = "\n".join(f"{t.astimezone(zone):%Y-%m-%d %H:%M %Z} → {t:%Y-%m-%dT%H:%MZ}" for t in times)
            cells = (flow.name, str(number), expression, schedule.timezone, shown or "disabled")
            table.add_row(*(Text(c) for c in cells))  # literally, never as markup
            rows += 1
    out.print(table if rows else "no schedules in this project")


# -- backfill ---------------------------------------------------------------------------------


@app.command()
@report_errors
def backfill(
    flow: str = typer.Argument(..., help="Flow name."),
    start: str = typer.Option(..., "--from", help="First time (ISO date or date-time; a date is the start of that day)."),
    end: str = typer.Option(..., "--to", help="Last time (inclusive; a date is the end of that day)."),
    schedule: int | None = typer.Option(None, "--schedule", help="Only this schedule (1 = the first)."),
    tz: str | None = typer.Option(None, "--tz", help="Zone of times without an offset (default: the schedule's)."),
) -> None:
    """Start one run per fire time of the flow's schedules in a time range; a fire time that
    already has its run starts nothing."""
    from orchestrator.cli.local import _project_root
    from orchestrator.compiler.validate import validate_flow_file
    from orchestrator.flowlang.project import Project
    from orchestrator.serve.app import ServeApp, project_home
    from orchestrator.serve.client import call_server
    from orchestrator.serve.discovery import running_server
    from orchestrator.serve.server import parse_time

    root = _project_root("backfill")
    path = Project(root).flow_path(flow)
    if path is None:
        raise FlowctlError(f"no flow '{flow}' in {Project(root).flows_dir}")
    model = validate_flow_file(path)
    if not model.schedules:
        raise FlowctlError(f"flow '{flow}' has no schedules")
    index = (schedule or 1) - 1
    zone = tz or (model.schedules[index].timezone if 0 <= index < len(model.schedules) else "UTC")
    try:
        first, last = parse_time(start, zone), parse_time(end, zone, end=True)
    except (ValueError, KeyError) as exc:
        raise FlowctlError(f"backfill: --from/--to: {exc} (use e.g. 2026-11-01 or 2026-11-01T02:00+07:00)") from None
    if last < first:
        raise FlowctlError("backfill: --to is before --from")
    server = running_server(project_home(root))
    if server is not None:
        status, answer = call_server(server, "POST", "/local/backfill", {
            "flow": flow, "from": first.isoformat(), "to": last.isoformat(), "schedule": schedule})
        if status != 200:
            raise FlowctlError(f"backfill: {answer.get('message') if isinstance(answer, dict) else answer}")
        _print_backfill([(r["run_id"], r["created"]) for r in answer["runs"]], f"in flowctl serve ({server['url']})")
        return
    application = ServeApp(root, scheduler=False)
    try:
        started = application.backfill(flow, first, last, schedule)
        _print_backfill([(run_id, s.created) for run_id, s in started], "here")
        created = [run_id for run_id, s in started if s.created]
        application.wait_runs(created)
        failed = 0
        for run_id in created:
            run = application.store.get_run(run_id, steps=False)
            state = str(run.status) if run else "UNKNOWN"
            failed += state != "SUCCEEDED"
            line = Text.assemble((f"{state:<9}", _STATUS_STYLE.get(state, "")), f" {run_id}")
            if run is not None and run.error:
                line.append(f"  {run.error}: {run.cause or ''}"[:200], style="red")
            err.print(line)
    finally:
        application.close()
    if failed:
        raise typer.Exit(1)


def _print_backfill(runs: list[tuple[str, bool]], where: str) -> None:
    new = [r for r, created in runs if created]
    out.print(Text(f"✓ {len(runs)} fire time(s): started {len(new)} run(s) {where}, "
                   f"{len(runs) - len(new)} already had their run"))
    for run_id, created in runs:
        out.print(Text(f"  {'started ' if created else 'existing'} {run_id}"))
