// Keeps the export buttons of the case list on the list's current filters: htmx swaps only the results
// and pushes the new query string into the address bar, so the buttons read it from there.
(function () {
  "use strict";

  function currentQuery() {
    const params = new URLSearchParams(window.location.search);
    params.delete("page");
    params.delete("after");
    const query = params.toString();
    return query ? "?" + query : "";
  }

  function refresh() {
    document.querySelectorAll("[data-export-base]").forEach(function (element) {
      const url = element.getAttribute("data-export-base") + currentQuery();
      element.setAttribute(element.tagName === "FORM" ? "action" : "href", url);
    });
  }

  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:pushedIntoHistory", refresh);
  document.addEventListener("htmx:historyRestore", refresh);
  window.addEventListener("popstate", refresh);
})();
