// Keyboard navigation on every page: "/" focuses the global search; in a list marked
// .kb-list, j / ArrowDown and k / ArrowUp move the highlight and Enter opens its first link,
// x ticks its checkbox (bulk actions). Keys typed into a form field are left alone.
(function () {
  "use strict";
  var current = -1;

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll(".kb-list .kb-item"));
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function highlight(index) {
    var all = items();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (el, i) {
      el.classList.toggle("kb-current", i === current);
      if (i === current) el.setAttribute("aria-current", "true");
      else el.removeAttribute("aria-current");
    });
    all[current].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape" && typing(e.target)) { e.target.blur(); return; }
    if (typing(e.target)) return;
    var search = document.getElementById("global-search");
    if (e.key === "/" && search) { e.preventDefault(); search.focus(); search.select(); return; }
    if (e.key === "j" || e.key === "ArrowDown") { e.preventDefault(); highlight(current + 1); return; }
    if (e.key === "k" || e.key === "ArrowUp") { e.preventDefault(); highlight(current - 1); return; }
    var all = items();
    if (current < 0 || current >= all.length) return;
    if (e.key === "Enter") {
      var link = all[current].querySelector("a[href]");
      if (link) { e.preventDefault(); link.click(); }
    } else if (e.key === "x") {
      var box = all[current].querySelector("input[type=checkbox]");
      if (box) { e.preventDefault(); box.checked = !box.checked; }
    }
  });
})();
