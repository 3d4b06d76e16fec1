// Device page charts: fetch each chart's series from the API and draw it with uPlot.
// Loaded as a static file because the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";

  var root = document.querySelector(".charts[data-series-url]");
  if (!root || typeof uPlot === "undefined") {
    return;
  }
  var seriesUrl = root.getAttribute("data-series-url");
  var range = root.getAttribute("data-range") || "1h";
  var PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];
  var HEIGHT = 220;
  var GAP_FILL = "rgba(220, 38, 38, 0.15)";
  var plots = [];

  function formatBytes(v) {
    var units = ["B/s", "KB/s", "MB/s", "GB/s", "TB/s"];
    var i = 0;
    var x = Math.abs(v);
    while (x >= 1024 && i < units.length - 1) {
      x /= 1024;
      i += 1;
    }
    var digits = x >= 100 || i === 0 ? 0 : 1;
    return (v < 0 ? "-" : "") + x.toFixed(digits) + " " + units[i];
  }

  function formatValue(unit, v) {
    if (v === null || v === undefined) {
      return "—";
    }
    if (unit === "percent") {
      return v.toFixed(1) + " %";
    }
    if (unit === "bytes/s") {
      return formatBytes(v);
    }
    return String(Math.round(v * 100) / 100);
  }

  // uPlot wants one shared x array. Series are bucketed on the same grid, so the union of
  // their timestamps is that grid; a missing bucket becomes null, and a null is also put
  // after any gap longer than two buckets so the line breaks instead of bridging it.
  function align(series, step) {
    var all = {};
    series.forEach(function (s) {
      s.t.forEach(function (t) {
        all[t] = true;
      });
    });
    var xs = Object.keys(all)
      .map(Number)
      .sort(function (a, b) {
        return a - b;
      });
    var withBreaks = [];
    xs.forEach(function (t, i) {
      if (i > 0 && t - xs[i - 1] > 2 * step) {
        withBreaks.push(xs[i - 1] + step);
      }
      withBreaks.push(t);
    });
    var data = [withBreaks];
    series.forEach(function (s) {
      var byT = {};
      s.t.forEach(function (t, i) {
        byT[t] = s.v[i];
      });
      data.push(
        withBreaks.map(function (t) {
          return Object.prototype.hasOwnProperty.call(byT, t) ? byT[t] : null;
        })
      );
    });
    return data;
  }

  function showMessage(plotEl, text) {
    plotEl.textContent = "";
    var p = document.createElement("p");
    p.className = "muted small";
    p.textContent = text;
    plotEl.appendChild(p);
  }

  // Data the agent lost and reported (collector gaps): a band behind the lines, at least
  // two pixels wide so a short loss stays visible.
  function shadeGaps(spans) {
    return function (u) {
      if (spans.length === 0) {
        return;
      }
      var ctx = u.ctx;
      ctx.save();
      ctx.fillStyle = GAP_FILL;
      spans.forEach(function (span) {
        var x0 = u.valToPos(span[0], "x", true);
        var x1 = u.valToPos(span[1], "x", true);
        var left = Math.max(u.bbox.left, Math.min(x0, x1));
        var right = Math.min(u.bbox.left + u.bbox.width, Math.max(x0, x1, left + 2));
        if (right > left) {
          ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height);
        }
      });
      ctx.restore();
    };
  }

  function draw(figure, plotEl, payload) {
    var unit = payload.unit;
    var nonEmpty = payload.series.filter(function (s) {
      return s.t.length > 0;
    });
    if (nonEmpty.length === 0) {
      showMessage(plotEl, "No data in this range.");
      return;
    }
    var opts = {
      width: Math.max(plotEl.clientWidth, 200),
      height: HEIGHT,
      tzDate: function (ts) {
        return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC");
      },
      scales: {
        x: {
          time: true,
          range: function () {
            return [payload.start, payload.end];
          },
        },
        y: {
          range: function (u, min, max) {
            if (unit === "percent") {
              return [0, 100];
            }
            return [0, max > 0 ? max * 1.1 : 1];
          },
        },
      },
      axes: [
        { stroke: "#475569", grid: { stroke: "#e2e8f0" } },
        {
          stroke: "#475569",
          grid: { stroke: "#e2e8f0" },
          size: 88,
          values: function (u, vals) {
            return vals.map(function (v) {
              return formatValue(unit, v);
            });
          },
        },
      ],
      series: [{ label: "UTC" }].concat(
        nonEmpty.map(function (s, i) {
          return {
            label: s.label,
            stroke: PALETTE[i % PALETTE.length],
            width: 1.5,
            // A few samples (a device that just enrolled, a slow collector) are dots
            // too short to see as a line: mark them.
            points: { show: s.t.length < 60, size: 5, fill: PALETTE[i % PALETTE.length] },
            value: function (u, v) {
              return formatValue(unit, v);
            },
          };
        })
      ),
    };
    opts.hooks = { drawClear: [shadeGaps(payload.gaps || [])] };
    plotEl.textContent = "";
    var plot = new uPlot(opts, align(nonEmpty, payload.step), plotEl);
    var entry = { plot: plot, el: plotEl };
    plots.push(entry);
    if (observer !== null) {
      observer.observe(plotEl);
    }
    fitWidth(entry);
    figure.setAttribute("data-gaps", String((payload.gaps || []).length));
    figure.setAttribute("data-rendered", "true");
  }

  function load(figure) {
    var plotEl = figure.querySelector(".plot");
    var metric = figure.getAttribute("data-metric");
    var params = new URLSearchParams({ metric: metric, range: range });
    fetch(seriesUrl + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (res) {
        var type = res.headers.get("Content-Type") || "";
        if (res.redirected || type.indexOf("application/json") === -1) {
          throw new Error("Your session has ended: reload the page to sign in again.");
        }
        return res.json().then(function (body) {
          if (!res.ok) {
            throw new Error(body.message || "Could not load data (" + res.status + ").");
          }
          return body;
        });
      })
      .then(function (payload) {
        draw(figure, plotEl, payload);
      })
      .catch(function (err) {
        showMessage(plotEl, err.message || "Could not load data.");
        figure.setAttribute("data-error", "true");
      });
  }

  // Keep each plot as wide as its card: the grid reflows with the window and the
  // scrollbar may appear after the first draw.
  function fitWidth(entry) {
    var width = Math.max(Math.floor(entry.el.clientWidth), 200);
    if (width !== entry.plot.width) {
      entry.plot.setSize({ width: width, height: HEIGHT });
    }
  }
  var observer =
    typeof ResizeObserver === "undefined"
      ? null
      : new ResizeObserver(function () {
          plots.forEach(fitWidth);
        });

  Array.prototype.forEach.call(root.querySelectorAll(".chart[data-metric]"), load);
})();
