// How charts write values and times (window.EusFormat), shared by every panel.
//
// Axis ticks of one axis share one scale (all in KiB/s, say) and as many decimals as the
// distance between ticks needs, so neighbouring ticks never read the same ("1 B/s, 1 B/s").
// Times are 24-hour, in the user's time zone (the account setting), through Intl.
(function () {
  "use strict";

  var BINARY = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];
  var DECIMAL = ["", "k", "M", "G", "T", "P"];
  var DURATIONS = [
    [86400, "d"],
    [3600, "h"],
    [60, "min"],
    [1, "s"],
  ];

  // The scale of a unit for a magnitude: [divisor, suffix].
  function scale(unit, magnitude) {
    var m = Math.abs(magnitude);
    var i = 0;
    if (unit === "bytes" || unit === "bytes/s") {
      while (m >= 1024 && i < BINARY.length - 1) {
        m /= 1024;
        i += 1;
      }
      return [Math.pow(1024, i), " " + BINARY[i] + (unit === "bytes" ? "B" : "B/s")];
    }
    if (unit === "bits/s" || unit === "count" || unit === "count/s" || unit === "") {
      while (m >= 1000 && i < DECIMAL.length - 1) {
        m /= 1000;
        i += 1;
      }
      var suffix = DECIMAL[i] + { "bits/s": "bit/s", count: "", "count/s": "/s", "": "" }[unit];
      return [Math.pow(1000, i), suffix ? " " + suffix : ""];
    }
    if (unit === "seconds") {
      for (var d = 0; d < DURATIONS.length; d += 1) {
        if (m >= DURATIONS[d][0]) {
          return [DURATIONS[d][0], " " + DURATIONS[d][1]];
        }
      }
      return [1, " s"];
    }
    if (unit === "percent") {
      return [1, " %"];
    }
    if (unit === "volts") {
      return [1, " V"];
    }
    return [1, ""];
  }

  // Decimals needed to write ``step`` exactly (0 to 3).
  function decimalsFor(step) {
    if (!(step > 0)) {
      return 0;
    }
    for (var d = 0; d < 3; d += 1) {
      var scaled = step * Math.pow(10, d);
      if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) {
        return d;
      }
    }
    return 3;
  }

  function value(unit, v) {
    if (v === null || v === undefined || isNaN(v)) {
      return "—";
    }
    var s = scale(unit, v);
    var x = v / s[0];
    var digits = Math.abs(x) >= 100 || (x === Math.round(x) && s[0] === 1) ? 0 : Math.abs(x) >= 10 ? 1 : 2;
    return x.toFixed(digits) + s[1];
  }

  function valueTicks(unit, splits) {
    var top = splits.reduce(function (m, v) {
      return Math.max(m, Math.abs(v));
    }, 0);
    var s = scale(unit, top);
    var step = Infinity;
    for (var i = 1; i < splits.length; i += 1) {
      var d = Math.abs(splits[i] - splits[i - 1]);
      if (d > 0 && d < step) {
        step = d;
      }
    }
    var digits = step === Infinity ? 0 : decimalsFor(step / s[0]);
    return splits.map(function (v) {
      return (v / s[0]).toFixed(digits) + s[1];
    });
  }

  // Tick increments a byte axis steps by: 1, 2, 5 ... of each binary unit, so ticks land on
  // whole KiB, MiB ...; other units use uPlot's decimal increments.
  function increments(unit) {
    if (unit !== "bytes" && unit !== "bytes/s") {
      return undefined;
    }
    var out = [];
    for (var i = 0; i < BINARY.length; i += 1) {
      [1, 2, 5, 10, 20, 50, 100, 200, 500].forEach(function (m) {
        out.push(m * Math.pow(1024, i));
      });
    }
    [0.1, 0.2, 0.5].forEach(function (f, k) {
      out.splice(k, 0, f);
    });
    return out;
  }

  var formatters = {};
  function formatter(timeZone, opts) {
    var key = timeZone + JSON.stringify(opts);
    if (!formatters[key]) {
      formatters[key] = new Intl.DateTimeFormat("en-GB", Object.assign({ timeZone: timeZone, hourCycle: "h23" }, opts));
    }
    return formatters[key];
  }

  function parts(ts, timeZone) {
    var out = {};
    formatter(timeZone, {
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(new Date(ts * 1000))
      .forEach(function (p) {
        out[p.type] = p.value;
      });
    if (out.hour === "24") {
      out.hour = "00";
    }
    return out;
  }

  function dateTime(ts, timeZone) {
    var p = parts(ts, timeZone);
    return p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute + ":" + p.second;
  }

  // Time axis labels: HH:mm (HH:mm:ss under a minute apart), the date where the day changes,
  // dates alone when ticks are a day or more apart.
  function timeTicks(splits, incr, timeZone) {
    var lastDay = null;
    return splits.map(function (ts) {
      var p = parts(ts, timeZone);
      var day = p.day + "/" + p.month;
      var clock = p.hour + ":" + p.minute + (incr < 60 ? ":" + p.second : "");
      var label;
      if (incr >= 86400) {
        label = day;
      } else if (day !== lastDay) {
        label = clock + "\n" + day;
      } else {
        label = clock;
      }
      lastDay = day;
      return label;
    });
  }

  // "YYYY-MM-DDTHH:MM" (a datetime-local field) read in ``timeZone``: unix seconds or null.
  function parseLocal(text, timeZone) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text || "");
    if (!m) {
      return null;
    }
    var wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)) / 1000;
    // The zone's offset at that moment, found by reading the wall time back (twice, for DST).
    var guess = wall;
    for (var i = 0; i < 2; i += 1) {
      var p = parts(guess, timeZone);
      var back = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) / 1000;
      guess += wall - back;
    }
    return guess;
  }

  window.EusFormat = {
    value: value,
    valueTicks: valueTicks,
    increments: increments,
    dateTime: dateTime,
    timeTicks: timeTicks,
    parseLocal: parseLocal,
  };
})();
