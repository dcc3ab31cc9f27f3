// The idle-timeout warning and putting back a form parked when a session ended.
// A file of its own, not inline script: the CSP forbids inline script. Boosted
// navigation (hx-boost) swaps the page without a new DOMContentLoaded, so both look
// their elements up afresh and also run after every htmx settle.
(function () {
  "use strict";

  function restoreParkedForm() {
    var parked = document.getElementById("parked-form");
    if (!parked) { return; }
    var fields = JSON.parse(parked.getAttribute("data-fields") || "{}");
    var action = parked.getAttribute("data-action");
    parked.remove();  // once
    var forms = Array.prototype.slice.call(document.querySelectorAll("main form[method=post], main form[method=POST]"));
    var form = forms.filter(function (f) { return new URL(f.action, location.href).pathname === action; })[0];
    if (!form) {
      form = forms.filter(function (f) {
        return Object.keys(fields).some(function (name) { return f.elements[name]; });
      })[0];
    }
    if (!form) { return; }
    Object.keys(fields).forEach(function (name) {
      var values = fields[name];
      var el = form.elements[name];
      if (!el) { return; }
      var items = el.length !== undefined && !el.tagName ? Array.prototype.slice.call(el) : [el];
      items.forEach(function (box) {
        if (box.type === "checkbox" || box.type === "radio") {
          box.checked = values.indexOf(box.value) !== -1;
        } else if (box.tagName === "SELECT" && box.multiple) {
          Array.prototype.forEach.call(box.options, function (o) { o.selected = values.indexOf(o.value) !== -1; });
        } else if (box.type !== "file" && box.type !== "hidden" && box.type !== "password") {
          box.value = values[0];
        }
      });
    });
    // The form may sit in a closed <details> (the item page's action panels): open it.
    for (var details = form.closest("details"); details; details = details.parentElement.closest("details")) {
      details.open = true;
    }
    form.scrollIntoView({block: "center"});
    var first = form.querySelector("textarea, input:not([type=hidden])");
    if (first) { first.focus(); }
  }

  var timer = null;

  function config() { return document.getElementById("session-config"); }
  function notice() { return document.getElementById("idle-warning"); }
  function seconds(name) { return parseInt(config().getAttribute(name), 10); }

  function schedule(remaining) {
    clearTimeout(timer);
    if (!config()) { return; }  // signed out
    timer = setTimeout(check, Math.max(remaining - seconds("data-warning"), 0) * 1000);
  }
  function expired() {
    clearTimeout(timer);
    var box = notice();
    if (!box) { return; }
    box.hidden = false;
    box.querySelector("button").hidden = true;
    box.querySelector("[data-idle-text]").textContent =
      "由于长时间未操作，登录已过期。您正在填写的内容在提交时会保存，重新登录后可继续。";
  }
  function show(remaining) {
    var box = notice();
    if (!box) { return; }
    box.hidden = false;
    box.querySelector("button").hidden = false;
    var minutes = Math.max(1, Math.ceil(remaining / 60));
    box.querySelector("[data-idle-text]").textContent = "您已较长时间未操作，约 " + minutes + " 分钟后将自动退出登录。";
    clearTimeout(timer);
    timer = setTimeout(check, Math.min(remaining, 60) * 1000 + 500);
  }
  function answer(response) {
    if (!response.ok || (response.headers.get("Content-Type") || "").indexOf("json") === -1) { return null; }
    return response.json();
  }
  function check() {
    if (!config()) { return; }
    // Another tab may have kept the session alive: ask before warning.
    fetch(config().getAttribute("data-status-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(answer)
      .then(function (data) {
        if (!data || data.remaining <= 0) { expired(); }
        else if (data.remaining > data.warning) { notice().hidden = true; schedule(data.remaining); }
        else { show(data.remaining); }
      })
      .catch(function () { schedule(seconds("data-warning") + 60); });
  }
  function keepAlive() {
    fetch(config().getAttribute("data-keepalive-url"), {method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": config().getAttribute("data-csrf"), "Accept": "application/json"}})
      .then(answer)
      .then(function (data) {
        if (!data) { expired(); return; }
        notice().hidden = true;
        schedule(data.remaining);
      })
      .catch(expired);
  }
  function pageShown() {
    restoreParkedForm();
    if (config()) { schedule(seconds("data-idle")); }
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("#idle-warning button")) { keepAlive(); }
  });
  // Every request to the server counts as activity; a boosted page is a new page.
  document.addEventListener("htmx:afterSettle", pageShown);
  document.addEventListener("DOMContentLoaded", pageShown);
}());
