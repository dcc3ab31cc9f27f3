// Small behaviours that must not live inline (the CSP forbids inline script).
document.addEventListener("click", function (event) {
  var el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
    event.stopPropagation();
  }
}, true);
document.addEventListener("submit", function (event) {
  var el = event.target.closest("form[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
    event.stopPropagation();
  }
}, true);
// After an htmx form reset request, clear the form so the next entry starts empty.
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.target.closest && event.target.closest("form[data-reset-on-success]");
  if (form && event.detail.successful && event.detail.xhr.status === 200 &&
      !event.detail.xhr.getResponseHeader("X-Form-Invalid")) {
    form.reset();
    var first = form.querySelector("textarea, input:not([type=hidden])");
    if (first) { first.focus(); }
  }
});
