"""Server-rendered HTML pages: a shared shell and one function per page.

Every value is escaped with :func:`html.escape`; data the scripts need is embedded as JSON in a
``<script type="application/json">`` block (escaped for ``</``), never interpolated into code.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import urlencode

from orchestrator.store.models import Run
from orchestrator.web.data import STATUSES, duration, progress_rows

__all__ = ["builder_page", "dashboard_page", "events_page", "flow_page", "not_found_page", "run_page"]


def _data(name: str, value: Any) -> str:
    text = json.dumps(value, default=str).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{name}">{text}</script>'


def shell(title: str, body: str, *, scripts: tuple[str, ...] = (), active: str = "") -> str:
    def link(href: str, label: str, key: str) -> str:
        current = ' aria-current="page"' if key == active else ""
        return f'<a href="{href}"{current}>{label}</a>'

    tags = "".join(f'<script src="/ui/static/{s}" defer></script>' for s in scripts)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · flowctl</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/static/app.css">
{tags}
</head>
<body>
<header class="top">
  <a class="brand" href="/">flowctl</a>
  <nav aria-label="main">{link('/', 'Dashboard', 'home')}{link('/ui/builder', 'Builder', 'builder')}{link('/ui/events', 'Events', 'events')}</nav>
</header>
<main>
{body}
</main>
</body>
</html>
"""


def _badge(status: str) -> str:
    return f'<span class="badge s-{escape(status.lower())}">{escape(status)}</span>'


def _progress_cell(run: Run) -> str:
    """``each 1,234/20,000`` per foreach of the run (the CLI's progress text)."""
    parts = [f'<span class="progress" data-node="{escape(r["key"])}">{escape(r["key"])} {escape(r["text"])}</span>'
             for r in progress_rows(run.progress)]
    return f'<td class="items">{" ".join(parts)}</td>'


def _runs_table(runs: list[Run], show_flow: bool = True) -> str:
    if not runs:
        return '<p class="empty">No runs yet.</p>'
    items = any(run.progress for run in runs)  # a column only when a run on the page fans out
    head = ("<th>run</th>" + ("<th>flow</th>" if show_flow else "") + "<th>status</th>"
            + ("<th>items</th>" if items else "") + "<th>trigger</th><th>started</th><th>duration</th>")
    rows = []
    for run in runs:
        flow_cell = f'<td><a href="/ui/flows/{escape(run.flow)}">{escape(run.flow)}</a></td>' if show_flow else ""
        rows.append(
            f'<tr data-run="{escape(run.run_id)}"><td><a href="/ui/runs/{escape(run.run_id)}">{escape(run.run_id)}</a></td>'
            f"{flow_cell}<td>{_badge(run.status)}</td>{_progress_cell(run) if items else ''}<td>{escape(run.trigger or '')}</td>"
            f"<td>{escape(run.started_at or '')}</td><td>{escape(duration(run))}</td></tr>"
        )
    return f'<table class="runs"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def dashboard_page(flows: list[dict[str, Any]], runs: list[Run], filters: dict[str, Any], has_next: bool,
                   schedules: list[dict[str, Any]], problems: dict[str, str]) -> str:
    cards = []
    for flow in flows:
        params = ", ".join(f"{escape(k)}: {escape(str(p.get('type')))}" for k, p in flow["params"].items()) or "no params"
        cards.append(
            f'<li class="flow-card" data-flow="{escape(flow["name"])}"><a class="flow-name" href="/ui/flows/{escape(flow["name"])}">{escape(flow["name"])}</a>'
            f'<p>{escape(flow["description"])}</p><p class="params">{params}</p>'
            f'<div class="mini-graph" data-layout="{escape(json.dumps(flow["layout"]))}" aria-label="graph of {escape(flow["name"])}" role="img"></div>'
            f'<p class="muted">{len(flow["layout"]["nodes"])} nodes</p></li>'
        )
    broken = "".join(f"<li>{escape(name)}: {escape(why)}</li>" for name, why in problems.items())
    broken_html = f'<div class="problems" role="alert"><h3>Flows not served</h3><ul>{broken}</ul></div>' if broken else ""
    flow_options = "".join(
        f'<option value="{escape(f["name"])}"{" selected" if filters.get("flow") == f["name"] else ""}>{escape(f["name"])}</option>' for f in flows
    )
    status_options = "".join(
        f'<option value="{s}"{" selected" if filters.get("status") == s else ""}>{s}</option>' for s in STATUSES
    )
    page = int(filters.get("page") or 1)

    def page_link(number: int, label: str) -> str:
        query = urlencode({k: v for k, v in {**filters, "page": number}.items() if v})
        return f'<a href="/?{query}" rel="{"next" if number > page else "prev"}">{label}</a>'

    pager = " ".join(
        part for part in (page_link(page - 1, "← newer") if page > 1 else "", f"page {page}", page_link(page + 1, "older →") if has_next else "") if part
    )
    sched_rows = "".join(
        f'<tr><td><a href="/ui/flows/{escape(s["flow"])}">{escape(s["flow"])}</a></td><td><code>{escape(s["expression"])}</code></td>'
        f'<td>{escape(s["timezone"])}</td><td>{escape(", ".join(s["next"]) or "-")}</td></tr>'
        for s in schedules
    )
    sched_html = (
        f'<table class="schedules"><thead><tr><th>flow</th><th>schedule</th><th>time zone</th><th>next fire times (UTC)</th></tr></thead><tbody>{sched_rows}</tbody></table>'
        if schedules else '<p class="empty">No schedules.</p>'
    )
    body = f"""
<div class="columns">
<section class="flows" aria-labelledby="flows-title">
  <h2 id="flows-title">Flows</h2>
  {broken_html}
  <ul class="cards">{"".join(cards) or '<li class="empty">No flows in flows/.</li>'}</ul>
</section>
<section class="recent" aria-labelledby="runs-title">
  <h2 id="runs-title">Runs</h2>
  <form class="filters" method="get" action="/">
    <label>Flow <select name="flow" aria-label="Filter by flow"><option value="">all</option>{flow_options}</select></label>
    <label>Status <select name="status" aria-label="Filter by status"><option value="">any</option>{status_options}</select></label>
    <button type="submit">Filter</button>
  </form>
  {_runs_table(runs)}
  <p class="pager">{pager}</p>
  <h2>Schedules</h2>
  {sched_html}
</section>
</div>
"""
    return shell("Dashboard", body, active="home", scripts=("graph.js", "dashboard.js"))


