// Run page: the flow's graph coloured by node status, polled until the run ends; node details.
(function () {
  "use strict";
  const runId = JSON.parse(document.getElementById("run-id-data").textContent);
  const graph = document.getElementById("graph");
  const panel = document.getElementById("node-panel");
  const statusEl = document.getElementById("run-status");
  const meta = document.getElementById("run-meta");
  const errorEl = document.getElementById("run-error");
  const cancelBtn = document.getElementById("cancel-run");
  const redriveBtn = document.getElementById("redrive-run");
  const progressEl = document.getElementById("run-progress");
  let current = null, selected = null, timer = null;

  function text(tag, value, cls) {
    const node = document.createElement(tag);
    node.textContent = value;
    if (cls) node.className = cls;
    return node;
  }

  function h_p(child) {
    const p = document.createElement("p");
    p.appendChild(child);
    return p;
  }

  function block(title, value) {
    const wrap = document.createElement("div");
    wrap.appendChild(text("h4", title));
    wrap.appendChild(text("pre", typeof value === "string" ? value : FlowGraph.pretty(value), "json"));
    return wrap;
  }

  function showNode(id) {
    selected = id;
    if (!current) return;
    const info = current.nodes[id] || { status: "PENDING", steps: [] };
    const layoutNode = current.layout.nodes.find((n) => n.id === id) || { summary: "" };
    panel.textContent = "";
    panel.appendChild(text("h2", id)).id = "node-title";
    const head = document.createElement("p");
    head.appendChild(text("span", info.status, "badge s-" + info.status.toLowerCase()));
    head.appendChild(text("span", " " + layoutNode.summary, "muted"));
    panel.appendChild(head);
    const sub = layoutNode.summary.match(/^flow (.+)$/);
    if (sub) {
      const link = text("a", `open sub-flow ${sub[1]}`);
      link.href = "/ui/flows/" + encodeURIComponent(sub[1]);
      panel.appendChild(h_p(link));
    }
    if (info.detail) panel.appendChild(text("p", info.detail, info.status === "FAILED" ? "error node-error" : "muted"));
    for (const row of info.progress || []) {
      panel.appendChild(text("p", `Items ${row.key === id ? "" : row.key + " "}${row.text}`, "node-items"));
    }
    if (!info.steps.length) {
      panel.appendChild(text("p", info.status === "PENDING" ? "Not run yet." : "No step recorded.", "muted"));
    }
    const rounds = new Set(info.steps.map((s) => s.redrive));
    const items = info.steps.filter((s) => s.node !== id || s.index);
    if (items.length) panel.appendChild(text("p", `${items.length} item/iteration step(s) — listed below with their index.`, "muted"));
    if (rounds.size > 1) panel.appendChild(text("p", `Redrive rounds: ${Array.from(rounds).sort().join(", ")}`, "muted"));
    info.steps.slice().reverse().forEach((step, i) => {
      const section = document.createElement("section");
      section.className = "step";
      const where = step.node !== id ? ` ${step.node}` : "";
      const item = step.node !== id || step.index ? ` item ${step.index}` : "";
      section.appendChild(text("h3", `${step.status}${where}${item} · attempt ${step.attempt + 1} · redrive round ${step.redrive}` + (step.duration_ms != null ? ` · ${step.duration_ms} ms` : "")));
      const out = step.output && typeof step.output === "object" && ("input" in step.output || "output" in step.output) ? step.output : { output: step.output };
      if (out.input !== undefined) section.appendChild(block("Input", out.input));
      if (step.status === "SUCCEEDED") section.appendChild(block("Output", out.output));
      if (step.error) section.appendChild(block("Error", step.error + (step.cause ? "\n" + step.cause : "")));
      if (i === 0) section.classList.add("latest");
      panel.appendChild(section);
    });
    const logs = info.logs || [];
    panel.appendChild(text("h3", "Logs"));
    if (logs.length) {
      const lines = logs.map((l) => `${l.timestamp || ""} ${l.level || ""} ${l.message || ""}` + Object.entries(l).filter(([k]) => !["timestamp", "level", "message", "attempt", "index", "redrive"].includes(k)).map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join(""));
      panel.appendChild(text("pre", lines.join("\n"), "json logs"));
    } else {
      panel.appendChild(text("p", "No log lines from this node in this server's lifetime.", "muted small"));
    }
    draw();
  }

  function draw() {
    const statuses = {}, progress = {};
    for (const [id, info] of Object.entries(current.nodes)) statuses[id] = info.status;
    for (const row of current.progress || []) if (row.key === row.node) progress[row.node] = row;
    FlowGraph.render(graph, current.layout, { statuses: statuses, progress: progress, selected: selected, onSelect: showNode });
  }

  // Each foreach's items, as `flowctl runs show` prints them: "each 1,234/20,000".
  function showProgress(rows) {
    progressEl.textContent = "";
    for (const row of rows || []) {
      const item = document.createElement("li");
      item.dataset.node = row.key;
      item.appendChild(text("span", row.key, "mono"));
      item.append(" " + row.text);
      const bar = document.createElement("progress");
      bar.max = row.total || 1;
      bar.value = row.succeeded + row.failed;
      bar.setAttribute("aria-label", `${row.key} items done`);
      item.appendChild(bar);
      progressEl.appendChild(item);
    }
    progressEl.hidden = !(rows && rows.length);
  }

  function update(data) {
    current = data;
    const run = data.run;
    statusEl.textContent = run.status;
    statusEl.className = "badge s-" + run.status.toLowerCase();
    meta.textContent = "";
    const link = text("a", run.flow);
    link.href = "/ui/flows/" + encodeURIComponent(run.flow);
    meta.append("flow ", link, ` · trigger ${run.trigger} · started ${run.started_at || "-"} · ${run.duration}` + (run.redrive_count ? ` · redriven ${run.redrive_count}×` : ""));
    errorEl.textContent = run.error ? `${run.error}: ${run.cause || ""}` : "";
    showProgress(data.progress);
    document.getElementById("run-output").textContent = run.output === null || run.output === undefined ? "" : FlowGraph.pretty(run.output);
    cancelBtn.hidden = data.terminal;
    redriveBtn.hidden = !(data.terminal && run.status !== "SUCCEEDED");
    if (selected) showNode(selected); else draw();
  }

  async function poll() {
    window.clearTimeout(timer);
    try {
      const data = await FlowGraph.api("GET", `/ui/api/runs/${encodeURIComponent(runId)}/graph`);
      update(data);
      if (!data.terminal) timer = window.setTimeout(poll, 400);
    } catch (e) {
      errorEl.textContent = e.message;
      timer = window.setTimeout(poll, 2000);
    }
  }

  async function action(name) {
    errorEl.textContent = "";
    try {
      await FlowGraph.api("POST", `/runs/${encodeURIComponent(runId)}/${name}`);
    } catch (e) { errorEl.textContent = e.message; }
    redriveBtn.hidden = true;
    poll();
  }

  cancelBtn.addEventListener("click", () => action("cancel"));
  redriveBtn.addEventListener("click", () => action("redrive"));
  poll();
})();
