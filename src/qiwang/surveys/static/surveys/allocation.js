/* The running total of the 100-point allocation; the page works without it (the server checks). */
document.addEventListener("DOMContentLoaded", function () {
  var inputs = document.querySelectorAll("input[data-allocation]");
  var box = document.querySelector("[data-allocation-total]");
  if (!inputs.length || !box) return;
  var output = box.querySelector("output");
  function update() {
    var total = 0;
    inputs.forEach(function (input) { var n = parseInt(input.value, 10); if (!isNaN(n)) total += n; });
    output.textContent = total;
    box.classList.toggle("is-complete", total === 100);
    box.classList.toggle("is-off", total !== 100);
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
  box.hidden = false;
  update();
});
