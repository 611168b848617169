/* Zokusei web UI: keyboard review of a product and live progress of a training run.
   Plain JavaScript, no libraries; every action also works as an ordinary form or link. */
(function () {
  "use strict";

  function typingIn(element) {
    if (!element) return false;
    var tag = element.tagName;
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || element.isContentEditable;
  }

  /* ---- product review: j/k, a, r, e, u, n, ? ---------------------------------------- */
  function setUpReview(article) {
    var items = Array.prototype.slice.call(article.querySelectorAll("li.suggestion"));
    var dialog = document.getElementById("shortcuts");
    var current = -1;

    function select(index, scroll) {
      if (!items.length) return;
      index = Math.max(0, Math.min(items.length - 1, index));
      if (current >= 0) items[current].classList.remove("current");
      current = index;
      var item = items[current];
      item.classList.add("current");
      item.focus({ preventScroll: !scroll });
      if (scroll !== false) item.scrollIntoView({ block: "nearest" });
      markHighlights(item.getAttribute("data-suggestion"));
    }

    function markHighlights(id) {
      var marks = document.querySelectorAll("mark[data-suggestion]");
      for (var i = 0; i < marks.length; i++) {
        marks[i].classList.toggle("current", marks[i].getAttribute("data-suggestion") === id);
      }
    }

    function submit(action) {
      if (current < 0) return;
      var form = items[current].querySelector('form[data-action="' + action + '"]');
      if (!form) return;
      if (action === "correct") {
        form.querySelector(".correct-choice").focus();
        return;
      }
      form.requestSubmit();
    }

    items.forEach(function (item, index) {
      item.addEventListener("focusin", function () {
        if (current !== index) {
          if (current >= 0) items[current].classList.remove("current");
          current = index;
          item.classList.add("current");
          markHighlights(item.getAttribute("data-suggestion"));
        }
      });
    });

    /* Enter in the correction list submits it (the search box submits on Enter by itself, after
       Enter has picked an entry of its list); Escape goes back to the suggestion. */
    article.querySelectorAll(".correct-form .correct-choice").forEach(function (choice) {
      choice.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && choice.tagName === "SELECT") {
          event.preventDefault();
          choice.form.requestSubmit();
        } else if (event.key === "Escape") {
          event.preventDefault();
          choice.closest("li.suggestion").focus();
        }
      });
    });

    /* Marks in the text: hovering one points at its suggestion. */
    document.querySelectorAll("mark[data-suggestion]").forEach(function (mark) {
      mark.addEventListener("click", function () {
        var index = items.findIndex(function (item) {
          return item.getAttribute("data-suggestion") === mark.getAttribute("data-suggestion");
        });
        if (index >= 0) select(index, true);
      });
    });

    document.querySelectorAll("[data-show-shortcuts]").forEach(function (button) {
      button.addEventListener("click", function () { toggleHelp(); });
    });

    function toggleHelp() {
      if (!dialog) return;
      if (dialog.open) dialog.close(); else dialog.showModal();
    }

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "?") {
        if (typingIn(event.target)) return;
        event.preventDefault();
        toggleHelp();
        return;
      }
      if (dialog && dialog.open) return;
      if (typingIn(event.target)) return;
      switch (event.key) {
        case "j": event.preventDefault(); select(current + 1, true); break;
        case "k": event.preventDefault(); select(current < 0 ? 0 : current - 1, true); break;
        case "a": event.preventDefault(); submit("accept"); break;
        case "r": event.preventDefault(); submit("reject"); break;
        case "e": event.preventDefault(); submit("correct"); break;
        case "u": {
          event.preventDefault();
          var undo = document.getElementById("undo-form");
          if (undo && !undo.querySelector("button").disabled) undo.requestSubmit();
          break;
        }
        case "n": event.preventDefault(); window.location.href = article.getAttribute("data-next-url"); break;
        default: break;
      }
    });

    /* Start where the last action left off, else on the first suggestion to review. */
    var focusId = article.getAttribute("data-focus");
    var start = items.findIndex(function (item) { return item.getAttribute("data-suggestion") === focusId; });
    if (start < 0) start = items.findIndex(function (item) { return item.getAttribute("data-status") === "pending"; });
    if (start >= 0) select(start, false);
  }

  /* ---- queue: j/k move between products, Enter opens one ---------------------------- */
  function setUpQueue(table) {
    var links = Array.prototype.slice.call(table.querySelectorAll("tbody a.product-link"));
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
      if (event.key !== "j" && event.key !== "k") return;
      if (!links.length) return;
      event.preventDefault();
      var index = links.indexOf(document.activeElement);
      index = event.key === "j" ? index + 1 : index - 1;
      links[Math.max(0, Math.min(links.length - 1, index))].focus();
    });
  }

  /* ---- training run: poll the progress JSON while the run is not finished ------------ */
  var POLL_INTERVAL_MS = 1500;

  function setUpRunProgress(section) {
    var url = section.getAttribute("data-progress-url");
    if (section.getAttribute("data-finished") === "true") return;

    function show(data) {
      section.querySelectorAll("[data-field]").forEach(function (element) {
        var name = element.getAttribute("data-field");
        var value = data[name];
        if (value === undefined || value === null) return;
        if (name === "percent") value = Number(value).toFixed(1);
        if (name === "throughput") value = Number(value).toFixed(1);
        element.textContent = value;
        if (name === "error_display") element.hidden = !value;
        if (name === "status_display") element.className = "badge run-" + data.status;
      });
      section.querySelector("progress").value = data.percent;
      if (data.chart_html !== undefined) {
        document.getElementById("loss-chart").innerHTML = data.chart_html;
      }
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          show(data);
          if (data.finished) {
            // Figures and the model version appear on the server-rendered page.
            window.setTimeout(function () { window.location.reload(); }, 500);
          } else {
            window.setTimeout(poll, POLL_INTERVAL_MS);
          }
        })
        .catch(function () { window.setTimeout(poll, POLL_INTERVAL_MS * 4); });
    }
    window.setTimeout(poll, POLL_INTERVAL_MS);
  }

  /* ---- bars: widths come from data-width (a percentage), not from style attributes,
     which the Content-Security-Policy refuses (style-src 'self', config/settings.py) ---- */
  function drawBars() {
    document.querySelectorAll(".bar > span[data-width]").forEach(function (span) {
      var percent = Number(span.getAttribute("data-width"));
      if (!isFinite(percent)) percent = 0;
      span.style.width = Math.max(0, Math.min(100, percent)) + "%";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawBars();
    var article = document.querySelector("article.product-review");
    if (article) setUpReview(article);
    var queue = document.querySelector("table.queue");
    if (queue) setUpQueue(queue);
    var progress = document.getElementById("run-progress");
    if (progress) setUpRunProgress(progress);
  });
})();
