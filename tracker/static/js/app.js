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
// A form built on demand (``on_demand`` in _forms.html): when the page that comes back no
// longer holds it — the item moved on, or the action is no longer this user's — say so in
// place instead of swapping in nothing.
document.addEventListener("htmx:beforeSwap", function (event) {
  var config = event.detail.requestConfig;
  var details = config && config.elt;  // the details' own request, not a form submitted inside it
  if (!details || !details.matches || !details.matches("details[data-on-demand]")) { return; }
  var wanted = details.getAttribute("hx-select");
  var page = new DOMParser().parseFromString(event.detail.serverResponse || "", "text/html");
  if (event.detail.xhr.status === 200 && page.querySelector(wanted)) { return; }
  event.detail.shouldSwap = false;
  var slot = details.querySelector(".on-demand");
  if (slot) {
    slot.innerHTML = "";
    var note = document.createElement("p");
    note.className = "flash flash-warning";
    note.setAttribute("role", "status");
    note.textContent = "此操作现在不可用（事项可能已由他人办理或已变更），请刷新页面后再看。";
    slot.appendChild(note);
  }
});
