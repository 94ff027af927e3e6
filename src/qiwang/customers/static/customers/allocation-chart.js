/* The shortage allocation chart: requested and allocated quantities by tier (data from json_script). */
(function () {
  var data = JSON.parse(document.getElementById("allocation-chart-data").textContent);
  var el = document.getElementById("chart-allocation");
  var chart = window.QiwangCharts && QiwangCharts.init("chart-allocation");
  if (!el || !chart) return;
  chart.setOption({
    color: ["#9ca3af", "#0f766e"],
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.tiers },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.labels.requested, type: "bar", data: data.requested },
      { name: data.labels.allocated, type: "bar", data: data.allocated, label: { show: true, position: "top" } }
    ]
  });
})();
