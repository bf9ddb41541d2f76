// The statistics dashboard's charts (ECharts, served locally). Loaded from /static (CSP: no inline script).
// Each chart reads its figures from the json_script element its container names (data-source); the
// table under it holds the same figures. Clicking a bar, point or slice opens the cases behind it.
(function () {
  "use strict";

  var charts = {};
  var FLAG_COLOR = "#d97706";

  function number(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function formatter(kind) {
    return function (value) {
      if (value === null || value === undefined || value === "-" || Number.isNaN(Number(value))) {
        return "—";
      }
      var n = Number(value);
      if (kind === "money") {
        return n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      }
      if (kind === "rate") {
        return n.toFixed(2) + "%";
      }
      if (kind === "days") {
        return n.toLocaleString(undefined, { maximumFractionDigits: 2 });
      }
      return n.toLocaleString();
    };
  }

  function narrow(element) {
    return element.clientWidth < 480;
  }

  function base(data) {
    return {
      animationDuration: 300,
      title: { text: data.title, show: false, left: "center", top: 4, textStyle: { fontSize: 13 } },
      tooltip: { trigger: data.type === "pie" ? "item" : "axis", confine: true },
      legend: { show: data.series.length > 1, top: 0, type: "scroll" },
    };
  }

  function barOption(data, element, horizontal) {
    var option = base(data);
    var labelWidth = narrow(element) ? 90 : 160;
    var top = data.series.length > 1 ? 32 : 8;
    option.grid = { left: 8, right: 24, top: top, bottom: 8, containLabel: true };
    var category = {
      type: "category",
      data: data.categories,
      axisLabel: horizontal
        ? { width: labelWidth, overflow: "truncate" }
        : { interval: 0, hideOverlap: true, width: 80, overflow: "truncate" },
    };
    var kind = data.series[0] ? data.series[0].kind : "count";
    var value = { type: "value", minInterval: kind === "count" ? 1 : 0, axisLabel: { formatter: formatter(kind) } };
    if (horizontal) {
      category.inverse = true;
      option.xAxis = value;
      option.yAxis = category;
    } else {
      option.xAxis = category;
      option.yAxis = value;
    }
    option.series = data.series.map(function (series, index) {
      return {
        name: series.name,
        type: "bar",
        barMaxWidth: 28,
        data: series.data.map(function (v, i) {
          var item = { value: number(v) };
          if (data.flagged[i] && index === 0) {
            item.itemStyle = { color: FLAG_COLOR };
          }
          return item;
        }),
        tooltip: { valueFormatter: formatter(series.kind) },
        cursor: "pointer",
      };
    });
    return option;
  }

  function lineOption(data) {
    var option = base(data);
    option.grid = { left: 8, right: 8, top: 40, bottom: 8, containLabel: true };
    option.xAxis = { type: "category", data: data.categories, boundaryGap: false };
    var kinds = [];
    data.series.forEach(function (series) {
      if (kinds.indexOf(series.kind) < 0) {
        kinds.push(series.kind);
      }
    });
    option.yAxis = kinds.map(function (kind, index) {
      return {
        type: "value",
        minInterval: kind === "count" ? 1 : 0,
        position: index === 0 ? "left" : "right",
        splitLine: { show: index === 0 },
        axisLabel: { formatter: formatter(kind) },
      };
    });
    option.series = data.series.map(function (series) {
      return {
        name: series.name,
        type: "line",
        yAxisIndex: kinds.indexOf(series.kind),
        data: series.data.map(number),
        tooltip: { valueFormatter: formatter(series.kind) },
        symbolSize: 7,
        cursor: "pointer",
      };
    });
    return option;
  }

  function pieOption(data, element) {
    var option = base(data);
    var series = data.series[0];
    option.legend = { show: true, bottom: 0, type: "scroll" };
    option.series = [
      {
        name: series.name,
        type: "pie",
        radius: narrow(element) ? ["30%", "58%"] : ["35%", "65%"],
        center: ["50%", "45%"],
        data: data.categories.map(function (name, i) {
          return { name: name, value: number(series.data[i]) };
        }),
        label: { formatter: "{b}: {c} ({d}%)", overflow: "truncate", width: narrow(element) ? 80 : 140 },
        tooltip: { valueFormatter: formatter(series.kind) },
        cursor: "pointer",
      },
    ];
    return option;
  }

  function optionFor(data, element) {
    if (data.type === "line") {
      return lineOption(data);
    }
    if (data.type === "pie") {
      return pieOption(data, element);
    }
    return barOption(data, element, data.type === "hbar");
  }

  function draw(element) {
    if (element.dataset.drawn) {
      return;
    }
    if (!element.clientWidth) {
      // In a hidden tab: drawn when its tab is shown (ECharts needs a size).
      return;
    }
    element.dataset.drawn = "1";
    var source = document.getElementById(element.dataset.source);
    if (!source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    if (data.type === "hbar") {
      // One bar row per bucket: the chart grows with its buckets (CSSOM, allowed under the CSP).
      var rows = data.categories.length * Math.max(1, data.series.length);
      element.style.height = Math.max(160, rows * 26 + 60) + "px";
    }
    var chart = echarts.init(element, null, { renderer: "canvas" });
    var option = optionFor(data, element);
    chart.setOption(option);
    chart.on("click", function (params) {
      var url = data.urls[params.dataIndex];
      if (url) {
        window.location.assign(url);
      }
    });
    charts[data.slug] = { chart: chart, data: data, element: element };
  }

  function resizeAll() {
    Object.keys(charts).forEach(function (slug) {
      charts[slug].chart.resize();
    });
  }

  function exportPng(button) {
    var entry = charts[button.dataset.chart];
    if (!entry) {
      var element = document.getElementById("chart-" + button.dataset.chart);
      if (element) {
        draw(element);
      }
      entry = charts[button.dataset.chart];
    }
    if (!entry) {
      return;
    }
    var chart = entry.chart;
    var option = optionFor(entry.data, entry.element);
    var shown = optionFor(entry.data, entry.element);
    // The image carries its title (the page shows it in the card header instead).
    shown.animation = false;
    shown.title.show = true;
    if (shown.grid) {
      shown.grid.top = (shown.grid.top || 0) + 28;
    }
    if (shown.legend) {
      shown.legend.top = shown.legend.bottom === 0 ? undefined : 26;
    }
    chart.setOption(shown, true);
    var url = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
    option.animation = false;
    chart.setOption(option, true);
    var link = document.createElement("a");
    link.href = url;
    link.download = button.dataset.filename || "chart.png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function drawAll() {
    document.querySelectorAll(".dashboard-chart[data-source]").forEach(draw);
  }

  function start() {
    drawAll();
    var timer = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(resizeAll, 120);
    });
    // A chart in a hidden tab had no size when it was drawn.
    document.addEventListener("shown.bs.tab", function () {
      drawAll();
      resizeAll();
    });
    document.addEventListener("click", function (event) {
      var button = event.target.closest(".png-export");
      if (button) {
        event.preventDefault();
        exportPng(button);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
