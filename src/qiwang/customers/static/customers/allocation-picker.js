/* The customer picker of the shortage-allocation form: search the user's customers (number,
   name, phone, pinyin) on the server, give a quantity and add the line "number quantity" to the
   requests text, which stays the form's field (typing lines by hand still works). */
(function () {
  var root = document.getElementById("customer-picker");
  var requests = document.getElementById("id_requests");
  if (!root || !requests) return;
  var input = root.querySelector("input[type=search]");
  var list = root.querySelector(".picker-results");
  var status = root.querySelector(".picker-status");
  var branch = document.getElementById("id_branch");
  var timer = null;

  function setLine(code, quantity) {
    var lines = requests.value.split("\n").filter(function (line) {
      var first = line.trim().split(/[\s,，]+/)[0];
      return line.trim() && first !== code;
    });
    lines.push(code + " " + quantity);
    requests.value = lines.join("\n") + "\n";
  }

  function row(customer) {
    var item = document.createElement("li");
    item.setAttribute("data-testid", "picker-result");
    var tier = document.createElement("span");
    tier.className = "tier tier-" + customer.tier;
    tier.textContent = customer.tier_label;
    var name = document.createElement("strong");
    name.textContent = customer.name;
    var code = document.createElement("span");
    code.className = "muted";
    code.textContent = customer.code + " · " + customer.branch;
    var qty = document.createElement("input");
    qty.type = "number";
    qty.min = "1";
    qty.inputMode = "numeric";
    qty.className = "picker-qty";
    qty.setAttribute("aria-label", root.getAttribute("data-quantity-label"));
    qty.setAttribute("data-testid", "picker-quantity");
    var add = document.createElement("button");
    add.type = "button";
    add.className = "btn secondary";
    add.textContent = root.getAttribute("data-add-label");
    add.setAttribute("data-testid", "picker-add");
    add.addEventListener("click", function () {
      var value = parseInt(qty.value, 10);
      if (!(value > 0)) { qty.focus(); return; }
      setLine(customer.code, value);
      status.textContent = root.getAttribute("data-added-label") + " " + customer.name + " " + value;
      qty.value = "";
    });
    item.append(tier, name, code, qty, add);
    return item;
  }

  function search() {
    var query = input.value.trim();
    list.replaceChildren();
    if (!query) { status.textContent = ""; return; }
    var url = root.getAttribute("data-url") + "?q=" + encodeURIComponent(query);
    if (branch && branch.value) url += "&branch=" + encodeURIComponent(branch.value);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        if (input.value.trim() !== query) return;
        data.results.forEach(function (customer) { list.append(row(customer)); });
        status.textContent = data.results.length ? "" : root.getAttribute("data-empty-label");
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); clearTimeout(timer); search(); }
  });
  root.hidden = false;
})();
