// Starts ReDoc on /api/redoc/ from a static file (the site's CSP allows no inline script).
"use strict";
(function () {
  var container = document.getElementById("redoc-container");
  if (container && window.Redoc) {
    window.Redoc.init(container.getAttribute("data-spec-url"), {}, container);
  }
})();
