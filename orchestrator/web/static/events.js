// Events page: publish an event through the cloud API (POST /events).
(function () {
  "use strict";
  const form = document.getElementById("event-form");
  const result = document.getElementById("event-result");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    let data;
    try { data = JSON.parse(form.data.value || "null"); } catch (e) { result.textContent = "Data is not JSON: " + e.message; return; }
    try {
      const answer = await FlowGraph.api("POST", "/events", { event: form.event.value, key: form.key.value, data: data });
      result.textContent = FlowGraph.pretty(answer);
    } catch (e) { result.textContent = e.message; }
  });
})();
