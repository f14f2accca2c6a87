// Small progressive enhancements; every page also works without them.
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
document.addEventListener("click", function (event) {
  // "返回" links go back in the history when there is one (no javascript: URLs: the CSP forbids them).
  var target = event.target.closest("[data-back]");
  if (target && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
document.addEventListener("change", function (event) {
  var target = event.target.closest("[data-autosubmit]");
  if (target && target.form) { target.form.requestSubmit(); }
});
