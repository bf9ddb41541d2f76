// Bulk page: "tick all" and showing only the field the chosen action needs (the page works without it).
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var all = document.getElementById("bulk-all");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll("input.bulk-pick").forEach(function (box) { box.checked = all.checked; });
      });
    }
    var action = document.querySelector("#bulk-action select[name=action]");
    if (!action) return;
    var needs = { stage: "to_stage", handler: "handler", law_firm: "law_firm" };
    function sync() {
      Object.keys(needs).forEach(function (key) {
        var box = document.querySelector('[data-wf-action-field="' + needs[key] + '"]');
        if (box) box.classList.toggle("d-none", action.value !== key);
      });
      var note = document.querySelector('[data-wf-action-field="note"]');
      if (note) note.classList.toggle("d-none", action.value !== "stage");
    }
    action.addEventListener("change", sync);
    sync();
  });
})();
