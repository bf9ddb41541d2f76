// Definition editor of workflow templates.
//
// "Tidy JSON" re-indents the textarea. The structured editor (progressive enhancement) edits the same JSON:
// stages, the start stage, tasks on entry, documents generated on entry, what a stage needs before it is
// left, and the moves between stages (only those the general stage rules allow are offered). The textarea
// stays the source that is posted; the server validates it either way. Labels and choices come from the
// page (a json_script block), so every text is translated on the server.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key === "value") node.value = value;
      else if (key === "checked") node.checked = true;
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function select(options, current, attrs) {
    var box = el("select", Object.assign({ class: "form-select form-select-sm" }, attrs || {}));
    options.forEach(function (pair) {
      var option = el("option", { value: pair[0], text: pair[1] });
      if (pair[0] === current) option.selected = true;
      box.appendChild(option);
    });
    return box;
  }

  var uid = 0;
  function nextId(prefix) { uid += 1; return prefix + "-" + uid; }

  function labelled(text, control) {
    var id = control.id || nextId("wf-field");
    control.id = id;
    return el("div", { class: "mb-2" }, [el("label", { class: "form-label small mb-0", for: id, text: text }), control]);
  }

  function checkList(title, options, chosen, onChange) {
    // Collapsed unless something is chosen: a stage offers many categories and templates.
    var summary = el("summary", { class: "small fw-semibold", text: title + " (" + chosen.length + ")" });
    var details = el("details", { class: "mb-2", open: chosen.length > 0 }, [summary]);
    var wrap = el("fieldset", { class: "mt-1" }, [el("legend", { class: "visually-hidden", text: title })]);
    details.appendChild(wrap);
    options.forEach(function (pair) {
      var id = nextId("wf-check");
      var box = el("input", { type: "checkbox", class: "form-check-input", id: id, value: pair[0], checked: chosen.indexOf(pair[0]) >= 0 });
      box.addEventListener("change", function () {
        var list = [];
        wrap.querySelectorAll("input[type=checkbox]").forEach(function (other) { if (other.checked) list.push(other.value); });
        summary.textContent = title + " (" + list.length + ")";
        onChange(list);
      });
      wrap.appendChild(el("div", { class: "form-check form-check-inline" }, [box, el("label", { class: "form-check-label small", for: id, text: pair[1] })]));
    });
    return details;
  }

  ready(function () {
    var host = document.getElementById("wf-structured");
    if (!host || !host.getAttribute("data-wf-reference")) return;
    var ref = JSON.parse(host.getAttribute("data-wf-reference"));
    var L = ref.labels;
    var area = document.getElementById(host.getAttribute("data-wf-editor"));
    if (!area) return;
    var stageNames = {};
    ref.stages.forEach(function (pair) { stageNames[pair[0]] = pair[1]; });
    var globalMoves = {};
    ref.transitions.forEach(function (pair) { globalMoves[pair[0] + ">" + pair[1]] = true; });
    var def = null;

    function load() {
      try { def = JSON.parse(area.value || "{}"); } catch (error) { def = null; }
      if (!def || typeof def !== "object" || Array.isArray(def)) return false;
      if (!Array.isArray(def.stages)) def.stages = [];
      if (!Array.isArray(def.transitions)) def.transitions = [];
      def.stages = def.stages.filter(function (stage) { return stage && typeof stage === "object" && typeof stage.code === "string"; });
      def.stages.forEach(function (stage) {
        stage.on_enter = stage.on_enter && typeof stage.on_enter === "object" ? stage.on_enter : {};
        stage.on_enter.tasks = Array.isArray(stage.on_enter.tasks) ? stage.on_enter.tasks : [];
        stage.on_enter.documents = Array.isArray(stage.on_enter.documents) ? stage.on_enter.documents : [];
        stage.exit_requires = stage.exit_requires && typeof stage.exit_requires === "object" ? stage.exit_requires : {};
        ["documents", "approved_documents", "fields"].forEach(function (key) {
          if (!Array.isArray(stage.exit_requires[key])) stage.exit_requires[key] = [];
        });
      });
      return true;
    }

    function save() { area.value = JSON.stringify(def, null, 2); }

    function change(fn, rerender) {
      return function (event) {
        fn(event);
        save();
        if (rerender) render();
      };
    }

    function hasMove(source, target) {
      return def.transitions.some(function (pair) { return pair[0] === source && pair[1] === target; });
    }

    function setMove(source, target, on) {
      def.transitions = def.transitions.filter(function (pair) { return !(pair[0] === source && pair[1] === target); });
      if (on) def.transitions.push([source, target]);
    }

    function dueKind(task) {
      var due = task.due || null;
      if (!due) return "";
      if (due.deadline_kind) return "deadline";
      return due.basis === "working" ? "working" : "calendar";
    }

    function taskEditor(stage, task, index) {
      var row = el("div", { class: "border rounded p-2 mb-2 wf-task" });
      var key = el("input", { class: "form-control form-control-sm", value: task.key || "", maxlength: "40" });
      key.addEventListener("input", change(function () { task.key = key.value; }));
      var title = el("input", { class: "form-control form-control-sm", value: task.title || "", maxlength: "200" });
      title.addEventListener("input", change(function () { task.title = title.value; }));
      var role = select(ref.roles, task.role || "handler");
      role.addEventListener("change", change(function () { task.role = role.value; }));
      var priority = select(ref.priorities, task.priority || "normal");
      priority.addEventListener("change", change(function () { task.priority = priority.value; }));
      var kind = select([["", L.no_due], ["calendar", L.calendar_days], ["working", L.working_days], ["deadline", L.with_deadline]], dueKind(task));
      var days = el("input", { type: "number", min: "0", max: "365", class: "form-control form-control-sm", value: task.due && task.due.days !== undefined ? String(task.due.days) : "5" });
      var deadline = select(ref.deadlines, task.due && task.due.deadline_kind ? task.due.deadline_kind : ref.deadlines[0][0]);
      var daysBox = labelled(L.days, days);
      var deadlineBox = labelled(L.deadline_kind, deadline);
      function syncDue() {
        var value = kind.value;
        daysBox.classList.toggle("d-none", value !== "calendar" && value !== "working");
        deadlineBox.classList.toggle("d-none", value !== "deadline");
        if (value === "") delete task.due;
        else if (value === "deadline") task.due = { deadline_kind: deadline.value };
        else task.due = { days: parseInt(days.value || "0", 10), basis: value };
      }
      kind.addEventListener("change", change(syncDue));
      days.addEventListener("input", change(syncDue));
      deadline.addEventListener("change", change(syncDue));
      var checklist = el("textarea", { class: "form-control form-control-sm", rows: "2" });
      checklist.value = (task.checklist || []).join("\n");
      checklist.addEventListener("input", change(function () {
        task.checklist = checklist.value.split("\n").map(function (line) { return line.trim(); }).filter(Boolean);
      }));
      var remove = el("button", { type: "button", class: "btn btn-outline-danger btn-sm", text: L.remove });
      remove.addEventListener("click", change(function () { stage.on_enter.tasks.splice(index, 1); }, true));
      row.appendChild(el("div", { class: "row g-2" }, [
        el("div", { class: "col-12 col-md-3" }, [labelled(L.key, key)]),
        el("div", { class: "col-12 col-md-9" }, [labelled(L.title, title)]),
        el("div", { class: "col-6 col-md-3" }, [labelled(L.role, role)]),
        el("div", { class: "col-6 col-md-3" }, [labelled(L.priority, priority)]),
        el("div", { class: "col-6 col-md-3" }, [labelled(L.due, kind)]),
        el("div", { class: "col-6 col-md-3" }, [daysBox, deadlineBox]),
        el("div", { class: "col-12" }, [labelled(L.checklist, checklist)]),
        el("div", { class: "col-12 text-end" }, [remove])
      ]));
      daysBox.classList.toggle("d-none", dueKind(task) !== "calendar" && dueKind(task) !== "working");
      deadlineBox.classList.toggle("d-none", dueKind(task) !== "deadline");
      return row;
    }

    function stageEditor(stage, index) {
      var code = stage.code;
      var card = el("div", { class: "card mb-3 wf-stage", "data-stage": code });
      var body = el("div", { class: "card-body" });
      var remove = el("button", { type: "button", class: "btn btn-outline-danger btn-sm", text: L.remove_stage });
      remove.addEventListener("click", change(function () {
        def.stages.splice(index, 1);
        def.transitions = def.transitions.filter(function (pair) { return pair[0] !== code && pair[1] !== code; });
      }, true));
      body.appendChild(el("div", { class: "d-flex justify-content-between align-items-center mb-2" }, [
        el("h3", { class: "h6 mb-0", text: (stageNames[code] || code) + " (" + code + ")" }), remove
      ]));
      body.appendChild(el("div", { class: "small fw-semibold", text: L.tasks }));
      stage.on_enter.tasks.forEach(function (task, n) { body.appendChild(taskEditor(stage, task, n)); });
      var add = el("button", { type: "button", class: "btn btn-outline-secondary btn-sm mb-2", text: L.add_task });
      add.addEventListener("click", change(function () {
        stage.on_enter.tasks.push({ key: "task-" + (stage.on_enter.tasks.length + 1), title: "", role: "handler", due: { days: 5, basis: "working" }, priority: "normal" });
      }, true));
      body.appendChild(add);
      body.appendChild(checkList(L.documents, ref.doc_templates, stage.on_enter.documents, function (list) { stage.on_enter.documents = list; save(); }));
      body.appendChild(checkList(L.exit_documents, ref.categories, stage.exit_requires.documents, function (list) { stage.exit_requires.documents = list; save(); }));
      body.appendChild(checkList(L.exit_approved, ref.categories, stage.exit_requires.approved_documents, function (list) { stage.exit_requires.approved_documents = list; save(); }));
      body.appendChild(checkList(L.exit_fields, ref.fields, stage.exit_requires.fields, function (list) { stage.exit_requires.fields = list; save(); }));
      var targets = def.stages.map(function (other) { return other.code; }).filter(function (target) { return globalMoves[code + ">" + target]; });
      var moves = targets.filter(function (target) { return hasMove(code, target); });
      body.appendChild(checkList(L.moves, targets.map(function (target) { return [target, stageNames[target] || target]; }), moves, function (list) {
        targets.forEach(function (target) { setMove(code, target, list.indexOf(target) >= 0); });
        save();
      }));
      card.appendChild(body);
      return card;
    }

    function build() {
      var root = el("div", {});
      var present = def.stages.map(function (stage) { return stage.code; });
      var initial = select(present.map(function (code) { return [code, stageNames[code] || code]; }), def.initial || "");
      initial.addEventListener("change", change(function () { def.initial = initial.value; }));
      root.appendChild(el("div", { class: "col-12 col-md-6" }, [labelled(L.initial, initial)]));
      def.stages.forEach(function (stage, index) { root.appendChild(stageEditor(stage, index)); });
      var missing = ref.stages.filter(function (pair) { return present.indexOf(pair[0]) < 0; });
      if (missing.length) {
        var choice = select(missing, missing[0][0]);
        var add = el("button", { type: "button", class: "btn btn-outline-primary btn-sm", text: L.add_stage });
        add.addEventListener("click", change(function () {
          def.stages.push({ code: choice.value, on_enter: { tasks: [], documents: [] }, exit_requires: { documents: [], approved_documents: [], fields: [] } });
          if (!def.initial) def.initial = choice.value;
        }, true));
        root.appendChild(el("div", { class: "d-flex gap-2 align-items-end mb-3" }, [labelled(L.add_stage, choice), add]));
      }
      return root;
    }

    function render() {
      if (!load()) {
        host.replaceChildren(el("p", { class: "small text-danger", role: "status", text: L.invalid }));
        return;
      }
      host.replaceChildren(build());
    }

    area.addEventListener("change", render);
    render();
  });

  ready(function () {
    document.querySelectorAll("[data-wf-format]").forEach(function (button) {
      var area = document.getElementById(button.getAttribute("data-wf-format"));
      var message = document.querySelector('[data-wf-format-message="' + button.getAttribute("data-wf-format") + '"]');
      if (!area) return;
      button.addEventListener("click", function () {
        try {
          area.value = JSON.stringify(JSON.parse(area.value), null, 2);
          area.dispatchEvent(new Event("change"));
          if (message) message.textContent = "";
        } catch (error) {
          if (message) message.textContent = button.getAttribute("data-wf-bad-json") + " " + error.message;
        }
      });
    });
  });
})();
