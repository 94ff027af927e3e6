/* Charts of the complaints' SLA and outcome page (data from json_script; text set as data, never HTML). */
(function () {
  var source = document.getElementById("complaints-chart-data");
  if (!source || !window.QiwangCharts) return;
  var data = JSON.parse(source.textContent);
  var weeks = QiwangCharts.init("chart-weeks");
  if (weeks) weeks.setOption({
    color: ["#0f766e"], grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis" }, legend: { top: 0 },
    xAxis: { type: "category", data: data.weeks }, yAxis: { type: "value", minInterval: 1, name: data.labels.complaints },
    series: [{ name: data.labels.complaints, type: "bar", barMaxWidth: 28, data: data.week_counts }]
  });
  QiwangCharts.bar("chart-categories", data.categories, data.labels.complaints);
  QiwangCharts.bar("chart-dimensions", data.dimensions, data.labels.complaints);
  QiwangCharts.bar("chart-reasons", data.reasons, data.labels.complaints);
})();
