/* Catalogue charts on the vendored ECharts; data come from json_script elements. No HTML
   tooltips with stored text: the default tooltip escapes names. */
(function () {
  var C = { teal: "#0f766e", amber: "#b45309", blue: "#2563eb", grey: "#94a3b8", red: "#b91c1c" };
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function init(id) {
    return window.QiwangCharts ? QiwangCharts.init(id) : null;
  }

  var keeping = data("keeping-chart-data");
  if (keeping && keeping.months && keeping.months.length) {
    var chart = init("keeping-chart"), L = keeping.labels;
    if (chart) {
      var rate = { name: L.rate, type: "line", data: keeping.rate, symbolSize: 6, lineStyle: { width: 3 }, itemStyle: { color: C.teal } };
      if (keeping.promised !== null) {
        rate.markLine = { silent: true, symbol: "none", lineStyle: { color: C.red, type: "dashed" },
          label: { position: "insideStartTop", formatter: L.promised + " " + keeping.promised + " %" }, data: [{ yAxis: keeping.promised }] };
      }
      chart.setOption({
        grid: { left: 8, right: 8, top: 48, bottom: 8, containLabel: true },
        legend: { top: 0, type: "scroll" },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: keeping.months },
        yAxis: [
          { type: "value", name: L.axis, nameTextStyle: { align: "left" }, min: function (v) { return Math.max(0, Math.floor(v.min / 10) * 10); }, max: 100 },
          { type: "value", name: L.count, nameTextStyle: { align: "right" }, minInterval: 1, splitLine: { show: false } }
        ],
        series: [
          { name: L.n, type: "bar", yAxisIndex: 1, data: keeping.n, itemStyle: { color: "#e2e8f0" }, barMaxWidth: 24 },
          rate,
          { name: L.low, type: "line", data: keeping.low, symbol: "none", lineStyle: { type: "dotted", color: C.grey }, itemStyle: { color: C.grey } },
          { name: L.high, type: "line", data: keeping.high, symbol: "none", lineStyle: { type: "dotted", color: C.grey }, itemStyle: { color: C.grey } }
        ]
      });
    }
  }

  var plan = data("plan-chart-data");
  if (plan && plan.months) {
    var p = init("plan-chart"), P = plan.labels;
    if (p) {
      p.setOption({
        grid: { left: 8, right: 8, top: 48, bottom: 8, containLabel: true },
        legend: { top: 0, type: "scroll" },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: plan.months },
        yAxis: [
          { type: "value", name: P.countAxis, nameTextStyle: { align: "left" }, minInterval: 1 },
          { type: "value", name: P.moneyAxis, nameTextStyle: { align: "right" }, max: function (v) { return Math.max(v.max, plan.budget); }, splitLine: { show: false } }
        ],
        series: [
          { name: P.count, type: "bar", data: plan.count, itemStyle: { color: C.teal }, barMaxWidth: 28 },
          { name: P.spent, type: "line", yAxisIndex: 1, data: plan.spent, itemStyle: { color: C.amber },
            markLine: { silent: true, symbol: "none", lineStyle: { color: C.red, type: "dashed" },
              label: { position: "insideEndTop", formatter: P.budget + " " + plan.budget }, data: [{ yAxis: plan.budget }] } }
        ]
      });
    }
  }

  var panel = data("expectation-chart-data");
  if (panel && panel.charts) {
    var E = panel.labels;
    panel.charts.forEach(function (c) {
      var ch = init(c.id);
      if (!ch) return;
      ch.setOption({
        grid: { left: 8, right: 8, top: 48, bottom: 8, containLabel: true },
        legend: { top: 0, type: "scroll" },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: c.times },
        yAxis: { type: "value", name: E.axis, nameTextStyle: { align: "left" }, min: 1, max: 7 },
        series: [
          { name: E.expectation, type: "line", step: "end", data: c.expectation, itemStyle: { color: C.blue }, lineStyle: { type: "dashed" } },
          { name: E.perception, type: "line", data: c.perception, symbolSize: 9, itemStyle: { color: C.teal } },
          { name: E.after, type: "line", data: c.after, symbol: "none", itemStyle: { color: C.amber }, lineStyle: { width: 1 } }
        ]
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.confirm[data-confirm]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
