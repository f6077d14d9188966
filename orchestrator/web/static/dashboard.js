// Dashboard: refresh while runs are going, so their status and duration stay current.
(function () {
  "use strict";
  if (document.querySelector(".runs .s-running, .runs .s-pending")) {
    window.setTimeout(() => window.location.reload(), 3000);
  }
})();
