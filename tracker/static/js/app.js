// Small behaviours that must not live inline (the CSP forbids inline script).
// A form's data-confirm is asked once, on submit: clicking a radio, a box or the
// submit button inside it must not ask too.
document.addEventListener("click", function (event) {
  var el = event.target.closest("[data-confirm]");
  if (el && el.tagName !== "FORM" && !window.confirm(el.getAttribute("data-confirm"))) {
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
// When htmx puts a quick-entry form back (saved: the server sends it empty; refused: with
// its errors), put the cursor where typing goes on: the first wrong box, else the first box.
// htmx:load fires on the new form; the old one is already detached, so events aimed at it
// (htmx:afterRequest) never reach the document.
document.addEventListener("htmx:load", function (event) {
  var form = event.target;
  if (!form.matches || !form.matches("form[data-reset-on-success]")) { return; }
  var box = form.querySelector("[aria-invalid=true]") || form.querySelector("textarea, input:not([type=hidden])");
  if (box) { box.focus(); }
});
// 审查意见 → 后续事项: a button fills a box with the text selected inside a source element.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-fill-from-selection]");
  if (!button) { return; }
  var target = document.getElementById(button.getAttribute("data-fill-from-selection"));
  var source = document.getElementById(button.getAttribute("data-selection-source"));
  var selection = window.getSelection();
  var text = selection ? selection.toString().trim() : "";
  if (!target || !text || (source && !source.contains(selection.anchorNode))) { return; }
  target.value = text;
  target.dispatchEvent(new Event("input", { bubbles: true }));
  target.focus();
});
