/* The Insights page's charts (data from json_script "insights-chart-data"): the headline of the
   waves per branch over time, SERVQUAL gaps and open complaints by emotion. Tooltips are text. */
(function () {
  var node = document.getElementById("insights-chart-data");
  if (!node) return;
  var data = JSON.parse(node.textContent);
  var palette = ["#0f766e", "#b45309", "#2563eb", "#7c3aed", "#db2777", "#059669"];
  (data.trends || []).forEach(function (spec) {
    var chart = QiwangCharts.init(spec.id);
    if (!chart) return;
    chart.setOption({
      color: palette,
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 8, right: 24, top: 32, bottom: 56, containLabel: true },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var wave = spec.series[p.seriesIndex].waves[p.dataIndex];
          return p.seriesName + "\n" + wave + "\n" + spec.days[p.dataIndex] + "\n" +
            spec.title + ": " + p.value + " " + spec.unit;
        }
      },
      xAxis: { type: "category", data: spec.days, name: data.labels.date, nameLocation: "middle",
               nameGap: 28, axisLabel: { hideOverlap: true } },
      yAxis: spec.range
        ? { type: "value", name: spec.unit, min: spec.range[0], max: spec.range[1] }
        : { type: "value", name: spec.unit, scale: true },
      series: spec.series.map(function (line) {
        return { name: line.name, type: "line", symbolSize: 9, connectNulls: true, data: line.values };
      })
    });
  });
  /* A bar chart with its legend under it (the series' name says what the bars count). */
  function bar(id, spec) {
    var chart = QiwangCharts.bar(id, spec.pairs, spec.seriesName);
    if (chart) chart.setOption({ legend: { bottom: 0 }, grid: { bottom: 32 } });
  }
  if (data.gaps && data.gaps.pairs.length) bar(data.gaps.id, data.gaps);
  if (data.emotions) bar("chart-emotions", data.emotions);
})();
