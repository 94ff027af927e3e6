/* The monthly report's charts (data from json_script "report-chart-data"). */
(function () {
  var data = JSON.parse(document.getElementById("report-chart-data").textContent);
  var grid = { left: 8, right: 16, top: 36, bottom: 8, containLabel: true };
  var contacts = QiwangCharts.init("chart-contacts");
  if (contacts) contacts.setOption({
    color: ["#94a3b8", "#0f766e"], grid: grid, tooltip: { trigger: "axis" }, legend: { top: 0 },
    xAxis: { type: "category", data: data.tiers, axisLabel: { interval: 0, fontSize: 11 } }, yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.labels.planned, type: "bar", barMaxWidth: 28, data: data.planned, label: { show: true, position: "top" } },
      { name: data.labels.made, type: "bar", barMaxWidth: 28, data: data.made, label: { show: true, position: "top" } }
    ]
  });
  var effort = QiwangCharts.init("chart-effort");
  if (effort) effort.setOption({
    color: ["#b45309", "#2563eb"], grid: grid, tooltip: { trigger: "axis" }, legend: { top: 0 },
    xAxis: { type: "category", data: data.groups, axisLabel: { interval: 0, fontSize: 11 } }, yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: data.labels.target, type: "bar", barMaxWidth: 28, data: data.target, label: { show: true, position: "top", formatter: "{c}%" } },
      { name: data.labels.actual, type: "bar", barMaxWidth: 28, data: data.actual, label: { show: true, position: "top", formatter: "{c}%" } }
    ]
  });
})();
