// Month sheet: tick everyone at once, keep the running total in step. The sheet works without it.
(function () {
  var sheet = document.querySelector("[data-dues-sheet]");
  if (!sheet) { return; }
  var boxes = function () { return sheet.querySelectorAll("input[name=paid]"); };
  var total = document.querySelector("[data-sheet-total]");
  var count = document.querySelector("[data-sheet-count]");
  function refresh() {
    var sum = 0, n = 0;
    boxes().forEach(function (box) {
      if (box.checked) {
        var input = sheet.querySelector("input[name=amount_" + box.value + "]");
        sum += parseFloat(input && input.value) || 0;
        n += 1;
      }
    });
    if (total) { total.textContent = sum.toFixed(2); }
    if (count) { count.textContent = n; }
  }
  var all = document.querySelector("[data-tick-all]");
  if (all) {
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
      refresh();
    });
  }
  sheet.addEventListener("change", refresh);
  sheet.addEventListener("input", refresh);
  refresh();
})();
