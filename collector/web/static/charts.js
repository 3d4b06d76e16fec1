// Dashboard panels (device, SNMP device and fleet pages): fetch each panel's lines from the
// chart API and draw them with uPlot. Loaded as a static file: the Content-Security-Policy
// forbids inline scripts.
//
// One window for the whole page: a named range (?range=) that ends now and refreshes itself,
// or a custom one (?from=&to=, unix seconds) from dragging across a chart or the custom form.
// Times read in the user's time zone (data-time-zone), 24-hour.
(function () {
  "use strict";

  var root = document.querySelector(".charts[data-series-url]");
  if (!root || typeof uPlot === "undefined") {
    return;
  }
  var seriesUrl = root.getAttribute("data-series-url");
  var panelsUrl = root.getAttribute("data-panels-url"); // every panel in one request, if set
  var timeZone = root.getAttribute("data-time-zone") || "UTC";
  var hideUnmatched = root.hasAttribute("data-hide-unmatched");
  var PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];
  var HEIGHT = 220;
  var GAP_FILL = "rgba(220, 38, 38, 0.15)";
  var REFRESH_MIN_S = 10;
  var REFRESH_MAX_S = 60;
  var fmt = window.EusFormat;
  var entries = [];
  var refreshTimer = null;

  var params = new URLSearchParams(window.location.search);
  var state = {
    range: params.get("range") || "",
    from: Number(params.get("from")) || 0,
    to: Number(params.get("to")) || 0,
  };

  function custom() {
    return state.from > 0 && state.to > state.from;
  }

  function setWindow(q, defaultRange) {
    if (custom()) {
      q.set("from", String(Math.floor(state.from)));
      q.set("to", String(Math.ceil(state.to)));
    } else if (state.range || defaultRange) {
      q.set("range", state.range || defaultRange);
    }
    return q;
  }

  function query(figure) {
    var q = new URLSearchParams({ panel: figure.getAttribute("data-panel") });
    return seriesUrl + "?" + setWindow(q, figure.getAttribute("data-default-range") || "1h").toString();
  }

  // Without ?range= the API gives each panel its own default range.
  function panelsQuery() {
    var q = new URLSearchParams();
    entries.forEach(function (e) {
      q.append("panel", e.figure.getAttribute("data-panel"));
    });
    return panelsUrl + "?" + setWindow(q, "").toString();
  }

  // uPlot wants one shared x array. Lines are bucketed on the same grid, so the union of their
  // timestamps is that grid; a missing bucket becomes null, and a null is also put after any
  // gap longer than two buckets so the line breaks instead of bridging it. Bands (each bucket's
  // lowest and highest sample) are aligned the same way.
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
    var grid = [];
    xs.forEach(function (t, i) {
      if (i > 0 && t - xs[i - 1] > 2 * step) {
        grid.push(xs[i - 1] + step);
      }
      grid.push(t);
    });
    function column(s, values) {
      var byT = {};
      s.t.forEach(function (t, i) {
        byT[t] = values[i];
      });
      return grid.map(function (t) {
        return Object.prototype.hasOwnProperty.call(byT, t) ? byT[t] : null;
      });
    }
    return {
      data: [grid].concat(
        series.map(function (s) {
          return column(s, s.v);
        })
      ),
      bands: series.map(function (s) {
        return s.low && s.high ? { low: column(s, s.low), high: column(s, s.high) } : null;
      }),
    };
  }

  function showMessage(plotEl, text) {
    plotEl.textContent = "";
    var p = document.createElement("p");
    p.className = "muted small";
    p.textContent = text;
    plotEl.appendChild(p);
  }

  function hexToFill(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + ", " + ((n >> 8) & 255) + ", " + (n & 255) + ", " + alpha + ")";
  }

  // Data the agent lost and reported (collector gaps): a band behind the lines, at least two
  // pixels wide so a short loss stays visible.
  function shadeGaps(entry) {
    return function (u) {
      var spans = entry.payload.gaps || [];
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

  // Each line's min/max band: where a bucket holds several samples (long ranges read from
  // rollups), the spike its mean averages away stays visible as the band's edge.
  function drawBands(entry) {
    return function (u) {
      var xs = u.data[0];
      var ctx = u.ctx;
      ctx.save();
      ctx.beginPath();
      ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
      ctx.clip();
      entry.aligned.bands.forEach(function (band, i) {
        if (!band || !u.series[i + 1].show) {
          return;
        }
        ctx.fillStyle = hexToFill(PALETTE[i % PALETTE.length], 0.18);
        var run = [];
        function flush() {
          if (run.length > 0) {
            ctx.beginPath();
            run.forEach(function (k, j) {
              var x = u.valToPos(xs[k], "x", true);
              var y = u.valToPos(band.high[k], "y", true);
              if (j === 0) {
                ctx.moveTo(x, y);
              } else {
                ctx.lineTo(x, y);
              }
            });
            for (var j = run.length - 1; j >= 0; j -= 1) {
              var k = run[j];
              ctx.lineTo(u.valToPos(xs[k], "x", true), u.valToPos(band.low[k], "y", true));
            }
            if (run.length === 1) {
              var x = u.valToPos(xs[run[0]], "x", true);
              ctx.rect(x - 1, u.valToPos(band.high[run[0]], "y", true), 2, 1);
            }
            ctx.closePath();
            ctx.fill();
          }
          run = [];
        }
        xs.forEach(function (_, k) {
          if (band.low[k] === null || band.high[k] === null) {
            flush();
          } else {
            run.push(k);
          }
        });
        flush();
      });
      ctx.restore();
    };
  }

  function yRange(entry, unit) {
    return function (u, min, max) {
      if (unit === "percent") {
        return [0, 100];
      }
      var top = max;
      entry.aligned.bands.forEach(function (band) {
        (band ? band.high : []).forEach(function (v) {
          if (v !== null && v > top) {
            top = v;
          }
        });
      });
      var bottom = Math.min(0, min);
      return [bottom, top > bottom ? top + (top - bottom) * 0.1 : bottom + 1];
    };
  }

  function options(entry, plotEl) {
    var payload = entry.payload;
    var unit = payload.unit;
    var area = payload.kind === "area";
    return {
      width: Math.max(plotEl.clientWidth, 200),
      height: HEIGHT,
      tzDate: function (ts) {
        return uPlot.tzDate(new Date(ts * 1000), timeZone);
      },
      cursor: { drag: { x: true, y: false, setScale: false } },
      scales: {
        x: {
          time: true,
          range: function () {
            return [entry.payload.start, entry.payload.end];
          },
        },
        y: { range: yRange(entry, unit) },
      },
      axes: [
        {
          stroke: "#475569",
          grid: { stroke: "#e2e8f0" },
          values: function (u, splits, axisIdx, space, incr) {
            return fmt.timeTicks(splits, incr, timeZone);
          },
        },
        {
          stroke: "#475569",
          grid: { stroke: "#e2e8f0" },
          size: 88,
          incrs: fmt.increments(unit),
          values: function (u, splits) {
            return fmt.valueTicks(unit, splits);
          },
        },
      ],
      series: [
        {
          label: "Time (" + timeZone + ")",
          value: function (u, v) {
            return v === null || v === undefined ? "—" : fmt.dateTime(v, timeZone);
          },
        },
      ].concat(
        entry.lines.map(function (s, i) {
          var colour = PALETTE[i % PALETTE.length];
          return {
            label: s.label,
            stroke: colour,
            fill: area ? hexToFill(colour, 0.25) : undefined,
            width: 1.5,
            // A few points (a device that just enrolled, a slow collector) are too short to see
            // as a line: mark them.
            points: { show: s.t.length < 60, size: 5, fill: colour },
            value: function (u, v) {
              return fmt.value(unit, v);
            },
          };
        })
      ),
      hooks: {
        drawClear: [shadeGaps(entry)],
        drawAxes: [drawBands(entry)],
        setSelect: [
          function (u) {
            if (u.select.width < 5) {
              return;
            }
            var from = u.posToVal(u.select.left, "x");
            var to = u.posToVal(u.select.left + u.select.width, "x");
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            zoomTo(from, to);
          },
        ],
      },
    };
  }

  function drawStat(entry, plotEl) {
    plotEl.textContent = "";
    var list = document.createElement("div");
    list.className = "stats";
    entry.lines.forEach(function (s) {
      var box = document.createElement("div");
      box.className = "stat";
      var value = document.createElement("span");
      value.className = "stat-value";
      var last = s.v.length > 0 ? s.v[s.v.length - 1] : null;
      value.textContent = fmt.value(entry.payload.unit, last);
      var label = document.createElement("span");
      label.className = "stat-label muted small";
      var at = s.t.length > 0 ? s.t[s.t.length - 1] : null;
      label.textContent = s.label + (at === null ? "" : " · " + fmt.dateTime(at, timeZone));
      box.appendChild(value);
      box.appendChild(label);
      list.appendChild(box);
    });
    plotEl.appendChild(list);
  }

  function sameLines(a, b) {
    return (
      a.length === b.length &&
      a.every(function (s, i) {
        return s.label === b[i].label;
      })
    );
  }

  function draw(entry, payload) {
    var figure = entry.figure;
    var plotEl = entry.el;
    var lines = payload.series.filter(function (s) {
      return s.t.length > 0;
    });
    figure.setAttribute("data-kind", payload.kind);
    figure.setAttribute("data-empty", lines.length === 0 ? "true" : "false");
    // On a page listing panels for every kind of device (SNMP), one whose metrics this device
    // does not report at all is left out rather than shown empty.
    var matched = payload.series.reduce(function (n, s) {
      return n + (s.matched || 0);
    }, 0);
    figure.hidden = hideUnmatched && matched === 0;
    var keep = entry.plot !== null && payload.kind !== "stat" && sameLines(entry.lines, lines);
    entry.payload = payload;
    entry.lines = lines;
    entry.aligned = align(lines, payload.step);
    if (lines.length === 0) {
      destroy(entry);
      showMessage(plotEl, "No data in this range.");
    } else if (payload.kind === "stat") {
      destroy(entry);
      drawStat(entry, plotEl);
    } else if (keep) {
      entry.plot.setData(entry.aligned.data);
    } else {
      destroy(entry);
      plotEl.textContent = "";
      entry.plot = new uPlot(options(entry, plotEl), entry.aligned.data, plotEl);
      if (observer !== null) {
        observer.observe(plotEl);
      }
      fitWidth(entry);
    }
    var bands = entry.aligned.bands.filter(function (b) {
      return b !== null;
    }).length;
    figure.setAttribute("data-bands", String(bands));
    figure.setAttribute("data-gaps", String((payload.gaps || []).length));
    figure.setAttribute("data-step", String(payload.step));
    figure.setAttribute("data-start", String(payload.start));
    figure.setAttribute("data-end", String(payload.end));
    figure.setAttribute("data-range", payload.range);
    var newest = lines.reduce(function (m, s) {
      return Math.max(m, s.t[s.t.length - 1]);
    }, 0);
    figure.setAttribute("data-last-t", String(newest));
    figure.eusPlot = entry.plot; // for tests and the console: the uPlot instance drawn
    figure.setAttribute("data-loads", String(Number(figure.getAttribute("data-loads") || "0") + 1));
    figure.setAttribute("data-rendered", "true");
    figure.removeAttribute("data-error");
  }

  function destroy(entry) {
    if (entry.plot !== null) {
      entry.plot.destroy();
      entry.plot = null;
    }
  }

  function getJson(url) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (res) {
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
    });
  }

  function failed(entry, err) {
    destroy(entry);
    showMessage(entry.el, err.message || "Could not load data.");
    entry.figure.setAttribute("data-error", "true");
  }

  function load(entry) {
    return getJson(query(entry.figure))
      .then(function (payload) {
        draw(entry, payload);
      })
      .catch(function (err) {
        failed(entry, err);
      });
  }

  // Every panel of the page: one request where the page offers it, else one a panel.
  function loadAll() {
    if (!panelsUrl) {
      return Promise.all(entries.map(load));
    }
    return getJson(panelsQuery())
      .then(function (body) {
        var byKey = {};
        body.panels.forEach(function (payload) {
          byKey[payload.panel] = payload;
        });
        entries.forEach(function (entry) {
          var payload = byKey[entry.figure.getAttribute("data-panel")];
          if (payload) {
            draw(entry, payload);
          } else {
            failed(entry, new Error("Could not load data."));
          }
        });
      })
      .catch(function (err) {
        entries.forEach(function (entry) {
          failed(entry, err);
        });
      });
  }

  // Keep each plot as wide as its card: the grid reflows with the window and the scrollbar
  // may appear after the first draw.
  function fitWidth(entry) {
    if (entry.plot === null) {
      return;
    }
    var width = Math.max(Math.floor(entry.el.clientWidth), 200);
    if (width !== entry.plot.width) {
      entry.plot.setSize({ width: width, height: HEIGHT });
    }
  }
  var observer =
    typeof ResizeObserver === "undefined"
      ? null
      : new ResizeObserver(function () {
          entries.forEach(fitWidth);
        });

  // -- the page's window: range links, zoom, custom form, live refresh ----------------------
  function showWindow() {
    var note = root.querySelector("[data-zoom-note]");
    // Without ?range= each panel shows its own default range: when they all share one, that
    // is the range shown.
    var defaults = {};
    entries.forEach(function (e) {
      defaults[e.figure.getAttribute("data-default-range")] = true;
    });
    var shown = state.range || (Object.keys(defaults).length === 1 ? Object.keys(defaults)[0] : "");
    Array.prototype.forEach.call(root.querySelectorAll(".range-switch a[data-range]"), function (a) {
      var active = !custom() && a.getAttribute("data-range") === shown;
      a.classList.toggle("active", active);
      if (active) {
        a.setAttribute("aria-current", "page");
      } else {
        a.removeAttribute("aria-current");
      }
    });
    if (note) {
      note.hidden = !custom();
      var text = note.querySelector("[data-zoom-text]");
      if (text && custom()) {
        text.textContent = fmt.dateTime(state.from, timeZone) + " – " + fmt.dateTime(state.to, timeZone);
      }
    }
    root.setAttribute("data-window", custom() ? "custom" : state.range || "default");
  }

  function pushUrl() {
    var q = new URLSearchParams(window.location.search);
    ["range", "from", "to"].forEach(function (k) {
      q.delete(k);
    });
    if (custom()) {
      q.set("from", String(Math.floor(state.from)));
      q.set("to", String(Math.ceil(state.to)));
    } else if (state.range) {
      q.set("range", state.range);
    }
    var search = q.toString();
    window.history.pushState(null, "", window.location.pathname + (search ? "?" + search : ""));
  }

  function reloadAll() {
    showWindow();
    stopRefresh();
    return loadAll().then(scheduleRefresh);
  }

  function stopRefresh() {
    if (refreshTimer !== null) {
      window.clearTimeout(refreshTimer);
      refreshTimer = null;
    }
  }

  function zoomTo(from, to) {
    if (!(to > from)) {
      return;
    }
    var mid = (from + to) / 2;
    var half = Math.max((to - from) / 2, 30); // the API's shortest window is a minute
    state.from = Math.floor(mid - half);
    state.to = Math.ceil(mid + half);
    pushUrl();
    reloadAll();
  }

  // A named range moves with the clock: reload every bucket (at least 10 s, at most a minute).
  function scheduleRefresh() {
    stopRefresh();
    if (custom()) {
      return; // a fixed window does not move
    }
    var step = entries.reduce(function (least, e) {
      var s = Number(e.figure.getAttribute("data-step") || "0");
      return s > 0 && s < least ? s : least;
    }, REFRESH_MAX_S);
    var wait = Math.min(Math.max(step, REFRESH_MIN_S), REFRESH_MAX_S);
    refreshTimer = window.setTimeout(function () {
      refreshTimer = null;
      if (document.hidden) {
        scheduleRefresh();
        return;
      }
      loadAll().then(scheduleRefresh);
    }, wait * 1000);
  }

  Array.prototype.forEach.call(root.querySelectorAll(".range-switch a[data-range]"), function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      state.range = a.getAttribute("data-range");
      state.from = 0;
      state.to = 0;
      pushUrl();
      reloadAll();
    });
  });

  var customForm = root.querySelector("form[data-custom-range]");
  if (customForm) {
    customForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var error = customForm.querySelector("[data-custom-error]");
      var from = fmt.parseLocal(customForm.elements.namedItem("from").value, timeZone);
      var to = fmt.parseLocal(customForm.elements.namedItem("to").value, timeZone);
      var problem = "";
      if (from === null || to === null) {
        problem = "Enter both a start and an end.";
      } else if (to - from < 60) {
        problem = "The end must be at least a minute after the start.";
      }
      if (error) {
        error.textContent = problem;
        error.hidden = problem === "";
      }
      if (problem === "") {
        state.from = from;
        state.to = to;
        pushUrl();
        reloadAll();
      }
    });
  }

  window.addEventListener("popstate", function () {
    var q = new URLSearchParams(window.location.search);
    state.range = q.get("range") || "";
    state.from = Number(q.get("from")) || 0;
    state.to = Number(q.get("to")) || 0;
    reloadAll();
  });

  Array.prototype.forEach.call(root.querySelectorAll(".chart[data-panel]"), function (figure) {
    entries.push({
      figure: figure,
      el: figure.querySelector(".plot"),
      plot: null,
      payload: null,
      lines: [],
      aligned: { data: [[]], bands: [] },
    });
  });
  reloadAll();
})();
