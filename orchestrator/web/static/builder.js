// Builder: compose a flow from catalog components, fill inputs (value, reference or JSONata),
// validate live with flowctl's validator, save to flows/<name>.json, run it, create code nodes.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const state = { modes: {}, extra: {}, doc: { name: "", description: "", params: {}, nodes: {} }, catalog: {}, kinds: {}, selected: null, problems: [], layout: null, saved: false };
  let validateTimer = null;

  function h(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v === true) node.setAttribute(k, "");
      else if (v !== false && v !== null && v !== undefined) node.setAttribute(k, v);
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }
  const varName = (id) => id.replace(/-/g, "_");
  const exprBody = (v) => { const m = typeof v === "string" && v.match(/^\s*\{%([\s\S]*)%\}\s*$/); return m ? m[1].trim() : null; };

  function document_() {
    // Keys the builder does not edit (output, schedules, triggers, type...) are kept as loaded.
    const doc = Object.assign({}, state.extra, { name: $("flow-name").value.trim(), description: $("flow-description").value.trim() || undefined, params: state.doc.params, nodes: state.doc.nodes });
    if (!doc.description) delete doc.description;
    if (!Object.keys(doc.params).length) delete doc.params;
    return doc;
  }

  function changed() {
    state.saved = false;
    $("run-flow").disabled = true;
    window.clearTimeout(validateTimer);
    validateTimer = window.setTimeout(validate, 250);
    draw();
    inspect();
  }

  async function validate() {
    const doc = document_();
    if (!doc.name) doc.name = "untitled";
    try {
      const answer = await FlowGraph.api("POST", "/ui/api/validate", doc);
      state.problems = answer.problems;
      if (answer.layout) state.layout = answer.layout;
    } catch (e) {
      state.problems = [{ where: "/", message: e.message, hint: "" }];
    }
    $("valid-state").textContent = state.problems.length ? `${state.problems.length} problem(s)` : "valid";
    const list = $("problems");
    list.textContent = "";
    for (const p of state.problems) list.appendChild(h("li", { class: "problem", text: `${p.where || "/"}: ${p.message}` + (p.hint ? ` — ${p.hint}` : "") }));
    draw();
    if (!$("inspector").contains(document.activeElement)) inspect();
  }

  function problemsByNode() {
    const found = {};
    for (const p of state.problems) {
      const m = (p.where || "").match(/^\/nodes\/([^/]+)/);
      if (m) (found[m[1]] = found[m[1]] || []).push(`${p.where}: ${p.message}`);
    }
    return found;
  }

  function localLayout() {
    // Until the server answers: one column per node in insertion order.
    const ids = Object.keys(state.doc.nodes);
    return { nodes: ids.map((id, i) => ({ id: id, kind: kindOf(state.doc.nodes[id]), summary: summary(state.doc.nodes[id]), x: 20 + i * 190, y: 20 })), edges: [], width: 40 + ids.length * 190, height: 100 };
  }
  function kindOf(node) { return ["uses", "switch", "foreach", "wait_for", "set", "wait"].find((k) => k in node) || "empty"; }
  function summary(node) { return node.uses ? "uses " + node.uses : kindOf(node); }

  function draw() {
    let layout = state.layout;
    const ids = Object.keys(state.doc.nodes);
    if (!layout || layout.nodes.length !== ids.length || layout.nodes.some((n) => !(n.id in state.doc.nodes))) layout = localLayout();
    FlowGraph.render($("graph"), layout, { problems: problemsByNode(), selected: state.selected, onSelect: select, empty: "Add components from the catalog." });
  }

  function select(id) { state.selected = id; draw(); inspect(); }

  function uniqueId(base) {
    let id = base.replace(/_/g, "-"), n = 2;
    while (id in state.doc.nodes) id = `${base.replace(/_/g, "-")}-${n++}`;
    return id;
  }

  function addNode(id, body) {
    const last = state.selected || Object.keys(state.doc.nodes).slice(-1)[0];
    const node = Object.assign({}, body);
    if (last && !("after" in node)) node.after = [last];
    state.doc.nodes[id] = node;
    state.selected = id;
    changed();
  }

  function addComponent(name) {
    const fn = state.catalog[name];
    const node = { uses: name, with: {} };
    addNode(uniqueId(name), node);
    return fn;
  }

  // -- the inspector: one node's id, 'after' links and inputs ----------------------------
  function upstreamOptions(id) {
    const options = [];
    for (const [name, param] of Object.entries(state.doc.params || {})) options.push({ value: `$params.${name}`, label: `$params.${name} (${param.type})` });
    for (const [other, node] of Object.entries(state.doc.nodes)) {
      if (other === id) continue;
      const v = varName(other);
      options.push({ value: `$${v}`, label: `$${v} (whole output)` });
      const out = node.uses && state.catalog[node.uses] && state.catalog[node.uses].output;
      if (out && out.properties) for (const [field, schema] of Object.entries(out.properties)) options.push({ value: `$${v}.${field}`, label: `$${v}.${field}` + (schema.type ? ` (${schema.type})` : "") });
    }
    return options;
  }

  function fieldType(schema) {
    if (!schema) return "string";
    if (schema.type) return schema.type;
    const branch = (schema.anyOf || []).find((b) => b.type && b.type !== "null");
    return branch ? branch.type : "json";
  }

  function inputRow(id, node, field, schema, required) {
    const value = (node.with || {})[field];
    const body = exprBody(value);
    const options = upstreamOptions(id);
    const isRef = body !== null && options.some((o) => o.value === body);
    const modeKey = id + "\u0000" + field;
    let mode = state.modes[modeKey] || (body === null ? "value" : isRef ? "reference" : "expression");
    const type = fieldType(schema);
    const base = `in-${id}-${field}`;
    const set = (v) => { node.with = node.with || {}; if (v === undefined) delete node.with[field]; else node.with[field] = v; changed(); };
    const modeSel = h("select", { id: base + "-mode", "aria-label": `${field}: how to fill it`, onchange: (ev) => { state.modes[modeKey] = ev.target.value; set(undefined); } },
      ["value", "reference", "expression"].map((m) => h("option", { value: m, selected: m === mode, text: m })));
    let control;
    if (mode === "reference") {
      control = h("select", { id: base, "aria-label": `${field}: upstream field`, onchange: (ev) => set(ev.target.value ? `{% ${ev.target.value} %}` : undefined) },
        [h("option", { value: "", text: "— pick —" })].concat(options.map((o) => h("option", { value: o.value, selected: o.value === body, text: o.label }))));
    } else if (mode === "expression") {
      control = h("input", { id: base, "aria-label": `${field}: JSONata expression`, value: body || "", placeholder: "$params.x * 2", onchange: (ev) => set(ev.target.value.trim() ? `{% ${ev.target.value.trim()} %}` : undefined) });
    } else if (type === "boolean") {
      control = h("input", { id: base, type: "checkbox", "aria-label": `${field}: value`, checked: value === true, onchange: (ev) => set(ev.target.checked) });
    } else if (type === "number" || type === "integer") {
      control = h("input", { id: base, type: "number", step: "any", "aria-label": `${field}: value`, value: value === undefined ? "" : String(value), onchange: (ev) => set(ev.target.value === "" ? undefined : Number(ev.target.value)) });
    } else if (type === "string") {
      control = h("input", { id: base, "aria-label": `${field}: value`, value: value === undefined ? "" : String(value), onchange: (ev) => set(ev.target.value === "" ? undefined : ev.target.value) });
    } else {
      control = h("textarea", { id: base, rows: 2, "aria-label": `${field}: JSON value`, onchange: (ev) => { try { set(ev.target.value.trim() ? JSON.parse(ev.target.value) : undefined); } catch (e) { ev.target.setCustomValidity("not JSON"); ev.target.reportValidity(); } } });
      control.value = value === undefined ? "" : JSON.stringify(value);
    }
    const label = h("label", { for: base, text: `${field}${required ? " *" : ""}` });
    const hint = schema && schema.description ? h("small", { class: "muted", text: `${type} — ${schema.description}` }) : h("small", { class: "muted", text: type });
    return h("div", { class: "input-row", "data-field": field }, [label, modeSel, control, hint]);
  }

  function inspect() {
    const box = $("inspector");
    box.textContent = "";
    const id = state.selected;
    const node = id && state.doc.nodes[id];
    if (!node) { box.appendChild(h("p", { class: "muted", text: "Add a component, then select it to fill its inputs." })); return; }
    const mine = problemsByNode()[id] || [];
    box.appendChild(h("h3", { text: id }));
    if (mine.length) box.appendChild(h("ul", { class: "node-problems", role: "alert" }, mine.map((p) => h("li", { text: p }))));
    box.appendChild(h("label", { for: "node-id", text: "Node id" }));
    box.appendChild(h("input", { id: "node-id", value: id, onchange: (ev) => rename(id, ev.target.value.trim()) }));
    const others = Object.keys(state.doc.nodes).filter((o) => o !== id);
    if (others.length) {
      const fs = h("fieldset", {}, [h("legend", { text: "Runs after" })]);
      for (const other of others) {
        const cid = `after-${id}-${other}`;
        fs.appendChild(h("div", {}, [h("input", { type: "checkbox", id: cid, checked: (node.after || []).includes(other), onchange: (ev) => {
          const after = new Set(node.after || []);
          if (ev.target.checked) after.add(other); else after.delete(other);
          if (after.size) node.after = Array.from(after); else delete node.after;
          changed();
        } }), h("label", { for: cid, text: other })]));
      }
      box.appendChild(fs);
    }
    const fn = node.uses && state.catalog[node.uses];
    if (fn) {
      box.appendChild(h("p", { class: "muted", text: (fn.description || "").split("\n")[0] }));
      const schema = fn.input;
      if (schema && schema.properties) {
        const required = new Set(schema.required || []);
        box.appendChild(h("h4", { text: "Inputs" }));
        for (const [field, sub] of Object.entries(schema.properties)) box.appendChild(inputRow(id, node, field, sub, required.has(field)));
      } else {
        box.appendChild(h("p", { class: "muted", text: "This function declares no input model; write 'with' as JSON:" }));
        box.appendChild(jsonEditor(id, node, "with"));
      }
    } else {
      box.appendChild(h("h4", { text: "Node body (JSON, without 'after')" }));
      box.appendChild(jsonEditor(id, node, null));
    }
    box.appendChild(h("button", { type: "button", id: "remove-node", onclick: () => { delete state.doc.nodes[id]; for (const n of Object.values(state.doc.nodes)) if (n.after) { n.after = n.after.filter((a) => a !== id); if (!n.after.length) delete n.after; } state.selected = null; changed(); }, text: "Remove node" }));
  }

  function jsonEditor(id, node, key) {
    const value = key ? node[key] || {} : Object.fromEntries(Object.entries(node).filter(([k]) => k !== "after"));
    const area = h("textarea", { id: "node-json", rows: 8, spellcheck: "false", "aria-label": key ? `'${key}' of ${id} as JSON` : `body of ${id} as JSON` });
    area.value = JSON.stringify(value, null, 2);
    area.addEventListener("change", () => {
      try {
        const parsed = JSON.parse(area.value);
        if (key) node[key] = parsed;
        else { const after = node.after; state.doc.nodes[id] = Object.assign(parsed, after ? { after: after } : {}); }
        changed();
      } catch (e) { area.setCustomValidity("not JSON: " + e.message); area.reportValidity(); }
    });
    return area;
  }

  function rename(from, to) {
    if (!to || to === from || to in state.doc.nodes) return;
    const nodes = {};
    for (const [k, v] of Object.entries(state.doc.nodes)) nodes[k === from ? to : k] = v;
    const oldVar = "$" + varName(from), newVar = "$" + varName(to);
    const text = JSON.stringify(nodes).split(oldVar).join(newVar);
    state.doc.nodes = JSON.parse(text);
    for (const n of Object.values(state.doc.nodes)) if (n.after) n.after = n.after.map((a) => (a === from ? to : a));
    state.selected = to;
    changed();
  }

  // -- catalog, params, save, run, code nodes ----------------------------------------------
  async function loadCatalog() {
    const answer = await FlowGraph.api("GET", "/ui/api/catalog");
    state.catalog = {};
    for (const fn of answer.functions) state.catalog[fn.name] = fn;
    state.kinds = answer.kinds;
    renderCatalog();
  }

  function renderCatalog() {
    const filter = $("catalog-filter").value.toLowerCase();
    const list = $("catalog");
    list.textContent = "";
    for (const fn of Object.values(state.catalog)) {
      if (filter && !fn.name.includes(filter) && !(fn.description || "").toLowerCase().includes(filter)) continue;
      const fields = fn.input && fn.input.properties ? Object.keys(fn.input.properties).join(", ") : "untyped";
      list.appendChild(h("li", { class: "component", "data-function": fn.name }, [
        h("button", { type: "button", "aria-label": `Add ${fn.name}`, onclick: () => addComponent(fn.name), text: "+ " + fn.name }),
        h("small", { class: "muted", text: (fn.description || "").split("\n")[0] }),
        h("small", { class: "fields", text: "in: " + fields }),
      ]));
    }
    const kinds = $("control-kinds");
    kinds.textContent = "";
    for (const [kind, body] of Object.entries(state.kinds)) {
      kinds.appendChild(h("li", {}, [h("button", { type: "button", "aria-label": `Add ${kind} node`, onclick: () => addNode(uniqueId(kind), JSON.parse(JSON.stringify(body))), text: "+ " + kind })]));
    }
  }

  async function save() {
    const result = $("save-result");
    result.textContent = "";
    result.className = "";
    try {
      const answer = await FlowGraph.api("POST", "/ui/api/flows", document_());
      result.textContent = `Saved ${answer.path}` + (answer.runnable ? "" : " (restart flowctl serve to run it)");
      state.saved = answer.runnable;
      $("run-flow").disabled = !answer.runnable;
    } catch (e) {
      result.textContent = e.message;
      result.className = "error";
    }
  }

  async function run() {
    try {
      const started = await FlowGraph.api("POST", `/flows/${encodeURIComponent($("flow-name").value.trim())}/runs`, {});
      window.location.href = "/ui/runs/" + encodeURIComponent(started.run.run_id);
    } catch (e) { $("save-result").textContent = e.message; }
  }

  function fieldList(text) {
    return text.split(",").map((s) => s.trim()).filter(Boolean).map((s) => { const [name, type] = s.split(":").map((x) => x.trim()); return { name: name, type: type || "string" }; });
  }

  async function createCode(ev) {
    ev.preventDefault();
    const form = ev.target;
    const out = $("code-result");
    try {
      const answer = await FlowGraph.api("POST", "/ui/api/functions", { name: form.name.value.trim(), description: form.description.value, input: fieldList(form.input.value), output: fieldList(form.output.value), body: form.body.value });
      out.textContent = `Created ${answer.path}`;
      await loadCatalog();
    } catch (e) { out.textContent = e.message; }
  }

  async function loadFlow(name) {
    try {
      const answer = await FlowGraph.api("GET", `/ui/api/flows/${encodeURIComponent(name)}`);
      const doc = answer.document || {};
      state.doc = { name: doc.name || name, description: doc.description || "", params: doc.params || {}, nodes: doc.nodes || {} };
      state.extra = Object.fromEntries(Object.entries(doc).filter(([k]) => !["$schema", "name", "description", "params", "nodes"].includes(k)));
      $("flow-name").value = state.doc.name;
      $("flow-description").value = state.doc.description;
      $("flow-params").value = JSON.stringify(state.doc.params, null, 2);
    } catch (e) { $("save-result").textContent = e.message; }
  }

  async function start() {
    const params = h("textarea", { id: "flow-params", rows: 3, spellcheck: "false" });
    params.value = "{}";
    params.addEventListener("change", () => { try { state.doc.params = JSON.parse(params.value || "{}"); params.setCustomValidity(""); changed(); } catch (e) { params.setCustomValidity("not JSON"); params.reportValidity(); } });
    const meta = document.querySelector(".flow-meta");
    meta.appendChild(h("label", { for: "flow-params", text: "Params (JSON)" }));
    meta.appendChild(params);
    $("catalog-filter").addEventListener("input", renderCatalog);
    $("save-flow").addEventListener("click", save);
    $("run-flow").addEventListener("click", run);
    $("flow-name").addEventListener("change", changed);
    $("code-form").addEventListener("submit", createCode);
    await loadCatalog();
    const initial = JSON.parse($("builder-flow").textContent);
    if (initial) await loadFlow(initial);
    changed();
  }
  start();
})();
