/* Zokusei web UI: keyboard review of a product and live progress of a training run.
   Plain JavaScript, no libraries; every action also works as an ordinary form or link. */
(function () {
  "use strict";

  function typingIn(element) {
    if (!element) return false;
    var tag = element.tagName;
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || element.isContentEditable;
  }

  /* ---- product review: j/k, a, r, e, u, n, ? ----------------------------------------
     Decisions are the page's own forms, posted with fetch (Accept: application/json): the
     server answers with the changed parts of the page, swapped in place, without a reload.
     Without JavaScript the same forms post and redirect back. */
  function setUpReview(article) {
    var dialog = document.getElementById("shortcuts");
    var messageList = document.getElementById("review-messages");
    var items = [];
    var current = -1;
    var busy = false;
    var updates = 0;

    // Counts the answers shown (updates or errors), for the browser tests to wait on.
    function answered() { article.setAttribute("data-updates", String(++updates)); }

    function select(index, scroll) {
      if (!items.length) return;
      index = Math.max(0, Math.min(items.length - 1, index));
      if (current >= 0 && items[current]) items[current].classList.remove("current");
      current = index;
      var item = items[current];
      item.classList.add("current");
      item.focus({ preventScroll: !scroll });
      if (scroll !== false) item.scrollIntoView({ block: "nearest" });
      markHighlights(item.getAttribute("data-suggestion"));
    }

    function selectId(id, scroll) {
      var index = items.findIndex(function (item) { return item.getAttribute("data-suggestion") === String(id); });
      if (index < 0) index = items.findIndex(function (item) { return item.getAttribute("data-status") === "pending"; });
      if (index >= 0) select(index, scroll);
    }

    /* Marks stay in the text whatever the decision; a decided one is drawn quieter. */
    function markHighlights(id) {
      var marks = document.querySelectorAll("mark[data-suggestion]");
      for (var i = 0; i < marks.length; i++) {
        var sid = marks[i].getAttribute("data-suggestion");
        marks[i].classList.toggle("current", sid === id);
        var item = document.getElementById("s-" + sid);
        marks[i].classList.toggle("decided", !!item && item.getAttribute("data-status") !== "pending");
      }
    }

    function showMessages(list, affected) {
      // Messages of the page load (above the content) are older than this answer: drop them.
      document.querySelectorAll("ul.messages:not(#review-messages)").forEach(function (old) { old.remove(); });
      messageList.textContent = "";
      list.forEach(function (message) {
        var li = document.createElement("li");
        li.className = "message " + (message.level || "info");
        li.textContent = message.text;
        if (affected && affected.url) {
          var link = document.createElement("a");
          link.href = affected.url;
          link.className = "affected-product";
          link.textContent = article.getAttribute("data-open-product");
          li.appendChild(document.createTextNode(" "));
          li.appendChild(link);
          affected = null;
        }
        messageList.appendChild(li);
      });
      messageList.hidden = !list.length;
    }

    function replacePart(id, html) {
      var element = document.getElementById(id);
      if (element && html !== undefined) element.innerHTML = html;
    }

    function bindItems() {
      items = Array.prototype.slice.call(article.querySelectorAll("li.suggestion"));
      current = -1;
      items.forEach(function (item, index) {
        item.addEventListener("focusin", function () {
          if (current !== index) {
            if (current >= 0 && items[current]) items[current].classList.remove("current");
            current = index;
            item.classList.add("current");
            markHighlights(item.getAttribute("data-suggestion"));
          }
        });
      });
      /* Enter in the correction list submits it (the search box submits on Enter by itself,
         after Enter has picked an entry of its list); Escape goes back to the suggestion. */
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
    }

    function apply(data) {
      var parts = data.parts || {};
      replacePart("suggestion-groups", parts.suggestion_groups);
      replacePart("review-labels", parts.labels);
      replacePart("review-undo", parts.undo_form);
      replacePart("pending-count", parts.pending_count);
      var acceptAbove = article.querySelector('form[action$="/accept-above/"] button[type="submit"]');
      if (acceptAbove && data.pending_count !== undefined) acceptAbove.disabled = !data.pending_count;
      bindItems();
      drawBars();
      showMessages(data.messages || [], data.affected);
      selectId(data.focus, true);
      if (current < 0) markHighlights(null);
    }

    /* One action at a time: a second key press while one is on its way is ignored, so the
       seller never decides a card they have not seen updated. */
    function post(form, submitter) {
      if (busy) return;
      busy = true;
      var body = new FormData(form);
      if (submitter && submitter.name) body.append(submitter.name, submitter.value);
      var started = performance.now();
      fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-Requested-With": "fetch" },
      })
        .then(function (response) {
          if (response.status === 404) throw new Error("missing");
          if (!response.ok) throw new Error("failed");
          return response.json();
        })
        .then(function (data) {
          apply(data);
          // For the benchmark in the browser tests: key press (or click) to updated card.
          window.zokuseiLastDecisionMs = performance.now() - started;
          article.dispatchEvent(new CustomEvent("review:updated", { bubbles: true }));
        })
        .catch(function (error) {
          // The page stays as it was: nothing was changed before the server answered.
          var key = error && error.message === "missing" ? "data-error-missing" : "data-error-failed";
          showMessages([{ level: "error", text: article.getAttribute(key) }]);
        })
        .then(function () { busy = false; answered(); });
    }

    article.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches || !form.matches('form[method="post"]')) return;
      event.preventDefault();
      post(form, event.submitter);
    });

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

    /* Marks in the text: clicking one selects its suggestion. */
    document.querySelectorAll("mark[data-suggestion]").forEach(function (mark) {
      mark.addEventListener("click", function () { selectId(mark.getAttribute("data-suggestion"), true); });
    });

    document.querySelectorAll("[data-show-shortcuts]").forEach(function (button) {
      button.addEventListener("click", function () { toggleHelp(); });
    });

    function toggleHelp() {
      if (!dialog) return;
      if (dialog.open) dialog.close(); else dialog.showModal();
    }

    function nextProduct() {
      window.location.href = article.getAttribute("data-next-product-url") || article.getAttribute("data-next-url");
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
        case "n": event.preventDefault(); nextProduct(); break;
        default: break;
      }
    });

    /* The next product is fetched once the page is idle, so that `n` shows it at once. A page
       shown from that prefetch first tells the server it has been seen, before prefetching
       its own next one, so that the next lookup leaves it out. */
    function prefetchNext() {
      var url = article.getAttribute("data-next-product-url");
      if (!url) return;
      var link = document.createElement("link");
      link.rel = "prefetch";
      link.href = url;
      link.id = "next-prefetch";
      document.head.appendChild(link);
    }

    function whenIdle(callback) {
      if (window.requestIdleCallback) window.requestIdleCallback(callback, { timeout: 1000 });
      else window.setTimeout(callback, 200);
    }

    if (article.getAttribute("data-prefetched") === "true") {
      var body = new FormData();
      body.append("queue", article.getAttribute("data-queue") || "");
      body.append("state", article.getAttribute("data-state") || "");
      var token = article.querySelector('input[name="csrfmiddlewaretoken"]');
      if (token) body.append("csrfmiddlewaretoken", token.value);
      fetch(article.getAttribute("data-seen-url"), {
        method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" },
      }).then(function (response) {
        return response.ok ? response.json() : {};
      }).then(function (data) {
        // Decided elsewhere since it was fetched: show it as it is now.
        if (data.stale) window.location.reload();
        else if (data.parts) replacePart("review-undo", data.parts.undo_form);
      }).catch(function () {}).then(function () { whenIdle(prefetchNext); });
    } else {
      whenIdle(prefetchNext);
    }

    bindItems();
    /* Start where the last action left off, else on the first suggestion to review. */
    selectId(article.getAttribute("data-focus"), false);
    markHighlights(current >= 0 ? items[current].getAttribute("data-suggestion") : null);
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
