/* Survey result charts on the vendored ECharts. Data come ready from the server (qiwang.analysis). */
(function () {
  var el = document.getElementById("survey-chart-data");
  if (!el || !window.QiwangCharts) return;
  var data = JSON.parse(el.textContent), L = data.labels || {};
  var palette = ["#0f766e", "#b45309", "#2563eb", "#7c3aed", "#db2777", "#059669", "#64748b"];
  var kanoColour = { A: "#db2777", O: "#2563eb", M: "#0f766e", I: "#64748b", R: "#b45309", Q: "#94a3b8" };
  function pad(sign) {
    return function (v) { var span = Math.max(v.max - v.min, 0.2); return Math.round(10 * (sign < 0 ? v.min - span * 0.15 : v.max + span * 0.15)) / 10; };
  }
  // Clustered attributes: each label goes right, left, above or below its point, whichever
  // first clears the labels already placed (nominal 480 × 300 px plot); what still collides is
  // hidden by ECharts, and the tooltip and hovering show every name.
  var LABEL_LAYOUT = { hideOverlap: true };
  function spread(points) {
    var xs = points.map(function (d) { return d[0]; }), ys = points.map(function (d) { return d[1]; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs) || 1;
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys) || 1;
    var W = 480, H = 300, placed = [];
    return points.map(function (d) {
      var w = String(d[2]).length * 11 + 6, h = 14;
      var x = (d[0] - x0) / ((x1 - x0) || 1) * W, y = (1 - (d[1] - y0) / ((y1 - y0) || 1)) * H;
      var tries = [["right", x + 8, y - h / 2], ["left", x - 8 - w, y - h / 2],
                   ["top", x - w / 2, y - 8 - h], ["bottom", x - w / 2, y + 8]];
      var choice = tries[0];
      for (var i = 0; i < tries.length; i++) {
        var t = tries[i];
        var clash = placed.some(function (b) { return t[1] < b[0] + b[2] && t[1] + w > b[0] && t[2] < b[1] + b[3] && t[2] + h > b[1]; });
        if (!clash) { choice = t; break; }
      }
      placed.push([choice[1], choice[2], w, h]);
      return { value: d, label: { position: choice[0] } };
    });
  }
  function scatter(id, points, xName, yName, colourOf, extra) {
    var chart = QiwangCharts.init(id);
    if (!chart) return;
    chart.setOption(Object.assign({
      grid: { left: 8, right: 96, top: 32, bottom: 28, containLabel: true },
      tooltip: { formatter: function (p) { return p.value[2] + "\n" + xName + ": " + p.value[0] + "\n" + yName + ": " + p.value[1]; } },  // plain text (richText tooltips, qiwang/charts.js)
      xAxis: { type: "value", name: xName, nameLocation: "middle", nameGap: 28, min: pad(-1), max: pad(1) },
      yAxis: { type: "value", name: yName, nameTextStyle: { align: "left" }, min: pad(-1), max: pad(1) },
      series: [{ type: "scatter", symbolSize: 12, data: spread(points),
        itemStyle: { color: function (p) { return colourOf ? colourOf(p.value) : palette[0]; } },
        label: { show: true, position: "right", formatter: function (p) { return p.value[2]; }, fontSize: 11 }, labelLayout: LABEL_LAYOUT, emphasis: { label: { show: true } } }]
    }, extra || {}));
  }
  if (data.betterWorse) {
    scatter("chart-better-worse", data.betterWorse, L.worse, L.better, function (d) { return kanoColour[d[3]]; }, {
      xAxis: { type: "value", name: L.worse, nameLocation: "middle", nameGap: 24, min: 0, max: 1 },
      yAxis: { type: "value", name: L.better, nameTextStyle: { align: "left" }, min: 0, max: 1 }
    });
    var bw = echarts.getInstanceByDom(document.getElementById("chart-better-worse"));
    if (bw) bw.setOption({ series: [{ markLine: { silent: true, symbol: "none", lineStyle: { color: "#94a3b8" }, data: [{ xAxis: 0.5 }, { yAxis: 0.5 }] } }] });
  }
  if (data.continuous) scatter("chart-continuous", data.continuous, L.dysfunctional, L.functional, null, {
    series: [{ type: "scatter", data: spread(data.continuous), symbolSize: function (d) { return 6 + 3 * (d[3] || 3); },
      itemStyle: { color: palette[2] }, label: { show: true, position: "right", formatter: function (p) { return p.value[2]; }, fontSize: 11 }, labelLayout: LABEL_LAYOUT, emphasis: { label: { show: true } },
      markLine: { silent: true, symbol: "none", lineStyle: { color: "#94a3b8" }, data: [{ xAxis: 2 }, { yAxis: 2 }] } }]
  });
  function gapBar(id, pairs) {
    var chart = QiwangCharts.init(id);
    if (!chart) return;
    chart.setOption({
      grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: pairs.map(function (p) { return p[0]; }) },
      series: [{ type: "bar", name: L.gap, data: pairs.map(function (p) { return { value: p[1], itemStyle: { color: p[1] < 0 ? "#b91c1c" : "#0f766e" },
          label: { show: true, position: p[1] < 0 ? "left" : "right" } }; }) }]
    });
  }
  if (data.servqualDimensions) gapBar("chart-servqual-dimensions", data.servqualDimensions);
  if (data.servqualItems) gapBar("chart-servqual-items", data.servqualItems);
  if (data.distributions && data.distributions.length) {
    var chart = QiwangCharts.init("chart-distribution");
    if (chart) {
      var rows = data.distributions, maxLevels = Math.max.apply(null, rows.map(function (r) { return r.levels.length; }));
      var series = [];
      for (var k = 0; k < maxLevels; k++) {
        series.push({ type: "bar", stack: "total", name: String(k + 1), barMaxWidth: 28,
          data: rows.map(function (r) { var total = r.counts.reduce(function (a, b) { return a + b; }, 0);
            return k < r.counts.length ? { value: total ? Math.round(1000 * r.counts[k] / total) / 10 : 0, name: r.levels[k] } : 0; }) });
      }
      chart.setOption({
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        tooltip: { trigger: "item", formatter: function (p) { return rows[p.dataIndex].label + "\n" + (p.data && p.data.name || "") + ": " + p.value + " %"; } },
        xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value} %" } },
        yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.label.length > 18 ? r.label.slice(0, 18) + "…" : r.label; }) },
        color: ["#b91c1c", "#f97316", "#facc15", "#a3e635", "#22c55e", "#0f766e", "#065f46", "#1e3a8a", "#312e81", "#4c1d95", "#581c87"],
        series: series
      });
    }
  }
  if (data.ipa) scatter("chart-ipa", data.ipa.points, L.performance, L.importance, null, {
    series: [{ type: "scatter", symbolSize: 12, data: spread(data.ipa.points), itemStyle: { color: palette[1] },
      label: { show: true, position: "right", formatter: function (p) { return p.value[2]; }, fontSize: 11 }, labelLayout: LABEL_LAYOUT, emphasis: { label: { show: true } },
      markLine: { silent: true, symbol: "none", lineStyle: { color: "#94a3b8" }, data: [{ xAxis: data.ipa.x }, { yAxis: data.ipa.y }] } }]
  });
})();
