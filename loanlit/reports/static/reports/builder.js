// Report builder: the bar chart of a report (ECharts, data from a json_script block), the preview button
// (a GET: the CSRF token stays out of the address), and the delete confirmation. CSP: no inline script.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function drawChart() {
    var dataNode = document.getElementById("builder-chart-data");
    var box = document.getElementById("builder-chart");
    if (!dataNode || !box || typeof window.echarts === "undefined") return;
    var data = JSON.parse(dataNode.textContent);
    var rows = data.categories.length;
    // Horizontal bars: long labels (courts, provinces) stay readable on a phone.
    box.style.height = Math.max(240, Math.min(1200, rows * 28 + 80)) + "px";
    var chart = window.echarts.init(box);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { show: data.series.length > 1, type: "scroll", bottom: 0 },
      grid: { left: 8, right: 24, top: 8, bottom: data.series.length > 1 ? 40 : 8, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: data.kind === "rate" ? "{value}%" : "{value}" } },
      yAxis: { type: "category", inverse: true, data: data.categories, axisLabel: { width: 160, overflow: "truncate" } },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", stack: data.stacked ? "all" : undefined, data: s.data };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function guardPreview() {
    var form = document.getElementById("builder-form");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      if (token) token.disabled = !!(submitter && submitter.dataset.preview);
    });
  }

  function confirmDelete() {
    var form = document.getElementById("delete-form");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  ready(function () {
    drawChart();
    guardPreview();
    confirmDelete();
  });
})();
