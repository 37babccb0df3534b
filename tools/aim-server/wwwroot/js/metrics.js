// The metrics explorer (issue 17 point 3): a metric query (AimQL over `metric`, narrowed to the selected runs)
// drawn as one chart per metric name (or per metric and a param or context key), one line per (run, context),
// coloured by run and dashed by context by default (any param or context key can colour, dash or split charts).
// Charts draw as the stream arrives. Controls: x axis (step, epoch, relative time), linear or log y, EMA smoothing,
// density (Aim's p), aggregation (a group's mean with its min-max band, beside or instead of its lines). Dragging
// over a chart zooms into that step range and re-queries it at full density: a window of at most 100,000 steps
// through the metric search with p = its width (every point it holds), a wider one through
// /api/runs/search/points, which streams every point chunk by chunk or refuses with a message shown here.
import { el, clear, status } from "./dom.js";
import { streamSearch, hashesQuery, MAX_DENSITY } from "./api.js";
import { Chart } from "./chart.js";
import { xColumn, yColumn, aggregate } from "./series.js";
import { formatContext, formatValue, json, paramAt, flattenParams } from "./format.js";
import { saveState, listParam } from "./state.js";
import { queryBox, showQueryError } from "./querybox.js";

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
  "#393b79", "#e7969c", "#637939", "#fd8d3c", "#3182bd", "#843c39", "#7b4173", "#31a354", "#756bb1", "#636363"];
const DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 5], [12, 6]];
const DENSITIES = [50, 250, 500, 1000, 5000];

/**
 * Builds the explorer into `root`. `fixed` (the run page) pins the query to one run and hides the query box;
 * otherwise the state comes from the URL's params.
 */
