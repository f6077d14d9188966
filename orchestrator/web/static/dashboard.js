// Dashboard: draw each flow's graph; refresh while runs are going, so statuses stay current.
(function () {
  "use strict";
  for (const box of document.querySelectorAll(".mini-graph[data-layout]")) {
    FlowGraph.render(box, JSON.parse(box.dataset.layout), {});
  }
  if (document.querySelector(".runs .s-running, .runs .s-pending")) {
    window.setTimeout(() => window.location.reload(), 3000);
  }
})();
