// Filter the organisation tree by name or code, keeping the ancestors of every match visible.
(function () {
  var input = document.getElementById("tree-filter");
  if (!input) { return; }
  input.addEventListener("input", function () {
    var text = input.value.trim().toLowerCase();
    var items = document.querySelectorAll(".tree li[data-search]");
    items.forEach(function (li) { li.hidden = !!text; });
    if (!text) { return; }
    items.forEach(function (li) {
      if (li.getAttribute("data-search").toLowerCase().indexOf(text) !== -1) {
        for (var node = li; node && node.matches && node.matches("li[data-search]"); node = node.parentElement.closest("li[data-search]")) {
          node.hidden = false;
        }
        li.querySelectorAll("li[data-search]").forEach(function (child) { child.hidden = false; });
      }
    });
  });
})();
