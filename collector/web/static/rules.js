// Rule forms: show the fields of the chosen kind (threshold fields or JSON parameters), preview
// how many series a metric and label filter match, and confirm before deleting a rule.
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  var kind = document.getElementById("rule-kind");
  var show = function () {
    var threshold = !kind || kind.value === "threshold";
    document.querySelectorAll(".kind-threshold").forEach(function (el) { el.hidden = !threshold; });
    document.querySelectorAll(".kind-json").forEach(function (el) { el.hidden = threshold; });
    var metric = document.getElementById("rule-metric");
    if (metric) { metric.disabled = !threshold; }  // a disabled field is not sent: JSON is used
  };
  if (kind) { kind.addEventListener("change", show); }
  show();
  var metric = document.getElementById("rule-metric");
  var labels = document.getElementById("rule-labels");
  var out = document.getElementById("rule-preview");
  var preview = function () {
    if (!metric || !out || !metric.value.trim()) { return; }
    var url = out.getAttribute("data-url") || "/alerting/rules/preview";
    var query = "?metric=" + encodeURIComponent(metric.value.trim()) + "&labels=" + encodeURIComponent(labels ? labels.value : "");
    fetch(url + query, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.error) { out.textContent = data.error; return; }
      var shown = data.series.slice(0, 5).map(function (s) {
        var pairs = Object.keys(s.labels).map(function (k) { return k + "=" + s.labels[k]; }).join(", ");
        return s.device + (pairs ? " {" + pairs + "}" : "");
      });
      out.textContent = data.count + " series match" + (shown.length ? ": " + shown.join("; ") + (data.count > shown.length ? " …" : "") : ".");
    }).catch(function () { out.textContent = ""; });
  };
  [metric, labels].forEach(function (el) { if (el) { el.addEventListener("change", preview); } });
  preview();
})();