def flow_page(info: dict[str, Any], runs: list[Run]) -> str:
    name = info["name"]
    fields = []
    for key, param in info["params"].items():
        kind = param.get("type", "string")
        default = param.get("default")
        value = "" if default is None else (json.dumps(default) if kind in ("object", "array") else str(default))
        required = " required" if param.get("required", default is None) and default is None else ""
        label = f'{escape(key)} <span class="muted">({escape(kind)})</span>'
        described = f'<small class="muted">{escape(param.get("description", ""))}</small>' if param.get("description") else ""
        if param.get("enum"):
            options = "".join(f'<option{" selected" if o == default else ""}>{escape(str(o))}</option>' for o in param["enum"])
            control = f'<select id="p-{escape(key)}" name="{escape(key)}" data-type="{escape(kind)}">{options}</select>'
        elif kind == "boolean":
            control = f'<input type="checkbox" id="p-{escape(key)}" name="{escape(key)}" data-type="boolean"{" checked" if default else ""}>'
        elif kind in ("object", "array"):
            control = f'<textarea id="p-{escape(key)}" name="{escape(key)}" data-type="{escape(kind)}" rows="2"{required}>{escape(value)}</textarea>'
        else:
            input_type = "number" if kind in ("number", "integer") else "text"
            step = ' step="any"' if kind == "number" else ""
            control = f'<input type="{input_type}"{step} id="p-{escape(key)}" name="{escape(key)}" data-type="{escape(kind)}" value="{escape(value)}"{required}>'
        fields.append(f'<div class="field"><label for="p-{escape(key)}">{label}</label>{control}{described}</div>')
    sched = "".join(f'<li><code>{escape(s["expression"])}</code> {escape(s["timezone"])} — next: {escape(", ".join(s["next"]) or "-")}</li>' for s in info["schedules"])
    body = f"""
<h1>Flow <span class="mono">{escape(name)}</span></h1>
<p>{escape(info["description"])}</p>
<div class="columns">
<section aria-labelledby="graph-title" class="wide">
  <h2 id="graph-title">Graph</h2>
  <div id="graph" class="graph" role="img" aria-label="graph of flow {escape(name)}"></div>
  <h2>Recent runs</h2>
  {_runs_table(runs, show_flow=False)}
</section>
<section aria-labelledby="start-title">
  <h2 id="start-title">Start a run</h2>
  <form id="start-form" data-flow="{escape(name)}">
    {"".join(fields) or '<p class="muted">This flow takes no params.</p>'}
    <button type="submit" id="start-run">Start run</button>
    <p id="start-error" class="error" role="alert"></p>
  </form>
  <p><a href="/ui/builder?flow={escape(name)}">Open in the builder</a></p>
  <h2>Schedules</h2>
  <ul>{sched or '<li class="muted">none</li>'}</ul>
</section>
</div>
{_data("flow-data", info)}
"""
    return shell(f"Flow {name}", body, scripts=("graph.js", "flow.js"))


