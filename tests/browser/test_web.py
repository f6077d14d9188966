"""The dashboard and the builder in a real headless Chromium, against `flowctl serve`.

Each test is one item of issue 11's "Done when" list (and issue 16's dashboard progress
counters); together they take the README's screenshots (dashboard, run page, foreach run
page, builder).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.slow

# Records, in the page, every distinct set of green (SUCCEEDED) nodes the run graph shows.
WATCH_GREEN = """
window.__greens = [];
document.addEventListener("DOMContentLoaded", () => {
  const graph = document.getElementById("graph");
  if (!graph) return;
  const note = () => {
    const ids = Array.from(graph.querySelectorAll(".node.s-succeeded")).map((n) => n.dataset.node).sort();
    const last = window.__greens[window.__greens.length - 1];
    if (!last || last.join() !== ids.join()) window.__greens.push(ids);
  };
  new MutationObserver(note).observe(graph, { childList: true, subtree: true, attributes: true });
});
"""


def node(page: Any, node_id: str) -> Any:
    return page.locator(f'#graph [data-node="{node_id}"]')


def test_the_dashboard_lists_flows_and_runs(page: Any, server: Any) -> None:
    # GIVEN two finished runs of different flows
    hello = server.call("POST", "/flows/liteflow-hello/runs", {"name": "Ada"})["run"]["run_id"]
    added = server.call("POST", "/flows/liteflow-passing-data/runs", {"a": 2, "b": 3})["run"]["run_id"]
    assert server.wait_run(hello)["status"] == "SUCCEEDED"
    assert server.wait_run(added)["status"] == "SUCCEEDED"
    # WHEN the home page is opened
    page.goto("/")
    # THEN it lists the flows, each linking to its page, and the runs, each linking to its run page
    for flow in ("demo-steps", "demo-redrive", "liteflow-hello", "ma-crossover"):
        assert page.locator(f'.flow-card[data-flow="{flow}"] a.flow-name').get_attribute("href") == f"/ui/flows/{flow}"
    for run_id in (hello, added):
        row = page.locator(f'tr[data-run="{run_id}"]')
        assert row.locator("a").first.get_attribute("href") == f"/ui/runs/{run_id}"
        assert "SUCCEEDED" in row.inner_text()
        assert "api" in row.inner_text()
    # AND filtering by flow keeps only that flow's runs
    page.get_by_label("Filter by flow").select_option("liteflow-hello")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"flow=liteflow-hello"))
    assert page.locator(f'tr[data-run="{hello}"]').count() == 1
    assert page.locator(f'tr[data-run="{added}"]').count() == 0
    # AND a run links to its run page
    page.locator(f'tr[data-run="{hello}"] a').first.click()
    expect(page).to_have_url(re.compile(f"/ui/runs/{hello}$"))
    expect(page.locator("#run-status")).to_have_text("SUCCEEDED")


def test_a_run_started_from_its_params_form_turns_nodes_green_one_by_one(page: Any, server: Any, screenshot: Any) -> None:
    # GIVEN the page of a flow whose three steps take a moment each
    page.add_init_script(WATCH_GREEN)
    page.goto("/ui/flows/demo-steps")
    # WHEN a run is started from the form generated from its typed params
    page.get_by_label("delay").fill("1")
    page.get_by_label("label").fill("watched")
    page.get_by_role("button", name="Start run").click()
    expect(page).to_have_url(re.compile(r"/ui/runs/[^/]+$"))
    # THEN its graph turns the nodes green one by one, in order, while the run goes
    page.wait_for_function("document.getElementById('run-status').textContent === 'SUCCEEDED'", timeout=60_000)
    page.wait_for_selector('#graph [data-node="third"].s-succeeded')
    greens = page.evaluate("window.__greens")
    assert [g for g in greens if g] == [["first"], ["first", "second"], ["first", "second", "third"]]
    # AND clicking a node shows its output
    node(page, "second").click()
    panel = page.locator("#node-panel")
    assert panel.locator("h2").inner_text() == "second"
    output = panel.locator(".step.latest pre").last.inner_text()
    assert json.loads(output) == {"label": "watched", "waited": 1.0}
    # AND its log lines
    assert "INFO pausing seconds=1" in panel.locator("pre.logs").inner_text()
    screenshot(page, "run")


def test_a_failing_run_shows_the_failed_node_red_and_redrive_from_the_page_completes_it(page: Any, server: Any) -> None:
    marker: Path = server.project / "marker.txt"
    # GIVEN a run whose middle step fails (its marker file is missing)
    page.goto("/ui/flows/demo-redrive")
    page.get_by_label("marker").fill(str(marker))
    page.get_by_role("button", name="Start run").click()
    expect(page).to_have_url(re.compile(r"/ui/runs/[^/]+$"))
    # THEN the failed node is red, with its error
    failed = page.wait_for_selector('#graph [data-node="fragile"].s-failed', timeout=60_000)
    assert failed is not None
    fill = page.eval_on_selector('#graph [data-node="fragile"] rect', "r => getComputedStyle(r).fill")
    assert fill == "rgb(252, 232, 230)"
    page.wait_for_function("document.getElementById('run-status').textContent === 'FAILED'")
    assert node(page, "prepare").get_attribute("class").split().count("s-succeeded") == 1
    node(page, "fragile").click()
    assert "MarkerMissingError" in page.locator("#node-panel").inner_text()
    assert "MarkerMissingError" in page.locator("#run-error").inner_text()
    # WHEN the cause is fixed and the run is redriven from the page
    marker.write_text("fixed")
    page.get_by_role("button", name="Redrive").click()
    # THEN it completes: every node green, the failed one now too
    page.wait_for_function("document.getElementById('run-status').textContent === 'SUCCEEDED'", timeout=60_000)
    for node_id in ("prepare", "fragile", "finish"):
        page.wait_for_selector(f'#graph [data-node="{node_id}"].s-succeeded')
    assert "redriven 1" in page.locator("#run-meta").inner_text()


def test_a_running_run_is_cancelled_from_its_page(page: Any, server: Any) -> None:
    started = server.call("POST", "/flows/demo-steps/runs", {"delay": 3, "label": "cancelled"})["run"]["run_id"]
    page.goto(f"/ui/runs/{started}")
    page.wait_for_selector('#graph [data-node="first"]')
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#run-status")).to_have_text("ABORTED")
    expect(page.get_by_role("button", name="Cancel")).to_be_hidden()
    assert server.call("GET", f"/runs/{started}")["run"]["status"] == "ABORTED"


def test_the_builder_makes_a_three_node_flow_that_validates_saves_runs_and_succeeds(page: Any, server: Any, screenshot: Any) -> None:
    page.goto("/ui/builder")
    page.get_by_label("Flow name").fill("built-flow")
    page.get_by_label("Flow name").press("Tab")
    # GIVEN three components from the catalog, each added after the previous one
    page.get_by_role("button", name="Add add_numbers").click()
    # a node with required inputs still empty shows its problem at the node
    page.wait_for_selector('#graph [data-node="add-numbers"].has-problem')
    # ... one form value each
    page.get_by_label("a: value").fill("2")
    page.get_by_label("a: value").press("Tab")
    page.get_by_label("b: value").fill("3")
    page.get_by_label("b: value").press("Tab")
    page.wait_for_selector('#graph [data-node="add-numbers"]:not(.has-problem)')
    page.get_by_role("button", name="Add increment").click()
    # ... one reference to an upstream node's output field, picked from its output schema
    page.get_by_label("count: how to fill it").select_option("reference")
    page.get_by_label("count: upstream field").select_option("$add_numbers.sum")
    page.get_by_role("button", name="Add hello").click()
    page.get_by_label("name: how to fill it").select_option("reference")
    page.get_by_label("name: upstream field").select_option("$increment.count")
    # THEN the typed edge integer → string is a validation error at the hello node
    page.wait_for_selector('#graph [data-node="hello"].has-problem')
    assert "/nodes/hello/with/name" in page.locator("#problems").inner_text()
    assert "wants string" in page.locator("#problems").inner_text()
    # WHEN it is fixed with a JSONata expression, the error disappears
    page.get_by_label("name: how to fill it").select_option("expression")
    page.get_by_label("name: JSONata expression").fill("'visitor ' & $string($increment.count)")
    page.get_by_label("name: JSONata expression").press("Tab")
    page.wait_for_selector('#graph [data-node="hello"]:not(.has-problem)')
    page.wait_for_function("document.getElementById('valid-state').textContent === 'valid'")
    assert page.locator("#problems li").count() == 0
    node(page, "increment").click()
    page.locator("#catalog").evaluate("list => { list.scrollTop = 0; }")
    screenshot(page, "builder")
    # AND the flow saves to flows/built-flow.json, formatted like the examples
    page.get_by_role("button", name="Save").click()
    page.wait_for_function("document.getElementById('save-result').textContent.startsWith('Saved')")
    saved = server.project / "flows" / "built-flow.json"
    doc = json.loads(saved.read_text())
    assert doc["nodes"] == {
        "add-numbers": {"uses": "add_numbers", "with": {"a": 2, "b": 3}},
        "increment": {"uses": "increment", "with": {"count": "{% $add_numbers.sum %}"}, "after": ["add-numbers"]},
        "hello": {"uses": "hello", "with": {"name": "{% 'visitor ' & $string($increment.count) %}"}, "after": ["increment"]},
    }
    assert '    "hello": {"uses": "hello"' in saved.read_text()
    # AND it runs from the page and succeeds
    page.get_by_role("button", name="Run").click()
    expect(page).to_have_url(re.compile(r"/ui/runs/[^/]+$"))
    page.wait_for_function("document.getElementById('run-status').textContent === 'SUCCEEDED'", timeout=60_000)
    node(page, "hello").click()
    assert "Hello, visitor 6!" in page.locator("#node-panel").inner_text()


def test_an_existing_flow_opened_in_the_builder_saves_back_unchanged(page: Any, server: Any) -> None:
    path = server.project / "flows" / "liteflow-passing-data.json"
    before = json.loads(path.read_text())
    page.goto("/ui/flows/liteflow-passing-data")
    page.get_by_role("link", name="Open in the builder").click()
    page.wait_for_selector('#graph [data-node="describe"]')
    page.wait_for_function("document.getElementById('valid-state').textContent === 'valid'")
    page.get_by_role("button", name="Save").click()
    page.wait_for_function("document.getElementById('save-result').textContent.startsWith('Saved')")
    after = json.loads(path.read_text())
    before.pop("$schema", None)  # the copied project has no orchestrator/flowlang/flow.schema.json
    assert after == before


def test_a_code_node_is_created_from_the_builder_and_joins_the_catalog(page: Any, server: Any) -> None:
    page.goto("/ui/builder")
    page.get_by_text("New code node").click()
    page.get_by_label("Function name").fill("shout")
    page.get_by_label("Description").last.fill("Upper-case a text.")
    page.get_by_label("Input fields (name:type, …)").fill("text:string")
    page.get_by_label("Output fields (name:type, …)").fill("loud:string")
    page.get_by_label("Python body of handle(inputs, ctx)").fill("return {'loud': inputs['text'].upper()}")
    page.get_by_role("button", name="Create function").click()
    expect(page.locator("#code-result")).to_have_text("Created functions/shout/app.py")
    expect(page.get_by_role("button", name="Add shout")).to_be_visible()
    assert "class Input(BaseModel)" in (server.project / "functions" / "shout" / "app.py").read_text()


def test_an_event_is_published_from_the_events_page(page: Any, server: Any) -> None:
    page.goto("/ui/events")
    page.get_by_label("Event name").fill("demo.happened")
    page.get_by_label("Correlation key").fill("k1")
    page.get_by_label("Data (JSON)").fill('{"n": 1}')
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#event-result")).to_contain_text('"published": "bus"')


def test_a_foreach_shows_its_items_done_of_total_while_it_runs(page: Any, server: Any, screenshot: Any) -> None:
    gate: Path = server.project / "gate-open.txt"
    # GIVEN a run of a foreach over 24 items, two at a time, whose items from the 7th on wait
    # for a gate file
    params = {"count": 24, "hold_from": 6, "gate": str(gate)}
    started = server.call("POST", "/flows/demo-fanout/runs", params)["run"]["run_id"]
    # WHEN its run page is opened while it runs
    page.goto(f"/ui/runs/{started}")
    row = page.locator('#run-progress li[data-node="each"]')
    # THEN the page shows the foreach's items done of its total, as `flowctl runs show` does,
    # while the run is RUNNING
    expect(row).to_have_text(re.compile(r"^each 6/24"), timeout=60_000)
    expect(page.locator("#run-status")).to_have_text("RUNNING")
    bar = row.locator("progress")
    assert (bar.get_attribute("max"), bar.evaluate("b => b.value")) == ("24", 6)
    # AND the graph's foreach node carries the same count
    expect(node(page, "each").locator(".node-progress")).to_have_text("6/24")
    assert "items 6/24" in (node(page, "each").get_attribute("aria-label") or "")
    screenshot(page, "fanout")
    # WHEN the gate opens, THEN the counts move on live and read 24/24 when the run ends,
    # on the page, the node and its panel
    gate.write_text("open")
    page.wait_for_function("document.getElementById('run-status').textContent === 'SUCCEEDED'", timeout=60_000)
    expect(row).to_have_text(re.compile(r"^each 24/24"))
    expect(node(page, "each").locator(".node-progress")).to_have_text("24/24")
    node(page, "each").click()
    expect(page.locator("#node-panel .node-items")).to_have_text("Items 24/24")
    # AND the dashboard's run list shows them too
    page.goto("/?flow=demo-fanout")
    expect(page.locator(f'tr[data-run="{started}"] td.items')).to_have_text("each 24/24")


def test_the_dashboard_shows_every_run_of_the_session(page: Any, server: Any, screenshot: Any) -> None:
    page.goto("/")
    rows = page.locator("table.runs tbody tr")
    assert rows.count() >= 5
    statuses = page.locator("table.runs .badge").all_inner_texts()
    assert "SUCCEEDED" in statuses
    screenshot(page, "dashboard")
