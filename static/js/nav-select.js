// <select data-nav-select> whose option values are URLs: go there on change.
document.querySelectorAll("select[data-nav-select]").forEach(function (select) {
  select.addEventListener("change", function () { window.location.href = select.value; });
});
