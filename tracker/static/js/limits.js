// Live character counter for every box with data-limit (the limits of tracker/limits.py).
// No maxlength: a browser silently cuts a paste at maxlength, and nothing may be cut;
// the server refuses an over-long text with the limit stated, and this counter says so first.
// Counts code points with a line break as one, the way tracker.limits.text_length does.
(function () {
  function count(box) { return Array.from(box.value).length; }
  function counterFor(box) {
    var id = box.getAttribute("data-counter-id");
    if (id) { return document.getElementById(id); }
    var out = document.createElement("small");
    out.className = "char-counter muted";
    out.id = "counter-" + Math.random().toString(36).slice(2);
    out.setAttribute("aria-live", "polite");
    box.setAttribute("data-counter-id", out.id);
    box.insertAdjacentElement("afterend", out);
    return out;
  }
  function update(box) {
    var limit = parseInt(box.getAttribute("data-limit"), 10);
    if (!limit) { return; }
    var n = count(box), out = counterFor(box);
    out.textContent = n.toLocaleString("zh-CN") + " / " + limit.toLocaleString("zh-CN") + " 字" +
      (n > limit ? "，超出 " + (n - limit).toLocaleString("zh-CN") + " 字，请删减（不会自动截断）" : "");
    out.classList.toggle("over-limit", n > limit);
    box.toggleAttribute("data-over-limit", n > limit);
  }
  function scan(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-limit]").forEach(update);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-limit]")) { update(event.target); }
  });
  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:load", function (event) { scan(event.target); });
  if (document.readyState !== "loading") { scan(document); }
})();