def run_page(run_id: str) -> str:
    body = f"""
<h1>Run <span class="mono" id="run-id">{escape(run_id)}</span></h1>
<div class="run-head">
  <span id="run-status" class="badge" aria-live="polite">…</span>
  <span id="run-meta" class="muted"></span>
  <button type="button" id="cancel-run" hidden>Cancel</button>
  <button type="button" id="redrive-run" hidden>Redrive</button>
</div>
<p id="run-error" class="error" role="alert"></p>
<ul id="run-progress" class="run-progress" aria-label="foreach progress" aria-live="polite" hidden></ul>
<div class="columns">
<section class="wide" aria-labelledby="graph-title">
  <h2 id="graph-title">Graph <small class="muted">(click a node)</small></h2>
  <div id="graph" class="graph"></div>
  <h2>Output</h2>
  <pre id="run-output" class="json"></pre>
</section>
<aside id="node-panel" aria-live="polite" aria-labelledby="node-title">
  <h2 id="node-title">Node</h2>
  <p class="muted">Select a node of the graph to see its input, output, attempts, errors and redrive rounds.</p>
</aside>
</div>
{_data("run-id-data", run_id)}
"""
    return shell(f"Run {run_id}", body, scripts=("graph.js", "run.js"))


def builder_page(flow_name: str | None) -> str:
    body = f"""
<h1>Builder</h1>
<div class="builder">
<section class="catalog" aria-labelledby="catalog-title">
  <h2 id="catalog-title">Components</h2>
  <input type="search" id="catalog-filter" aria-label="Filter components" placeholder="filter">
  <ul id="catalog" class="catalog-list"></ul>
  <h3>Control nodes</h3>
  <ul id="control-kinds" class="catalog-list"></ul>
  <details id="code-node">
    <summary>New code node</summary>
    <form id="code-form">
      <label for="code-name">Function name</label><input id="code-name" name="name" required>
      <label for="code-description">Description</label><input id="code-description" name="description">
      <label for="code-input">Input fields (name:type, …)</label><input id="code-input" name="input" placeholder="text:string">
      <label for="code-output">Output fields (name:type, …)</label><input id="code-output" name="output" placeholder="result:string">
      <label for="code-body">Python body of handle(inputs, ctx)</label>
      <textarea id="code-body" name="body" rows="6" spellcheck="false">return {{}}</textarea>
      <button type="submit">Create function</button>
      <p id="code-result" role="status"></p>
    </form>
  </details>
</section>
<section class="canvas" aria-labelledby="canvas-title">
  <div class="flow-meta">
    <label for="flow-name">Flow name</label><input id="flow-name" value="{escape(flow_name or '')}" placeholder="my-flow">
    <label for="flow-description">Description</label><input id="flow-description">
    <button type="button" id="save-flow">Save</button>
    <button type="button" id="run-flow" disabled>Run</button>
  </div>
  <p id="save-result" role="status"></p>
  <h2 id="canvas-title">Flow <small id="valid-state" class="muted" aria-live="polite"></small></h2>
  <div id="graph" class="graph"></div>
  <ul id="problems" class="problems-list" aria-label="Validation problems"></ul>
</section>
<section class="inspector" aria-labelledby="inspector-title">
  <h2 id="inspector-title">Node</h2>
  <div id="inspector"><p class="muted">Add a component, then select it to fill its inputs.</p></div>
</section>
</div>
{_data("builder-flow", flow_name)}
"""
    return shell("Builder", body, active="builder", scripts=("graph.js", "builder.js"))


def events_page() -> str:
    body = """
<h1>Publish an event</h1>
<form id="event-form" class="narrow">
  <label for="event-name">Event name</label><input id="event-name" name="event" required placeholder="payment.received">
  <label for="event-key">Correlation key</label><input id="event-key" name="key" required>
  <label for="event-data">Data (JSON)</label><textarea id="event-data" name="data" rows="5">{}</textarea>
  <button type="submit">Publish</button>
  <pre id="event-result" class="json" role="status"></pre>
</form>
"""
    return shell("Events", body, active="events", scripts=("graph.js", "events.js"))


def not_found_page(what: str) -> str:
    return shell("Not found", f'<h1>Not found</h1><p>{escape(what)}</p><p><a href="/">Back to the dashboard</a></p>')
