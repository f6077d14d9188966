// Draws a flow layout ({nodes, edges, width, height}) as SVG. Used by the flow, run and builder pages.
// Options: statuses {node: STATUS}, progress {node: {succeeded, failed, total, text}} (a foreach's
// items), problems {node: [text]}, selected, onSelect, empty.
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const W = 156, H = 54;

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  function render(container, layout, opts) {
    opts = opts || {};
    const statuses = opts.statuses || {};
    const progress = opts.progress || {};
    const problems = opts.problems || {};
    container.textContent = "";
    if (!layout || !layout.nodes.length) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = opts.empty || "No nodes yet.";
      container.appendChild(p);
      return;
    }
    const width = Math.max(layout.width, 200), height = Math.max(layout.height, 100);
    const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width: width, height: height, class: "flow-graph" }, container);
    const defs = el("defs", {}, svg);
    const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto" }, defs);
    el("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }, marker);
    const at = {};
    for (const n of layout.nodes) at[n.id] = n;
    for (const e of layout.edges) {
      const a = at[e.from], b = at[e.to];
      if (!a || !b) continue;
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
      const mid = (x1 + x2) / 2;
      el("path", { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, class: "edge edge-" + e.kind, "marker-end": "url(#arrow)" }, svg);
    }
    for (const n of layout.nodes) {
      const status = (statuses[n.id] || "").toLowerCase();
      const bad = problems[n.id] && problems[n.id].length;
      const classes = ["node", "kind-" + n.kind];
      if (status) classes.push("s-" + status);
      if (bad) classes.push("has-problem");
      if (opts.selected === n.id) classes.push("selected");
      const items = progress[n.id];
      const label = `${n.id}, ${n.summary}` + (status ? `, ${status}` : "") + (items ? `, items ${items.text}` : "") + (bad ? `, ${problems[n.id].length} problem(s)` : "");
      const g = el("g", { class: classes.join(" "), "data-node": n.id, "data-status": status.toUpperCase(), transform: `translate(${n.x},${n.y})`, tabindex: "0", role: "button", "aria-label": label }, svg);
      el("rect", { width: W, height: H, rx: 8 }, g);
      const title = el("text", { x: 10, y: 22, class: "node-id" }, g);
      title.textContent = n.id.length > 20 ? n.id.slice(0, 19) + "…" : n.id;
      const sub = el("text", { x: 10, y: 41, class: "node-summary" }, g);
      sub.textContent = n.summary.length > 24 ? n.summary.slice(0, 23) + "…" : n.summary;
      if (items) {  // a foreach's items: done/total as text and a bar along the bottom
        sub.textContent = items.text;
        sub.setAttribute("class", "node-summary node-progress");
        const done = items.total ? (items.succeeded + items.failed) / items.total : 0;
        el("rect", { x: 8, y: H - 8, width: W - 16, height: 4, rx: 2, class: "progress-track" }, g);
        el("rect", { x: 8, y: H - 8, width: Math.round((W - 16) * Math.min(done, 1)), height: 4, rx: 2, class: "progress-done" + (items.failed ? " has-failed" : "") }, g);
      }
      if (bad) {
        el("circle", { cx: W - 12, cy: 12, r: 9, class: "problem-dot" }, g);
        const mark = el("text", { x: W - 12, y: 16, class: "problem-mark", "text-anchor": "middle" }, g);
        mark.textContent = "!";
        const tip = el("title", {}, g);
        tip.textContent = problems[n.id].join("\n");
      }
      if (opts.onSelect) {
        g.addEventListener("click", () => opts.onSelect(n.id));
        g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); opts.onSelect(n.id); } });
      }
    }
  }

  async function api(method, url, body) {
    const init = { method: method, headers: { "Accept": "application/json" } };
    if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    const response = await fetch(url, init);
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      const problems = (data && data.problems) || [];
      const text = [(data && data.message) || `HTTP ${response.status}`].concat(problems.map((p) => `${p.where || "/"}: ${p.message}` + (p.hint ? ` (${p.hint})` : ""))).join("\n");
      const error = new Error(text);
      error.data = data;
      throw error;
    }
    return data;
  }

  function pretty(value) { return value === undefined ? "" : JSON.stringify(value, null, 2); }

  window.FlowGraph = { render: render, api: api, pretty: pretty };
})();
