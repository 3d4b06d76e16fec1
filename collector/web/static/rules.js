// Rule forms: show the fields of the chosen kind, preview which series a metric and label
// filter match with their newest values (on change, or with the button), and confirm
// before deleting a rule.
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  var kind = document.getElementById("rule-kind");
  var show = function () {
    document.querySelectorAll("fieldset.kind-fields").forEach(function (el) {
      el.hidden = Boolean(kind) && el.getAttribute("data-kind") !== kind.value;
    });
  };
  if (kind) { kind.addEventListener("change", show); }
  show();
  var number = function (v) {
    if (v === null || v === undefined) { return "no value in the last hour"; }
    return Math.abs(v) >= 1e6 ? v.toExponential(3) : String(Math.round(v * 100) / 100);
  };
  document.querySelectorAll("fieldset[data-preview]").forEach(function (set) {
    var metric = set.querySelector("[data-role=metric]");
    var labels = set.querySelector("[data-role=labels]");
    var out = set.querySelector(".rule-preview");
    var asked = 0;  // only the newest question's answer is shown (answers may come out of order)
    var preview = function () {
      if (!metric || !out || !metric.value.trim()) { return; }
      var mine = ++asked;
      var query = "?metric=" + encodeURIComponent(metric.value.trim()) + "&labels=" + encodeURIComponent(labels ? labels.value : "");
      fetch(set.getAttribute("data-preview") + query, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        if (mine !== asked) { return; }
        if (data.error) { out.textContent = data.error; return; }
        var shown = data.series.slice(0, 5).map(function (s) {
          var pairs = Object.keys(s.labels).map(function (k) { return k + "=" + s.labels[k]; }).join(", ");
          var unit = s.unit && s.value !== null ? " " + s.unit : "";
          return s.device + (pairs ? " {" + pairs + "}" : "") + " = " + number(s.value) + unit;
        });
        out.textContent = data.count + " series match" + (shown.length ? ": " + shown.join("; ") + (data.count > shown.length ? " …" : "") : ".");
      }).catch(function () { out.textContent = "Preview not available."; });
    };
    [metric, labels].forEach(function (el) { if (el) { el.addEventListener("change", preview); } });
    var button = set.querySelector(".rule-preview-button");
    if (button) { button.addEventListener("click", preview); }
    preview();
  });
})();
