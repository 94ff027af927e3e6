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
      grid: { left: 8, right: 24, top: 32, bottom: 40, containLabel: true },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          return p.seriesName + "\n" + p.data.wave + "\n" + p.data.value[0] + "\n" +
            spec.title + ": " + p.data.value[1] + " " + spec.unit;
        }
      },
      xAxis: { type: "time", name: data.labels.date, nameLocation: "middle", nameGap: 26,
               axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", name: spec.unit, scale: true },
      series: spec.series.map(function (line) {
        return {
          name: line.name, type: "line", symbolSize: 8, connectNulls: true,
          data: line.points.map(function (p) { return { value: [p[0], p[1]], wave: p[2] }; })
        };
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
