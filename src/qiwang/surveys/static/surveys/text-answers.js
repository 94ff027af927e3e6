/* The free-text section's chart: comments per SERVQUAL dimension, stacked by sentiment. The
   section arrives by htmx (results page), so the chart is drawn after every swap; its data
   travel in the chart's data-chart attribute, since htmx drops script elements it swaps in. */
(function () {
  var colours = { negative: "#b91c1c", neutral: "#94a3b8", positive: "#15803d" };
  function draw() {
    var target = document.getElementById("chart-text-dimensions");
    if (!target || !target.dataset.chart || !window.QiwangCharts) return;
    var data = JSON.parse(target.dataset.chart), rows = data.dimensions || [], L = data.labels || {};
    if (!rows.length) return;
    if (window.echarts && echarts.getInstanceByDom(target)) echarts.dispose(target);
    var chart = QiwangCharts.init("chart-text-dimensions");
    if (!chart) return;
    var kinds = ["negative", "neutral", "positive"];
    chart.setOption({
      legend: { top: 0, data: kinds.map(function (k) { return L[k]; }) },
      grid: { left: 8, right: 16, top: 32, bottom: 28, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      xAxis: { type: "value", minInterval: 1, name: L.unit, nameLocation: "middle", nameGap: 24 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r[0]; }) },
      series: kinds.map(function (kind, i) {
        return { name: L[kind], type: "bar", stack: "all", barMaxWidth: 28, itemStyle: { color: colours[kind] },
          data: rows.map(function (r) { return r[i + 1]; }) };
      })
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.body && document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "text-answers") draw();
  });
})();
