/* Small wrappers around the vendored ECharts, so pages stay declarative. */
window.QiwangCharts = (function () {
  var palette = ["#0f766e", "#b45309", "#2563eb", "#7c3aed", "#db2777", "#059669"];
  /* Tooltips are drawn as chart text ("richText"), never as HTML: stored text (question wording,
     names, labels) cannot become markup, and nothing needs an inline style attribute, which the
     Content-Security-Policy refuses. A formatter returns plain text, lines joined with "\n". */
  function textTooltips(option) {
    if (option && option.tooltip) {
      [].concat(option.tooltip).forEach(function (tooltip) { tooltip.renderMode = "richText"; });
    }
    return option;
  }
  function init(id) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return null;
    var chart = echarts.init(el, null, { renderer: "svg" });
    var setOption = chart.setOption;
    chart.setOption = function (option) {
      arguments[0] = textTooltips(option);
      return setOption.apply(chart, arguments);
    };
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }
  function bar(id, pairs, seriesName) {
    var chart = init(id);
    if (!chart) return null;
    chart.setOption({
      color: palette,
      /* right: room for the value written after the longest bar (containLabel counts only the
         axis labels, so a 16 px margin cut "200" to "20" on a phone). */
      grid: { left: 8, right: 48, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: pairs.map(function (p) { return p[0]; }) },
      series: [{ name: seriesName, type: "bar", barMaxWidth: 32, data: pairs.map(function (p) { return p[1]; }),
                 label: { show: true, position: "right" } }]
    });
    return chart;
  }
  return { init: init, bar: bar };
})();
