/* Comments: the @mention autocomplete. Typing "@" and a few letters asks the server which users who may see
 * the case match (never more than ten, never anyone outside the case) and offers them under the text box;
 * a click, Enter or Tab inserts "@username ". Without JavaScript the forms post normally.
 * CSP-safe: no inline code, no eval. */
(function () {
  "use strict";

  var TOKEN = /(^|[^\w.+-])@([\w.+-]{0,150})$/;

  function internalFlag(form) {
    var select = form.querySelector("select.comment-visibility");
    if (select) return select.value === "shared" ? "0" : "1";
    return form.dataset.internal === "0" ? "0" : "1";
  }

  function setup(textarea) {
    if (textarea.dataset.mentionReady) return;
    textarea.dataset.mentionReady = "1";
    var form = textarea.closest("form");
    if (!form || !form.dataset.mentionUrl) return;
    var menu = textarea.parentNode.querySelector(".mention-menu");
    if (!menu) return;
    var items = [];
    var active = -1;
    var timer = null;
    var lastQuery = null;

    function hide() {
      menu.classList.add("d-none");
      menu.replaceChildren();
      items = [];
      active = -1;
    }

    function current() {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = TOKEN.exec(before);
      return match ? { prefix: match[2], start: before.length - match[2].length - 1 } : null;
    }

    function choose(index) {
      var token = current();
      if (!token || !items[index]) return hide();
      var insert = "@" + items[index].username + " ";
      var value = textarea.value;
      var end = textarea.selectionStart;
      textarea.value = value.slice(0, token.start) + insert + value.slice(end);
      var caret = token.start + insert.length;
      textarea.setSelectionRange(caret, caret);
      textarea.focus();
      hide();
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(menu.children, function (node, i) {
        node.classList.toggle("active", i === index);
        node.setAttribute("aria-selected", i === index ? "true" : "false");
      });
    }

    function show(results) {
      menu.replaceChildren();
      items = results;
      if (!results.length) return hide();
      results.forEach(function (user, index) {
        var item = document.createElement("li");
        item.className = "list-group-item list-group-item-action py-1 small";
        item.setAttribute("role", "option");
        var name = document.createElement("span");
        name.className = "fw-semibold";
        name.textContent = user.name;
        var handle = document.createElement("span");
        handle.className = "text-body-secondary ms-2";
        handle.textContent = "@" + user.username;
        item.appendChild(name);
        item.appendChild(handle);
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(index);
        });
        menu.appendChild(item);
      });
      menu.classList.remove("d-none");
      highlight(0);
    }

    function lookup() {
      var token = current();
      if (!token) {
        lastQuery = null;
        return hide();
      }
      var query = token.prefix + "|" + internalFlag(form);
      if (query === lastQuery) return;
      lastQuery = query;
      var url = form.dataset.mentionUrl + "?q=" + encodeURIComponent(token.prefix) + "&internal=" + internalFlag(form);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (lastQuery === query) show(data.results || []);
        })
        .catch(hide);
    }

    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 150);
    });
    textarea.addEventListener("keydown", function (event) {
      if (menu.classList.contains("d-none")) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % items.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight((active - 1 + items.length) % items.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(active < 0 ? 0 : active);
      } else if (event.key === "Escape") {
        hide();
      }
    });
    textarea.addEventListener("blur", function () { setTimeout(hide, 100); });
  }

  function init(root) {
    (root || document).querySelectorAll("textarea[data-mention-input]").forEach(setup);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
})();