export function metricsView(root, params, { fixed = null, save = true } = {}) {
  const state = {
    q: params.get("q") ?? "",
    runs: listParam(params, "runs"),
    p: clampDensity(params.get("p")),
    x: ["step", "epoch", "time"].includes(params.get("x")) ? params.get("x") : "step",
    y: params.get("y") === "log" ? "log" : "linear",
    ema: clampEma(params.get("ema")),
    color: params.get("color") ?? "run",
    stroke: params.get("stroke") ?? "context",
    chart: params.get("chart") ?? "metric",
    agg: ["", "mean", "both"].includes(params.get("agg") ?? "") ? params.get("agg") ?? "" : "",
    zoom: parseZoom(params.get("zoom")),
  };
  const traces = new Map(); // id -> trace
  const runInfo = new Map(); // hash -> {name, params}
  const charts = new Map(); // chart key -> Chart
  let controller = null;
  let rebuildQueued = false;
  const keys = { context: new Set(), param: new Set() };

  const persist = () => {
    if (!save) return;
    saveState("metrics", "", { q: state.q, runs: state.runs, p: state.p === 500 ? "" : state.p, x: state.x === "step" ? "" : state.x,
      y: state.y === "log" ? "log" : "", ema: state.ema || "", color: state.color === "run" ? "" : state.color,
      stroke: state.stroke === "context" ? "" : state.stroke, chart: state.chart === "metric" ? "" : state.chart, agg: state.agg,
      zoom: state.zoom ? `${state.zoom[0]}:${state.zoom[1]}` : "", live: document.getElementById("live")?.checked });
  };

  const box = queryBox("metrics", state.q, "metric.name == 'loss' and run.hparams.lr > 0.001", (q) => {
    state.q = q;
    state.zoom = null;
    persist();
    search();
  });
  const chartsNode = el("div", { class: "charts", id: "charts" });
  const zoomNote = el("div", { class: "zoom-note", role: "status" });
  const runsNote = el("div", { class: "runs-note" });
  const controls = el("div", { class: "controls" });

  clear(root).append(el("section", { class: "metrics-view" }, fixed ? null : box.element, fixed ? null : runsNote, controls, zoomNote, chartsNode));
  renderControls();
  renderRunsNote();

  function renderRunsNote() {
    clear(runsNote);
    if (state.runs.length === 0) return;
    runsNote.append(`${state.runs.length} selected run${state.runs.length > 1 ? "s" : ""} `,
      el("button", { type: "button", onclick: () => { state.runs = []; persist(); renderRunsNote(); search(); } }, "show all runs"));
  }

  function select(id, label, options, value, onChange) {
    const node = el("select", { id, "aria-label": label, onchange: () => onChange(node.value) },
      options.map(([v, text]) => el("option", { value: v }, text)));
    node.value = value;
    return el("label", {}, label + " ", node);
  }

  function keyOptions(base) {
    return [...base, ...[...keys.context].sort().map((k) => ["context." + k, "context." + k]), ...[...keys.param].sort().map((k) => ["param." + k, k])];
  }

  function renderControls() {
    const ensure = (value) => (value && !value.startsWith("context.") && !value.startsWith("param.")) || keys.context.has(value.slice(8)) || keys.param.has(value.slice(6));
    // A grouping key from the URL that the data has not shown yet is still offered, so the link keeps it.
    for (const v of [state.color, state.stroke, state.chart]) {
      if (!ensure(v)) (v.startsWith("context.") ? keys.context.add(v.slice(8)) : keys.param.add(v.slice(6)));
    }
    clear(controls).append(
      select("x-axis", "x", [["step", "step"], ["epoch", "epoch"], ["time", "relative time (s)"]], state.x, (v) => { state.x = v; changed(); }),
      select("y-scale", "y", [["linear", "linear"], ["log", "log"]], state.y, (v) => { state.y = v; changed(); }),
      el("label", {}, "smoothing ", el("input", { id: "ema", type: "range", min: "0", max: "0.99", step: "0.01", value: String(state.ema),
        "aria-label": "EMA smoothing", oninput: (e) => { state.ema = clampEma(e.target.value); changed(); } })),
      select("density", "points", DENSITIES.includes(state.p) ? DENSITIES.map((d) => [String(d), String(d)]) : [...DENSITIES, state.p].map((d) => [String(d), String(d)]),
        String(state.p), (v) => { state.p = clampDensity(v); persist(); if (!state.zoom) search(); }),
      select("color-by", "colour by", keyOptions([["run", "run"], ["metric", "metric"], ["none", "none"]]), state.color, (v) => { state.color = v; changed(); }),
      select("stroke-by", "dash by", keyOptions([["context", "context"], ["run", "run"], ["none", "none"]]), state.stroke, (v) => { state.stroke = v; changed(); }),
      select("chart-by", "charts by", keyOptions([["metric", "metric"]]), state.chart, (v) => { state.chart = v; changed(true); }),
      select("aggregate", "aggregate", [["", "lines"], ["mean", "mean and min-max"], ["both", "lines and mean"]], state.agg, (v) => { state.agg = v; changed(); }),
      el("button", { type: "button", id: "reset-zoom", disabled: !state.zoom, onclick: () => zoom(null) }, "reset zoom"),
    );
  }

  function changed(regroup = false) {
    persist();
    for (const trace of traces.values()) trace.derived = null;
    if (regroup) {
      for (const chart of charts.values()) chart.element.remove();
      charts.clear();
    }
    rebuild();
  }

  function fullQuery() {
    const q = fixed ? "" : state.q.trim();
    const runs = fixed ? [fixed] : state.runs;
    if (runs.length === 0) return q;
    return q ? `(${q}) and ${hashesQuery(runs)}` : hashesQuery(runs);
  }

  function addPiece(hash, piece) {
    const context = piece.context ?? {};
    const id = `${hash}|${piece.name}|${json(context)}`;
    let trace = traces.get(id);
    if (!trace || (piece.chunk ?? 0) === 0) {
      trace = { id, hash, name: String(piece.name), context, contextText: formatContext(context), pieces: [], derived: null };
      traces.set(id, trace);
      for (const k of Object.keys(context)) keys.context.add(k);
    }
    trace.pieces.push({ iters: piece.iters, values: piece.values, epochs: piece.epochs, timestamps: piece.timestamps });
  }

  async function search() {
    controller?.abort();
    controller = new AbortController();
    const signal = controller.signal;
    showQueryError(box, null);
    clear(zoomNote);
    const q = fullQuery();
    const zoomed = state.zoom;
    const width = zoomed ? zoomed[1] - zoomed[0] : 0;
    const mode = zoomed && width > MAX_DENSITY ? "points" : "metric";
    const request = { q };
    if (zoomed) request.record_range = `${zoomed[0]}:${zoomed[1]}`;
    if (mode === "metric") request.p = zoomed ? Math.max(2, Math.min(MAX_DENSITY, width)) : state.p;
    root.dataset.done = "false";
    root.dataset.mode = mode;
    root.dataset.request = new URLSearchParams(request).toString();
    const started = performance.now();
    root.dataset.startedAt = String(started);
    let firstDraw = null;
    let fresh = true;
    status(zoomed ? `loading steps ${zoomed[0]} to ${zoomed[1]} at full density…` : "loading metrics…");
    if (zoomed) zoomNote.textContent = `steps ${zoomed[0]} to ${zoomed[1] - 1}, every point (double-click a chart or "reset zoom" to go back)`;
    const onData = (obj, hash) => {
      if (fresh) {
        // The previous result stays on screen until the first object of the new one arrives.
        fresh = false;
        traces.clear();
      }
      if (obj.props || obj.params) {
        runInfo.set(hash, { name: obj.props?.name == null ? hash : String(obj.props.name), params: obj.params ?? {} });
        for (const [path] of flattenParams(obj.params ?? {})) keys.param.add(path);
      }
      for (const piece of obj.traces ?? []) addPiece(hash, piece);
      if (firstDraw === null) firstDraw = performance.now() - started;
      queueRebuild();
    };
    try {
      await streamSearch(mode === "points" ? "points" : "metric", request, { signal, onRun: onData });
      if (fresh) traces.clear();
      rebuild();
      renderControls();
      const ms = Math.round(performance.now() - started);
      root.dataset.firstMs = String(Math.round(firstDraw ?? ms));
      root.dataset.loadedMs = String(ms);
      root.dataset.done = "true";
      status(`${traces.size} traces in ${ms} ms`);
    } catch (e) {
      if (signal.aborted) return;
      rebuild();
      root.dataset.done = "error";
      if (zoomed) zoomNote.textContent = `zoom refused: ${e.message}`;
      else showQueryError(box, e);
      status(e.message, true);
    }
  }

  function keyOf(trace, by) {
    if (by === "run") return trace.hash;
    if (by === "metric") return trace.name;
    if (by === "context") return trace.contextText;
    if (by.startsWith("context.")) return formatValue(trace.context[by.slice(8)]);
    if (by.startsWith("param.")) return formatValue(paramAt(runInfo.get(trace.hash)?.params ?? {}, by.slice(6)));
    return "";
  }

  function label(trace) {
    return runInfo.get(trace.hash)?.name ?? trace.hash;
  }

  function derive(trace) {
    const d = trace.derived ?? (trace.derived = { xs: [], ys: [], carry: { ema: 0, weight: 0 }, t0: null });
    for (let i = d.xs.length; i < trace.pieces.length; i++) {
      const piece = trace.pieces[i];
      if (d.t0 === null && piece.timestamps?.length > 0) d.t0 = piece.timestamps[0];
      d.xs.push(xColumn(piece, state.x, d.t0 ?? 0));
      const { column, carry } = yColumn(piece.values, state.ema, state.y === "log", d.carry);
      d.ys.push(column);
      d.carry = carry;
    }
    return d;
  }

  function queueRebuild() {
    if (rebuildQueued) return;
    rebuildQueued = true;
    requestAnimationFrame(() => {
      rebuildQueued = false;
      rebuild();
    });
  }

  function rebuild() {
    const colors = new Map(), dashes = new Map();
    const groups = new Map(); // chart key -> lines
    for (const trace of traces.values()) {
      const chartKey = state.chart === "metric" ? trace.name : `${trace.name} · ${state.chart.replace(/^(param|context)\./, "")}=${keyOf(trace, state.chart)}`;
      const colorKey = keyOf(trace, state.color);
      const strokeKey = keyOf(trace, state.stroke);
      if (!colors.has(colorKey)) colors.set(colorKey, PALETTE[colors.size % PALETTE.length]);
      if (!dashes.has(strokeKey)) dashes.set(strokeKey, DASHES[dashes.size % DASHES.length]);
      const d = derive(trace);
      const line = { id: trace.id, label: label(trace), detail: trace.contextText, color: colors.get(colorKey), dash: dashes.get(strokeKey),
        xs: d.xs, ys: d.ys, group: `${colorKey}\u0000${strokeKey}`, colorKey, strokeKey };
      if (!groups.has(chartKey)) groups.set(chartKey, []);
      groups.get(chartKey).push(line);
    }
    for (const [key, chart] of charts) {
      if (!groups.has(key)) { chart.element.remove(); charts.delete(key); }
    }
    for (const [key, lines] of groups) {
      let chart = charts.get(key);
      const yLog = state.y === "log";
      if (!chart) {
        chart = new Chart(key, { onZoom: zoom });
        charts.set(key, chart);
        chartsNode.append(chart.element);
      }
      chart.xLabel = state.x === "time" ? "relative time (s)" : state.x;
      chart.xDomain = state.zoom && state.x === "step" ? [state.zoom[0], state.zoom[1] - 1] : null;
      chart.yLog = yLog;
      chart.readout = (y) => formatValue(yLog ? 10 ** y : y);
      let drawn = lines;
      const bands = [];
      if (state.agg) {
        const byGroup = new Map();
        for (const line of lines) {
          if (!byGroup.has(line.group)) byGroup.set(line.group, []);
          byGroup.get(line.group).push(line);
        }
        drawn = state.agg === "both" ? lines.map((l) => ({ ...l, alpha: 0.35, width: 1 })) : [];
        for (const [group, members] of byGroup) {
          const a = aggregate(members);
          if (!a) continue;
          const first = members[0];
          bands.push({ xs: a.xs, lo: a.lo, hi: a.hi, color: first.color });
          drawn.push({ id: "mean:" + group, label: `mean of ${members.length}`, detail: [first.colorKey, first.strokeKey].filter(Boolean).join(" "),
            color: first.color, dash: first.dash, xs: [a.xs], ys: [a.mean], width: 2.5 });
        }
      }
      chart.setLines(drawn, bands);
    }
    chartsNode.dataset.charts = String(charts.size);
  }

  function zoom(from, to) {
    if (from === null || from === undefined) {
      state.zoom = null;
    } else {
      if (state.x !== "step") {
        zoomNote.textContent = "zooming re-queries a step range: switch the x axis to step to zoom";
        return;
      }
      const a = Math.floor(from), b = Math.ceil(to) + 1;
      if (!(b > a)) return;
      state.zoom = [a, b];
    }
    persist();
    renderControls();
    search();
  }

  persist();
  search();
  return {
    refresh: search,
    dispose: () => controller?.abort(),
    charts: () => [...charts.values()].map((c) => ({ title: c.title, lines: c.model() })),
    zoom,
  };
}

function clampDensity(text) {
  const n = Number.parseInt(text ?? "", 10);
  return Number.isFinite(n) && n >= 1 ? Math.min(n, MAX_DENSITY) : 500;
}

function clampEma(text) {
  const n = Number.parseFloat(text ?? "");
  return Number.isFinite(n) && n > 0 ? Math.min(n, 0.99) : 0;
}

function parseZoom(text) {
  const m = /^(-?\d+):(-?\d+)$/.exec(text ?? "");
  if (!m) return null;
  const a = Number(m[1]), b = Number(m[2]);
  return b > a ? [a, b] : null;
}
