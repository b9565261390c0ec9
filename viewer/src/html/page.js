"use strict";
/* The tasktrace timeline: lanes of intervals on a canvas, zoom (wheel, +/-),
 * pan (drag, arrows), details on hover. Names come from the trace and are
 * untrusted: they only ever reach the page through textContent and
 * fillText, never as markup. */
(function () {
  var status = document.getElementById("status");
  window.addEventListener("error", function (e) { status.textContent = "error: " + e.message; });
  var meta = JSON.parse(document.getElementById("tt-meta").textContent);
  var raw = JSON.parse(document.getElementById("tt-data").textContent);
  var RUN = 1, READY = 2, BLOCK = 3, GAP = 4, POLL = 5;
  var STATE_NAMES = ["", "running", "runnable", "blocked", "events lost", "idle (poll)"];
  /* The wait reasons (TT_STATES: name, colour) and the events by id, as
   * html.c wrote them from the schema: nothing about them is kept here. */
  var STATES = meta.states, EV = meta.events;
  function whyName(why) { return why < STATES.length ? STATES[why].name : "unknown"; }
  function evName(type) { return EV[type] ? EV[type].name : "event " + type; }

  /* Split the flat records into per-lane arrays (they arrive in close
   * order, which is time order per lane). */
  var nl = meta.lanes.length, lanes = [], i, k;
  for (i = 0; i < nl; i++) lanes.push({info: meta.lanes[i], n: 0});
  var nrec = raw.length / 6, flows = [], marks = [];
  for (i = 0; i < raw.length; i += 6) if (raw[i] === 0) lanes[raw[i + 1]].n++;
  for (i = 0; i < nl; i++) {
    var L = lanes[i];
    L.b = new Float64Array(L.n); L.d = new Float64Array(L.n);
    L.s = new Uint16Array(L.n); L.o = new Uint32Array(L.n); L.n = 0;
  }
  for (i = 0; i < raw.length; i += 6) {
    var t = raw[i];
    if (t === 0) {
      var L2 = lanes[raw[i + 1]], j = L2.n++;
      L2.b[j] = raw[i + 2]; L2.d[j] = raw[i + 3]; L2.s[j] = raw[i + 4]; L2.o[j] = raw[i + 5];
    } else if (t === 1) {
      flows.push({from: raw[i + 1], to: raw[i + 2], ts: raw[i + 3], handoff: raw[i + 4], obj: raw[i + 5]});
    } else {
      marks.push({lane: raw[i + 1], ts: raw[i + 2], type: raw[i + 3], text: raw[i + 4], num: raw[i + 5]});
    }
  }
  raw = null;
  /* Regions (region_begin .. region_end on one lane) are spans; the other
   * marks are ticks. A region still open at the end runs to the end. */
  var regions = [], open = {};
  marks.forEach(function (m) {
    var n = evName(m.type);
    if (n === "region_begin") (open[m.lane] = open[m.lane] || []).push(m);
    else if (n === "region_end" && open[m.lane] && open[m.lane].length) {
      var b = open[m.lane].pop();
      regions.push({lane: m.lane, ts: b.ts, d: m.ts - b.ts, text: b.text, depth: open[m.lane].length});
    }
  });
  Object.keys(open).forEach(function (l) {
    open[l].forEach(function (b, d) { regions.push({lane: b.lane, ts: b.ts, d: meta.t1 - b.ts, text: b.text, depth: d}); });
  });
  var ticks = marks.filter(function (m) {
    var n = evName(m.type);
    return m.lane >= 0 && n !== "lock_contended" && n !== "region_begin" && n !== "region_end";
  });
  if (meta.deadlock) {
    var dl = document.createElement("pre");
    dl.id = "deadlock";
    dl.textContent = meta.deadlock;
    document.getElementById("bar").appendChild(dl); /* the bar's height places the timeline below */
  }
  /* Lanes in display order: per process, loops first, then tasks in spawn order. */
  var order = [];
  for (i = 0; i < nl; i++) order.push(i);
  order.sort(function (a, b) {
    var x = lanes[a].info, y = lanes[b].info;
    return x.pid - y.pid || (y.loop ? 1 : 0) - (x.loop ? 1 : 0) || x.order - y.order;
  });
  var row = new Int32Array(nl);
  for (i = 0; i < nl; i++) row[order[i]] = i;
  /* Each lane's end, for binary search on (begin, end) sorted intervals. */
  for (i = 0; i < nl; i++) {
    var Q = lanes[i];
    Q.maxEnd = new Float64Array(Q.n);
    var m = 0;
    for (k = 0; k < Q.n; k++) { m = Math.max(m, Q.b[k] + Q.d[k]); Q.maxEnd[k] = m; }
  }
  /* An accessible list of the lanes, as text. */
  var ul = document.getElementById("lanes");
  for (i = 0; i < nl; i++) {
    var li = document.createElement("li");
    li.textContent = laneLabel(lanes[order[i]].info);
    ul.appendChild(li);
  }

  var canvas = document.getElementById("tl"), ctx = canvas.getContext("2d");
  var LABEL = 170, ROW = 18, AXIS = 22, dpr = window.devicePixelRatio || 1;
  var span = Math.max(1, meta.t1), v0 = 0, v1 = span, top = 0, W = 0, H = 0;

  function laneLabel(info) { return info.loop ? "loop (tid " + info.tid + ")" : info.name; }
  function fmt(ns) {
    var a = Math.abs(ns);
    if (a < 1e3) return ns.toFixed(0) + " ns";
    if (a < 1e6) return (ns / 1e3).toFixed(a < 1e4 ? 2 : 1) + " us";
    if (a < 1e9) return (ns / 1e6).toFixed(a < 1e7 ? 3 : 2) + " ms";
    return (ns / 1e9).toFixed(3) + " s";
  }
  /* Each interval maps to a class, each with its colour: the task states,
   * then one class per wait reason (C_WHY + reason). */
  var C_GAP = 4, C_POLL = 5, C_OTHER = 6, C_WHY = 7, NC = C_WHY + STATES.length;
  var PALETTE = [null, "#2ca02c", "#7fbf7f", "#f2c12e", "#b000b0", "#e4e4e4", meta.other];
  for (i = 0; i < STATES.length; i++) PALETTE.push(STATES[i].colour);
  function classOf(s, loop) {
    var st = s & 15, why = s >> 4;
    if (st === RUN) return loop ? 2 : 1;
    if (st === READY) return 3;
    if (st === BLOCK) return why < STATES.length ? C_WHY + why : C_OTHER;
    if (st === GAP) return C_GAP;
    return C_POLL;
  }
  function colorOf(s, loop) { return PALETTE[classOf(s, loop)]; }

  /* Levels of detail, built once per lane when first needed: the lane's
   * time cut into 1024, 4096, ... buckets, each holding the class that
   * took most of it (lost data always wins). Zoomed out, a lane costs a
   * pass over at most a few buckets per pixel, whatever its length. */
  function levels(L) {
    if (L.lod !== undefined) return L.lod;
    L.lod = [];
    if (L.n < 4096) return L.lod;
    for (var nb = 1024; nb * 2 < L.n && nb <= 262144; nb *= 4) {
      var w = span / nb, acc = new Float64Array(nb * NC), dom = new Uint8Array(nb);
      for (var k = 0; k < L.n; k++) {
        var b = L.b[k], e = b + L.d[k], c = classOf(L.s[k], L.info.loop);
        var i0 = Math.max(0, Math.floor(b / w)), i1 = Math.min(nb - 1, Math.floor(e / w));
        for (var i = i0; i <= i1; i++) {
          var lo = Math.max(b, i * w), hi = Math.min(e, (i + 1) * w);
          acc[i * NC + c] += Math.max(hi - lo, 1e-3);
        }
      }
      for (var i2 = 0; i2 < nb; i2++) {
        var best = 0, bt = 0;
        for (var c2 = 1; c2 < NC; c2++) if (acc[i2 * NC + c2] > bt) { bt = acc[i2 * NC + c2]; best = c2; }
        dom[i2] = acc[i2 * NC + C_GAP] > 0 ? C_GAP : best;
      }
      L.lod.push({w: w, dom: dom});
    }
    return L.lod;
  }
  function drawLevel(lv, y, plotW) {
    var nb = lv.dom.length, i = Math.max(0, Math.floor(v0 / lv.w)), end = Math.min(nb, Math.ceil(v1 / lv.w));
    var scale = plotW / (v1 - v0);
    while (i < end) {
      var c = lv.dom[i], j = i + 1;
      while (j < end && lv.dom[j] === c) j++;
      if (c) {
        var xa = Math.max(0, (i * lv.w - v0) * scale), xb = Math.min(plotW, (j * lv.w - v0) * scale);
        ctx.fillStyle = PALETTE[c];
        ctx.fillRect(LABEL + xa, y + 2, Math.max(1, xb - xa), ROW - 4);
      }
      i = j;
    }
  }
  function resize() {
    var bar = document.getElementById("bar");
    document.documentElement.style.setProperty("--bar-h", bar.offsetHeight + "px");
    W = canvas.clientWidth; H = canvas.clientHeight;
    canvas.width = Math.max(1, W * dpr); canvas.height = Math.max(1, H * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    draw();
  }
  function xOf(t) { return LABEL + (t - v0) * (W - LABEL) / (v1 - v0); }
  function tOf(x) { return v0 + (x - LABEL) * (v1 - v0) / (W - LABEL); }
  /* First interval of lane L that ends after t. */
  function firstAfter(L, t) {
    var lo = 0, hi = L.n;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (L.maxEnd[mid] <= t) lo = mid + 1; else hi = mid; }
    return lo;
  }

  var lastDraw = 0;
  function draw() {
    var t0 = performance.now();
    ctx.clearRect(0, 0, W, H);
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    var nrows = Math.ceil((H - AXIS) / ROW) + 1, first = Math.floor(top / ROW);
    var plotW = W - LABEL, perPx = (v1 - v0) / plotW;
    for (var r = first; r < Math.min(nl, first + nrows); r++) {
      var L = lanes[order[r]], y = AXIS + r * ROW - top;
      if (y + ROW < AXIS) continue;
      if (r % 2) { ctx.fillStyle = "#f0f0f0"; ctx.fillRect(LABEL, y, plotW, ROW); }
      /* Intervals wider than a pixel are drawn as they are; narrower ones
       * are pooled per pixel column, which shows the state that took most
       * of it (lost data always shows): a million events cost a pass over
       * the visible ones, never a million rectangles. */
      /* The coarsest level whose buckets are still at most a pixel wide. */
      var lod = levels(L), lv = null;
      for (var li = lod.length - 1; li >= 0; li--) if (lod[li].w <= perPx) { lv = lod[li]; break; }
      if (lv) { drawLevel(lv, y, plotW); continue; }
      var k = firstAfter(L, v0), px = -1, acc = new Float64Array(NC), best = 0, bestT = 0, gap = false;
      var flush = function () {
        if (px < 0) return;
        ctx.fillStyle = PALETTE[gap ? C_GAP : best];
        ctx.fillRect(LABEL + px, y + 2, 1, ROW - 4);
        px = -1; acc.fill(0); best = 0; bestT = 0; gap = false;
      };
      for (; k < L.n && L.b[k] < v1; k++) {
        var b = L.b[k], e = b + L.d[k];
        if (e <= v0) continue;
        var x0 = (b - v0) / perPx, x1 = (e - v0) / perPx, c = classOf(L.s[k], L.info.loop);
        if (x1 - x0 >= 1) {
          flush();
          var xa = Math.max(0, x0), xb = Math.min(plotW, x1);
          ctx.fillStyle = PALETTE[c];
          ctx.fillRect(LABEL + xa, y + 2, xb - xa, ROW - 4);
          continue;
        }
        var col = Math.floor(Math.max(0, x0));
        if (col !== px) { flush(); px = col; }
        var tt = acc[c] + (e - b);
        acc[c] = tt;
        if (tt > bestT) { bestT = tt; best = c; }
        if (c === C_GAP) gap = true;
      }
      flush();
    }
    /* Marks, regions and slow steps as ticks on their lane (contention is
     * already the lock colour), unless too many to tell apart. */
    var nm = 0, mi, mk;
    for (mi = 0; mi < ticks.length; mi++) { mk = ticks[mi]; if (mk.ts >= v0 && mk.ts <= v1) nm++; }
    for (mi = 0; mi < ticks.length && nm <= 2000; mi++) {
      mk = ticks[mi];
      if (mk.ts < v0 || mk.ts > v1) continue;
      var my = AXIS + row[mk.lane] * ROW - top;
      if (my < AXIS - ROW || my > H) continue;
      var en = evName(mk.type), finding = en === "race" || en === "lock_inversion";
      /* A race's window: from the step of its read to the report. */
      if (en === "race" && mk.num > 0) {
        ctx.fillStyle = "rgba(214,39,40,0.35)";
        ctx.fillRect(xOf(mk.num - 1), my + ROW - 4, Math.max(1, xOf(mk.ts) - xOf(mk.num - 1)), 4);
      }
      ctx.fillStyle = en === "slow_step" ? "#ff7f0e" : finding || en === "deadlock" ? "#d62728" :
        en === "wait_timeout" ? "#8c564b" : "#000";
      ctx.fillRect(xOf(mk.ts) - (finding ? 2 : 1), my, finding ? 4 : 2, ROW);
    }
    /* Regions as spans along the top of their lane, named when there is room. */
    var drawnRegions = 0, drawnTimeouts = 0;
    for (mi = 0; mi < ticks.length && nm <= 2000; mi++)
      if (evName(ticks[mi].type) === "wait_timeout" && ticks[mi].ts >= v0 && ticks[mi].ts <= v1) drawnTimeouts++;
    for (mi = 0; mi < regions.length; mi++) {
      var rg = regions[mi];
      if (rg.ts > v1 || rg.ts + rg.d < v0) continue;
      var ry = AXIS + row[rg.lane] * ROW - top + 1 + 4 * Math.min(rg.depth, 2);
      if (ry < AXIS - ROW || ry > H) continue;
      drawnRegions++;
      var rx0 = Math.max(LABEL, xOf(rg.ts)), rx1 = Math.min(W, xOf(rg.ts + rg.d));
      ctx.fillStyle = "rgba(20,20,20,0.55)";
      ctx.fillRect(rx0, ry, Math.max(2, rx1 - rx0), 4);
    }
    /* Lock hand-offs (and wakes when asked) as arrows between lanes. */
    var showWakes = document.getElementById("wakes").checked, nf = 0, fl;
    for (i = 0; i < flows.length; i++) {
      fl = flows[i];
      if (fl.ts >= v0 && fl.ts <= v1 && (fl.handoff || showWakes)) nf++;
    }
    if (nf <= 3000) {
      for (i = 0; i < flows.length; i++) {
        fl = flows[i];
        if (fl.ts < v0 || fl.ts > v1 || !(fl.handoff || showWakes)) continue;
        var fx = xOf(fl.ts), y0 = AXIS + row[fl.from] * ROW - top + ROW / 2,
            y1 = AXIS + row[fl.to] * ROW - top + ROW / 2;
        ctx.strokeStyle = fl.handoff ? "#d62728" : "#555";
        ctx.lineWidth = fl.handoff ? 1.5 : 1;
        ctx.beginPath(); ctx.moveTo(fx, y0); ctx.lineTo(fx + 4, y1); ctx.stroke();
        ctx.beginPath(); ctx.arc(fx + 4, y1, 2.5, 0, 7); ctx.fillStyle = ctx.strokeStyle; ctx.fill();
      }
    }
    /* Labels and the axis last, over everything. */
    ctx.fillStyle = "#fff"; ctx.fillRect(0, AXIS, LABEL - 2, H);
    ctx.fillStyle = "#222";
    for (r = first; r < Math.min(nl, first + nrows); r++) {
      var yy = AXIS + r * ROW - top + ROW / 2;
      if (yy < AXIS) continue;
      var info = lanes[order[r]].info, lab = laneLabel(info);
      if (meta.procs > 1) lab = info.pid + ": " + lab;
      ctx.fillText(lab.length > 24 ? lab.slice(0, 23) + "\u2026" : lab, 4, yy);
    }
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, AXIS);
    ctx.fillStyle = "#222"; ctx.strokeStyle = "#999"; ctx.lineWidth = 1;
    var step = Math.pow(10, Math.floor(Math.log10((v1 - v0) / 8)));
    if ((v1 - v0) / step > 16) step *= 5; else if ((v1 - v0) / step > 8) step *= 2;
    for (var tk = Math.ceil(v0 / step) * step; tk <= v1; tk += step) {
      var tx = xOf(tk);
      ctx.beginPath(); ctx.moveTo(tx, AXIS - 5); ctx.lineTo(tx, AXIS); ctx.stroke();
      ctx.fillText(fmt(tk), tx + 2, 9);
    }
    var hidden = [];
    if (nf > 3000) hidden.push(nf + " arrows");
    if (nm > 2000) hidden.push(nm + " marks");
    if (hidden.length) {
      var msg = hidden.join(", ") + ": zoom in to see them";
      ctx.fillStyle = "#fffc"; ctx.fillRect(LABEL, H - 20, ctx.measureText(msg).width + 8, 20);
      ctx.fillStyle = "#222"; ctx.fillText(msg, LABEL + 4, H - 10);
    }
    lastDraw = performance.now() - t0;
    status.textContent = nl + " lanes, " + meta.intervals + " intervals; view " + fmt(v0) + " .. " +
      fmt(v1) + " (drawn in " + lastDraw.toFixed(1) + " ms)";
    status.setAttribute("data-draw-ms", lastDraw.toFixed(2));
    status.setAttribute("data-regions", drawnRegions);
    status.setAttribute("data-timeouts", drawnTimeouts);
  }

  function zoom(f, atX) {
    var t = atX === undefined ? (v0 + v1) / 2 : tOf(atX);
    var w = Math.max(100, Math.min(span * 1.2, (v1 - v0) * f));
    v0 = t - (t - v0) * w / (v1 - v0); v1 = v0 + w;
    draw();
  }
  function pan(dt, dy) {
    v0 += dt; v1 += dt;
    top = Math.max(0, Math.min(Math.max(0, nl * ROW - (H - AXIS)), top + dy));
    draw();
  }
  window.ttZoom = zoom; window.ttPan = pan; window.ttDrawMs = function () { return lastDraw; };
  canvas.addEventListener("wheel", function (e) {
    e.preventDefault();
    if (e.shiftKey) pan(0, e.deltaY);
    else zoom(Math.pow(1.0015, e.deltaY), e.offsetX);
  }, {passive: false});
  var drag = null;
  canvas.addEventListener("mousedown", function (e) { drag = {x: e.clientX, y: e.clientY}; canvas.style.cursor = "grabbing"; });
  window.addEventListener("mouseup", function () { drag = null; canvas.style.cursor = "grab"; });
  window.addEventListener("mousemove", function (e) {
    if (drag) {
      pan(-(e.clientX - drag.x) * (v1 - v0) / (W - LABEL), -(e.clientY - drag.y));
      drag.x = e.clientX; drag.y = e.clientY;
      return;
    }
    hover(e);
  });
  window.addEventListener("keydown", function (e) {
    var w = v1 - v0;
    if (e.key === "+" || e.key === "=" || e.key === "w") zoom(0.5);
    else if (e.key === "-" || e.key === "s") zoom(2);
    else if (e.key === "ArrowLeft" || e.key === "a") pan(-w / 5, 0);
    else if (e.key === "ArrowRight" || e.key === "d") pan(w / 5, 0);
    else if (e.key === "ArrowUp") pan(0, -ROW * 3);
    else if (e.key === "ArrowDown") pan(0, ROW * 3);
    else if (e.key === "0") { v0 = 0; v1 = span; draw(); }
  });
  document.getElementById("fit").onclick = function () { v0 = 0; v1 = span; top = 0; draw(); };
  document.getElementById("zin").onclick = function () { zoom(0.5); };
  document.getElementById("zout").onclick = function () { zoom(2); };
  document.getElementById("wakes").onchange = draw;

  var tip = document.getElementById("tip");
  function obj(ix) { return ix ? meta.objects[ix - 1] : ""; }
  function hover(e) {
    var rect = canvas.getBoundingClientRect(), x = e.clientX - rect.left, y = e.clientY - rect.top;
    var r = Math.floor((y - AXIS + top) / ROW);
    if (y < AXIS || r < 0 || r >= nl || x < 0 || x > W) { tip.style.display = "none"; return; }
    var L = lanes[order[r]], info = L.info, lines = [];
    lines.push(laneLabel(info) + (info.loop ? "" : "  (task " + info.id + ", process " + info.pid + ")"));
    if (!info.loop) {
      if (info.site) lines.push("spawned at " + info.site + (info.parent ? " by " + info.parent : ""));
      lines.push("busy " + fmt(info.busy) + ", runnable " + fmt(info.runnable) + ", blocked " +
                 fmt(info.blocked) + ", " + info.switches + " switches, " + info.result);
    }
    if (x >= LABEL) {
      var t = tOf(x), slop = 3 * (v1 - v0) / (W - LABEL), k = firstAfter(L, t - slop);
      var hit = -1;
      for (; k < L.n && L.b[k] <= t + slop; k++) {
        if (hit < 0 || (L.b[k] <= t && L.b[k] + L.d[k] > t)) hit = k;
        if (L.b[k] <= t && L.b[k] + L.d[k] > t) break;
      }
      if (hit >= 0) {
        var s = L.s[hit], st = s & 15, what = STATE_NAMES[st];
        if (info.loop && st === RUN) what = "busy (callbacks, tasks)";
        if (st === BLOCK) what += " on " + whyName(s >> 4) + (L.o[hit] ? ": " + obj(L.o[hit]) : "");
        lines.push("");
        lines.push(what);
        lines.push("from " + fmt(L.b[hit]) + " for " + fmt(L.d[hit]));
      }
      for (var ri = 0; ri < regions.length; ri++) {
        var rgn = regions[ri];
        if (rgn.lane === order[r] && t >= rgn.ts - slop && t <= rgn.ts + rgn.d + slop)
          lines.push("region " + rgn.text + ": from " + fmt(rgn.ts) + " for " + fmt(rgn.d));
      }
      for (var mi = 0; mi < marks.length; mi++) {
        var mk = marks[mi];
        if (mk.lane === order[r] && Math.abs(mk.ts - t) <= slop)
          lines.push(evName(mk.type) + " at " + fmt(mk.ts) + ": " + mk.text +
                     (evName(mk.type) === "slow_step" ? " (" + fmt(mk.num) + ")" :
                      evName(mk.type) === "wait_timeout" ? " " + obj(mk.num) + " (not woken)" : ""));
      }
    }
    tip.textContent = lines.join("\n");
    tip.style.display = "block";
    tip.style.left = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 4) + "px";
    tip.style.top = Math.min(e.clientY + 14, window.innerHeight - tip.offsetHeight - 4) + "px";
  }
  window.addEventListener("resize", resize);
  resize();
  document.body.setAttribute("data-loaded", "1");
  /* #bench: zoom in step by step to 1/1000 of the trace and back out, panning
   * at each level, and report the slowest and mean redraw (a benchmark and
   * a test hook: the page is responsive when each redraw fits a frame). */
  if (location.hash === "#bench") {
    var times = [], f;
    for (f = 0; f < 10; f++) { zoom(0.5); times.push(lastDraw); pan((v1 - v0) / 3, 0); times.push(lastDraw); }
    for (f = 0; f < 10; f++) { zoom(2); times.push(lastDraw); }
    v0 = 0; v1 = span; draw(); times.push(lastDraw);
    var max = Math.max.apply(null, times), sum = times.reduce(function (a, b) { return a + b; }, 0);
    status.setAttribute("data-bench", "load " + performance.now().toFixed(0) + " ms; " + times.length +
      " redraws: max " + max.toFixed(1) + " ms, mean " + (sum / times.length).toFixed(1) + " ms");
  }
})();
