// Loanlit front-end glue. Loaded from /static (CSP: no inline script, htmx eval off).
(function () {
  "use strict";

  function meta(name) {
    var element = document.querySelector('meta[name="' + name + '"]');
    return element ? element.content : "";
  }

  function csrfToken() {
    var token = meta("csrf-token");
    if (token) {
      return token;
    }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // htmx sends forms itself; Django's CSRF check needs the token as a header for those requests.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  // A session that ended while the page was open answers htmx with the login page: load it as a
  // page instead of swapping it into a fragment.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var loginUrl = meta("login-url");
    var responseUrl = event.detail.xhr && event.detail.xhr.responseURL;
    if (loginUrl && responseUrl && new URL(responseUrl).pathname === loginUrl) {
      event.detail.shouldSwap = false;
      window.location.assign(responseUrl);
    }
  });

  // htmx does not swap error responses; tell the user instead of doing nothing.
  document.addEventListener("htmx:responseError", function () {
    var area = document.getElementById("htmx-errors");
    if (!area || !area.dataset.message) {
      return;
    }
    var alert = document.createElement("div");
    alert.className = "alert alert-danger alert-dismissible fade show";
    alert.setAttribute("role", "alert");
    alert.textContent = area.dataset.message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", area.dataset.close || "Close");
    alert.appendChild(close);
    area.replaceChildren(alert);
  });
})();
