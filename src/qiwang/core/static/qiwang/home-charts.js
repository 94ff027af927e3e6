/* The home page's charts: customers by tier and by branch (data from json_script). */
(function () {
  var data = JSON.parse(document.getElementById("home-chart-data").textContent);
  QiwangCharts.bar("chart-tiers", data.tiers, data.seriesName);
  QiwangCharts.bar("chart-branches", data.branches, data.seriesName);
})();
