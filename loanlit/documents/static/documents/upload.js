/* Document uploads: several files, drag and drop, a progress bar per file, the size limit checked before
 * sending. Each file goes in its own request (so the server's per-request limit holds per file and one
 * refusal does not lose the others). Without JavaScript the form posts normally. CSP-safe: no inline code. */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function formatMB(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  function row(list, file) {
    var item = el("li", "mb-1");
    item.appendChild(el("div", "text-break", file.name + " (" + formatMB(file.size) + ")"));
    var bar = el("div", "progress");
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    bar.setAttribute("aria-valuenow", "0");
    var fill = el("div", "progress-bar");
    fill.style.width = "0%";
    bar.appendChild(fill);
    item.appendChild(bar);
    var status = el("div", "small");
    item.appendChild(status);
    list.appendChild(item);
    return {
      progress: function (percent) {
        fill.style.width = percent + "%";
        bar.setAttribute("aria-valuenow", String(percent));
      },
      fail: function (message) {
        fill.classList.add("bg-danger");
        fill.style.width = "100%";
        status.className = "small text-danger";
        status.textContent = message;
      },
      done: function (message) {
        fill.classList.add("bg-success");
        fill.style.width = "100%";
        status.className = "small text-success";
        status.textContent = message;
      },
    };
  }

  function sendOne(form, file, ui) {
    return new Promise(function (resolve) {
      var data = new FormData();
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name || field.type === "file" || field.disabled) return;
        if ((field.type === "checkbox" || field.type === "radio") && !field.checked) return;
        data.append(field.name, field.value);
      });
      data.append("files", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) ui.progress(Math.round((event.loaded / event.total) * 100));
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch (e) {
          body = null;
        }
        if (xhr.status >= 200 && xhr.status < 300 && body && body.ok) {
          ui.done(form.dataset.msgDone);
          resolve(true);
        } else if (xhr.status === 413) {
          ui.fail((body && body.errors && body.errors.join(" ")) || form.dataset.msgTooLarge);
          resolve(false);
        } else {
          ui.fail((body && body.errors && body.errors.join(" ")) || form.dataset.msgFailed);
          resolve(false);
        }
      });
      xhr.addEventListener("error", function () {
        ui.fail(form.dataset.msgFailed);
        resolve(false);
      });
      xhr.send(data);
    });
  }

  function setUp(form) {
    var input = form.querySelector("input[type=file]");
    var list = form.querySelector("[data-upload-list]");
    var zone = form.querySelector("[data-drop-zone]");
    var limit = parseInt(form.dataset.maxBytes, 10) || 0;
    var single = form.dataset.single === "1";
    var pending = [];
    var busy = false;

    function choose(files) {
      pending = Array.prototype.slice.call(files, 0, single ? 1 : files.length);
      list.textContent = "";
      pending.forEach(function (file) {
        if (limit && file.size > limit) {
          row(list, file).fail(form.dataset.msgTooLarge);
        } else {
          list.appendChild(el("li", "text-break", file.name + " (" + formatMB(file.size) + ")"));
        }
      });
    }

    input.addEventListener("change", function () {
      choose(input.files);
    });
    if (zone) {
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          zone.classList.add("documents-drop-active");
        });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          zone.classList.remove("documents-drop-active");
        });
      });
      zone.addEventListener("drop", function (event) {
        if (event.dataTransfer && event.dataTransfer.files.length) {
          input.required = false;
          choose(event.dataTransfer.files);
        }
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) return;
      if (!pending.length && input.files.length) choose(input.files);
      if (!pending.length) {
        list.textContent = "";
        list.appendChild(el("li", "text-danger", form.dataset.msgNone));
        return;
      }
      busy = true;
      list.textContent = "";
      var ok = 0;
      var chain = Promise.resolve();
      pending.forEach(function (file) {
        var ui = row(list, file);
        if (limit && file.size > limit) {
          ui.fail(form.dataset.msgTooLarge);
          return;
        }
        chain = chain.then(function () {
          return sendOne(form, file, ui).then(function (sent) {
            if (sent) ok += 1;
          });
        });
      });
      chain.then(function () {
        busy = false;
        pending = [];
        if (ok > 0) window.setTimeout(function () { window.location.reload(); }, 800);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.documents-upload"), setUp);
  });
})();
