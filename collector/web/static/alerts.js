// Alerts list: "select all", and a refresh every 30 s that replaces the table and the
// navigation's count, skipped while anything is ticked or typed in so no choice is lost.
(function () {
  "use strict";
  var table = document.getElementById("alerts-table");
  if (!table) { return; }
  var all = document.getElementById("alerts-all");
  if (all) {
    all.addEventListener("change", function () {
      table.querySelectorAll("input[name=alert_id]").forEach(function (box) { box.checked = all.checked; });
    });
  }
  var busy = function () {
    if (table.querySelector("input[name=alert_id]:checked")) { return true; }
    var active = document.activeElement;
    return active && (active.tagName === "INPUT" || active.tagName === "SELECT");
  };
  var refresh = function () {
    if (busy()) { return; }
    fetch(window.location.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { return null; }
      return response.text();
    }).then(function (html) {
      if (html === null || busy()) { return; }
      var page = new DOMParser().parseFromString(html, "text/html");
      var body = page.querySelector("#alerts-table tbody");
      var count = page.getElementById("nav-firing");
      if (body) { table.querySelector("tbody").replaceWith(body); }
      var current = document.getElementById("nav-firing");
      if (current && count) { current.replaceWith(count); }
      table.setAttribute("data-refreshed", String(Date.now()));
    }).catch(function () { /* offline for a moment: the next round tries again */ });
  };
  var seconds = Number(table.getAttribute("data-refresh-s") || "30");
  window.setInterval(refresh, seconds * 1000);
})();
