/* Stacked tables on a phone (qiwang.css, max-width 700px): every cell shows its column's heading.
   Cells that already carry data-label keep it; the rest get the text of their <thead> column, so a
   number on a phone never appears without its name. Runs again after htmx swaps. */
(function () {
  function label(root) {
    var tables = Array.prototype.slice.call(root.querySelectorAll("table.table"));
    if (root.matches && root.matches("table.table")) tables.push(root);
    tables.forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      if (!heads.length) return;
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          var text = heads[column];
          column += cell.colSpan || 1;
          if (cell.tagName === "TD" && text && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", text);
          }
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { label(document); });
  document.addEventListener("htmx:afterSwap", function (event) { label(event.target); });
})();
