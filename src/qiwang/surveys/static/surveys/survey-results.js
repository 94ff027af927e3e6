/* Result charts added by issue 14: Kano charts with numbered points and a legend of categories,
   one answer-distribution chart per scale with its level legend, choice tallies, and SERVQUAL
   items by wording. Data come ready from the server (presentation.py). Stored text (question
   wording, option labels) reaches ECharts only as plain text: axis and point labels are SVG text
   nodes and every tooltip uses renderMode "richText", so nothing is ever parsed as HTML. */
(function () {
  var el = document.getElementById("survey-chart-data");
  if (!el || !window.QiwangCharts || !window.echarts) return;
  var data = JSON.parse(el.textContent), L = data.labels || {};
  var kanoColour = { A: "#db2777", O: "#2563eb", M: "#0f766e", I: "#64748b", R: "#b45309", Q: "#94a3b8" };
  var levelColours = ["#b91c1c", "#f97316", "#facc15", "#a3e635", "#22c55e", "#0f766e", "#065f46",
                      "#1e3a8a", "#312e81", "#4c1d95", "#581c87"];
  var narrow = function () { return window.innerWidth < 600; };
  function text(value) { return value === null || value === undefined ? "" : String(value); }
  function tooltip(formatter, trigger) {
    return { trigger: trigger || "item", renderMode: "richText", confine: true, formatter: formatter };
  }
  function sized(id, rows, perRow, minimum) {
    var node = document.getElementById(id);
    if (!node) return null;
    node.style.height = Math.max(minimum, rows * perRow + 96) + "px";
    return QiwangCharts.init(id);
  }

  // Kano Better / Worse: one series per category (the legend), points numbered; the key below the
  // chart names each number. Numbers are 1–2 characters, and ECharts hides a label that would
  // still overlap another (hideOverlap), so labels never collide at any width.
  function kanoSeries(points, x, y, size) {
    var byCategory = {};
    points.forEach(function (p) { (byCategory[p[3]] = byCategory[p[3]] || []).push(p); });
    return Object.keys(byCategory).sort(function (a, b) { return "AOMIRQ".indexOf(a) - "AOMIRQ".indexOf(b); }).map(function (c) {
      return {
        type: "scatter", name: (L.kanoCategories || {})[c] || c, itemStyle: { color: kanoColour[c] || "#64748b" },
        symbolSize: size || 14,
        data: byCategory[c].map(function (p) { return { value: [p[x], p[y]], name: text(p[2]), number: p[4] }; }),
        label: { show: true, position: "right", fontSize: 11, formatter: function (q) { return text(q.data.number); } },
        labelLayout: { moveOverlap: "shiftY", hideOverlap: true }
      };
    });
  }
  function kanoTooltip(xName, yName) {
    return tooltip(function (p) {
      return text(p.data.number) + ". " + text(p.data.name) + "\n" + text(p.seriesName) + "\n" +
        text(xName) + ": " + text(p.value[0]) + "\n" + text(yName) + ": " + text(p.value[1]);
    });
  }
  if (data.kanoBetterWorse && data.kanoBetterWorse.length) {
    var bw = QiwangCharts.init("chart-better-worse");
    if (bw) {
      var series = kanoSeries(data.kanoBetterWorse, 0, 1);
      series[0].markLine = { silent: true, symbol: "none", label: { show: false }, lineStyle: { color: "#94a3b8" }, data: [{ xAxis: 0.5 }, { yAxis: 0.5 }] };
      bw.setOption({
        legend: { type: "scroll", top: 0, left: 0, right: 0 },
        grid: { left: 8, right: 24, top: narrow() ? 84 : 64, bottom: 32, containLabel: true },
        tooltip: kanoTooltip(L.worse, L.better),
        xAxis: { type: "value", name: L.worse, nameLocation: "middle", nameGap: 26, min: 0, max: 1 },
        yAxis: { type: "value", name: L.better, nameLocation: "end", nameGap: 8, nameTextStyle: { align: "left" }, min: 0, max: 1 },
        series: series
      });
    }
  }
  if (data.kanoContinuous && data.kanoContinuous.length) {
    var cont = QiwangCharts.init("chart-continuous");
    if (cont) {
      // Scores run from −2 to 4 (DuBouchet); the axes show 0…4 unless a score is below 0, with
      // the quadrant lines at 2 in the middle.
      var low = Math.min(0, Math.floor(Math.min.apply(null, data.kanoContinuous.map(function (p) { return Math.min(p[0], p[1]); }))));
      var cseries = [{
        type: "scatter", name: L.attributes, itemStyle: { color: function (p) { return kanoColour[p.data.category] || "#2563eb"; } },
        symbolSize: function (value, params) { return 6 + 3 * (params.data.importance || 3); },
        data: data.kanoContinuous.map(function (p) { return { value: [p[0], p[1]], name: text(p[2]), number: p[4], importance: p[3], category: p[5] }; }),
        label: { show: true, position: "right", fontSize: 11, formatter: function (q) { return text(q.data.number); } },
        labelLayout: { moveOverlap: "shiftY", hideOverlap: true },
        markLine: { silent: true, symbol: "none", label: { show: false }, lineStyle: { color: "#94a3b8" }, data: [{ xAxis: 2 }, { yAxis: 2 }] }
      }];
      cont.setOption({
        legend: { top: 0, left: 0 },
        grid: { left: 8, right: 24, top: 56, bottom: 32, containLabel: true },
        tooltip: tooltip(function (p) {
          return text(p.data.number) + ". " + text(p.data.name) + "\n" + text(L.dysfunctional) + ": " + text(p.value[0]) +
            "\n" + text(L.functional) + ": " + text(p.value[1]) + "\n" + text(L.importance) + ": " + text(p.data.importance);
        }),
        xAxis: { type: "value", name: L.dysfunctional, nameLocation: "middle", nameGap: 26, min: low, max: 4, interval: 1 },
        yAxis: { type: "value", name: L.functional, nameLocation: "end", nameGap: 8, nameTextStyle: { align: "left" }, min: low, max: 4, interval: 1 },
        series: cseries
      });
    }
  }

  // One stacked-percentage chart per scale, its levels in the legend.
  (data.distributionGroups || []).forEach(function (group) {
    var chart = sized("chart-distribution-" + group.kind, group.rows.length, 34, 180);
    if (!chart) return;
    var totals = group.rows.map(function (r) { return r.counts.reduce(function (a, b) { return a + b; }, 0); });
    var colours = group.levels.length === 11 ? levelColours : group.levels.length === 7
      ? ["#b91c1c", "#f97316", "#facc15", "#d4d4d8", "#a3e635", "#22c55e", "#0f766e"]
      : ["#b91c1c", "#f97316", "#d4d4d8", "#22c55e", "#0f766e"];
    chart.setOption({
      color: colours,
      legend: { type: "scroll", top: 0, left: 0, right: 0 },
      grid: { left: 8, right: 28, top: 40, bottom: 8, containLabel: true },
      tooltip: tooltip(function (p) {
        var r = group.rows[p.dataIndex];
        return text(r.label) + "\n" + text(p.seriesName) + ": " + text(p.value) + " % (" + text(r.counts[p.seriesIndex]) + ")";
      }),
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value} %" } },
      yAxis: { type: "category", inverse: true, data: group.rows.map(function (r) { return r.label.length > 16 ? r.label.slice(0, 15) + "…" : r.label; }) },
      series: group.levels.map(function (level, k) {
        return { type: "bar", stack: "total", name: text(level), barMaxWidth: 24,
          data: group.rows.map(function (r, i) { return totals[i] ? Math.round(1000 * (r.counts[k] || 0) / totals[i]) / 10 : 0; }) };
      })
    });
  });

  // Choice tallies: the share of the question's respondents who chose each option.
  (data.choices || []).forEach(function (question) {
    var chart = sized(question.id, question.options.length, 30, 140);
    if (!chart) return;
    chart.setOption({
      color: ["#2563eb"],
      legend: { top: 0, left: 0 },
      grid: { left: 8, right: 48, top: 32, bottom: 8, containLabel: true },
      tooltip: tooltip(function (p) {
        return text(question.names[p.dataIndex]) + "\n" + text(p.value) + " % (" + text(question.counts[p.dataIndex]) + ")";
      }),
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value} %" } },
      yAxis: { type: "category", inverse: true, data: question.options },
      series: [{ type: "bar", name: text(L.chosen), barMaxWidth: 22, data: question.shares,
        label: { show: true, position: "right", formatter: function (p) { return text(p.value) + " %"; } } }]
    });
  });

  // SERVQUAL items by their wording (cut on the axis, whole in the tooltip).
  if (data.servqualItemChart && data.servqualItemChart.length) {
    var items = data.servqualItemChart;
    var chart = sized("chart-servqual-items", items.length, 26, 200);
    if (chart) chart.setOption({
      legend: { top: 0, left: 0, data: [text(L.gap)] },
      grid: { left: 8, right: 32, top: 32, bottom: 8, containLabel: true },
      tooltip: tooltip(function (p) { return text(items[p.dataIndex][2]) + "\n" + text(L.gap) + ": " + text(p.value); }),
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: items.map(function (i) { return i[0]; }) },
      series: [{ type: "bar", name: text(L.gap), itemStyle: { color: "#b91c1c" },
        data: items.map(function (i) { return { value: i[1], itemStyle: { color: i[1] < 0 ? "#b91c1c" : "#0f766e" },
          label: { show: true, position: i[1] < 0 ? "left" : "right" } }; }) }]
    });
  }

  // Trend of one Kano attribute: Better and |Worse| per wave, the class above each point.
  if (data.trendChart) {
    var t = data.trendChart, trendChart = QiwangCharts.init("chart-trend");
    if (trendChart) trendChart.setOption({
      color: ["#db2777", "#0f766e"],
      legend: { top: 0, left: 0 },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      tooltip: tooltip(function (p) { return text(t.waves[p.dataIndex]) + "\n" + text(p.seriesName) + ": " + text(p.value) +
        "\n" + text((L.kanoCategories || {})[t.categories[p.dataIndex]] || t.categories[p.dataIndex]); }),
      xAxis: { type: "category", data: t.waves.map(function (w) { return w.length > 12 ? w.slice(0, 11) + "…" : w; }) },
      yAxis: { type: "value", min: 0, max: 1 },
      series: [
        { type: "line", name: text(L.better), data: t.better, connectNulls: true,
          label: { show: true, position: "top", formatter: function (p) { return text(t.categories[p.dataIndex]); } } },
        { type: "line", name: text(L.worse), data: t.worse, connectNulls: true }
      ]
    });
  }

  // Satisfaction index: the path model as a diagram (boxes with their index, arrows with their
  // path coefficients) and the importance–performance map of the target's drivers.
  if (data.csiPaths) {
    var paths = QiwangCharts.init("chart-csi-paths");
    if (paths) paths.setOption({
      tooltip: tooltip(function (p) {
        return p.dataType === "edge" ? text(p.data.source) + " → " + text(p.data.target) + ": " + text(p.data.value)
          : text(p.data.name) + ": " + text(p.data.index) + " / 100";
      }),
      series: [{
        type: "graph", layout: "none", roam: false, left: narrow() ? 44 : 72, right: narrow() ? 44 : 72, top: 28, bottom: 28,
        symbol: "roundRect", symbolSize: narrow() ? [84, 38] : [132, 42], edgeSymbol: ["none", "arrow"], edgeSymbolSize: 9,
        label: { show: true, fontSize: narrow() ? 10 : 12, color: "#fff",
          formatter: function (p) { return text(p.data.name) + "\n" + text(p.data.index); } },
        edgeLabel: { show: true, fontSize: 11, formatter: function (p) { return text(p.data.value); } },
        lineStyle: { color: "#64748b", width: 1.5, curveness: 0.08 },
        data: data.csiPaths.nodes.map(function (n) {
          return { name: text(n.name), x: n.x, y: n.y, index: n.index, itemStyle: { color: n.target ? "#b45309" : "#0f766e" } };
        }),
        links: data.csiPaths.links.map(function (l) {
          return { source: text(l.source), target: text(l.target), value: l.value,
            lineStyle: { width: 1 + 4 * Math.min(1, Math.abs(l.value || 0)) } };
        })
      }]
    });
  }
  if (data.csiIpma && data.csiIpma.length) {
    var ipma = QiwangCharts.init("chart-csi-ipma");
    if (ipma) ipma.setOption({
      legend: { top: 0, left: 0 },
      grid: { left: 8, right: narrow() ? 72 : 120, top: 56, bottom: 32, containLabel: true },
      tooltip: tooltip(function (p) { return text(p.data.name) + "\n" + text(L.totalEffect) + ": " + text(p.value[0]) + "\n" + text(L.indexScale) + ": " + text(p.value[1]); }),
      xAxis: { type: "value", name: L.totalEffect, nameLocation: "middle", nameGap: 26, min: 0 },
      // Performance axis: from 10 below the lowest index (in tens), so close scores stay apart.
      yAxis: { type: "value", name: L.indexScale, nameLocation: "end", nameGap: 8, nameTextStyle: { align: "left" }, max: 100,
        min: Math.max(0, 10 * Math.floor(Math.min.apply(null, data.csiIpma.map(function (r) { return r[1]; })) / 10) - 10) },
      series: [{ type: "scatter", name: text(L.indexScale), symbolSize: 14, itemStyle: { color: "#b45309" },
        data: data.csiIpma.map(function (r) { return { value: [r[0], r[1]], name: text(r[2]) }; }),
        label: { show: true, position: "right", fontSize: 11, formatter: function (p) { return text(p.data.name); } },
        labelLayout: { moveOverlap: "shiftY", hideOverlap: true } }]
    });
  }
  if (data.drivers && data.drivers.length) {
    var d = data.drivers, driverChart = sized("chart-drivers", d.length, 30, 160);
    if (driverChart) driverChart.setOption({
      color: ["#0f766e"],
      legend: { top: 0, left: 0 },
      grid: { left: 8, right: 48, top: 32, bottom: 8, containLabel: true },
      tooltip: tooltip(function (p) { return text(d[p.dataIndex][2]) + "\n" + text(L.shareOfR2) + ": " + text(p.value) + " %"; }),
      xAxis: { type: "value", axisLabel: { formatter: "{value} %" } },
      yAxis: { type: "category", inverse: true, data: d.map(function (r) { return r[0]; }) },
      series: [{ type: "bar", name: text(L.shareOfR2), barMaxWidth: 22, data: d.map(function (r) { return r[1]; }),
        label: { show: true, position: "right", formatter: function (p) { return text(p.value) + " %"; } } }]
    });
  }
})();
