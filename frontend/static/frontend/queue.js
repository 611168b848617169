// The review queue: "select all" and the count of ticked rows. Without JavaScript the
// checkboxes and the buttons work as a plain form post; this only adds the conveniences.
(function () {
  "use strict";
  var form = document.getElementById("queue-selection");
  if (!form) return;
  var all = document.getElementById("select-all");
  var count = document.getElementById("selection-count");
  var boxes = function () { return Array.prototype.slice.call(form.querySelectorAll("input.row-select")); };
  var label = count ? (count.dataset.template || "") : "";

  function update() {
    var ticked = boxes().filter(function (box) { return box.checked; }).length;
    if (count) count.textContent = ticked ? String(ticked) + " ✓" : label;
    if (all) {
      all.checked = ticked > 0 && ticked === boxes().length;
      all.indeterminate = ticked > 0 && ticked < boxes().length;
    }
    form.querySelectorAll("button[name=action]").forEach(function (button) { button.disabled = ticked === 0; });
  }

  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.classList.contains("row-select")) update();
  });
  update();
})();
