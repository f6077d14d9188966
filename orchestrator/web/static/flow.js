// Flow page: draw the graph, start a run from the params form.
(function () {
  "use strict";
  const info = JSON.parse(document.getElementById("flow-data").textContent);
  FlowGraph.render(document.getElementById("graph"), info.layout, {});
  const form = document.getElementById("start-form");
  const error = document.getElementById("start-error");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    const params = {};
    try {
      for (const input of form.querySelectorAll("[data-type]")) {
        const type = input.dataset.type;
        if (type === "boolean") { params[input.name] = input.checked; continue; }
        const raw = input.value.trim();
        if (raw === "") continue;
        if (type === "number" || type === "integer") params[input.name] = Number(raw);
        else if (type === "object" || type === "array") params[input.name] = JSON.parse(raw);
        else params[input.name] = raw;
      }
    } catch (e) {
      error.textContent = "A param is not valid JSON: " + e.message;
      return;
    }
    try {
      const started = await FlowGraph.api("POST", `/flows/${encodeURIComponent(form.dataset.flow)}/runs`, params);
      window.location.href = "/ui/runs/" + encodeURIComponent(started.run.run_id);
    } catch (e) {
      error.textContent = e.message;
    }
  });
})();
