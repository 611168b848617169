/* Zokusei staff pages: live progress of the catalogue scoring after an activation.
   Plain JavaScript; the page shows the figures of its own load without it. */
(function () {
  "use strict";

  var POLL_INTERVAL_MS = 2000;

  function setUpScoringProgress(section) {
    var url = section.getAttribute("data-progress-url");
    if (!url || section.getAttribute("data-finished") === "true") return;
    var bar = section.querySelector("progress");

    function show(data) {
      section.querySelectorAll("[data-field]").forEach(function (element) {
        var value = data[element.getAttribute("data-field")];
        if (value !== undefined && value !== null) element.textContent = value;
      });
      bar.max = Math.max(1, data.chunks_total);
      bar.value = data.chunks_done;
      var done = section.querySelector("[data-when-finished]");
      if (done) done.hidden = !data.finished;
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          show(data);
          if (!data.finished) window.setTimeout(poll, POLL_INTERVAL_MS);
        })
        .catch(function () { window.setTimeout(poll, POLL_INTERVAL_MS * 4); });
    }
    window.setTimeout(poll, POLL_INTERVAL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var scoring = document.getElementById("scoring-progress");
    if (scoring) setUpScoringProgress(scoring);
  });
})();
