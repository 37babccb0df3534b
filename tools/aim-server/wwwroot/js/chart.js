// A line chart on canvas, our own (issue 17 point 6 allows it; README "The page" says why no library). Lines are
// given as chunks of x and y columns (Float64Arrays), appended as the stream brings them; a draw walks every point
// once and reduces each pixel column to its first, lowest, highest and last point (an M4 reduction), so drawing a
// 1,000,000-point line costs one pass over the numbers plus a few thousand canvas segments, and stays far below the
// browser's long-task threshold. Draws are coalesced to one per animation frame.
//
// Interaction: a crosshair that reads every line at the cursor's x (nearest point, binary search) into the legend,
// which floats beside the cursor inside the chart's box (on the cursor's left near the right edge, lifted near the
// bottom, never outside: it is clamped to the box and cut to its size); dragging selects an x range (onZoom(x0, x1)); a double click resets (onZoom(null)). Text on the canvas goes through
// fillText and the legend through text nodes: names from the repo are never markup.
import { el, clear } from "./dom.js";
import { formatNumber } from "./format.js";

const MARGIN = { left: 64, right: 16, top: 12, bottom: 34 };
const HEIGHT = 280;

/** One chart. `lines`: [{id, label, detail, color, dash, xs: [Float64Array], ys: [Float64Array], band?}]. */
export class Chart {
  constructor(title, { onZoom, xLabel = "step", yLog = false, readout } = {}) {
    this.title = title;
    this.xDomain = null; // [x0, x1]: the x range shown, whatever the points span (a zoom); null: the points' range
    this.lines = [];
    this.bands = [];
    this.onZoom = onZoom;
    this.xLabel = xLabel;
    this.yLog = yLog;
    this.readout = readout ?? ((y) => formatNumber(yLog ? 10 ** y : y));
    this.draws = 0;
    this.queued = false;
    this.drag = null;
    this.canvas = el("canvas", { class: "plot" });
    this.overlay = el("canvas", { class: "overlay" });
    this.legend = el("div", { class: "legend", "aria-live": "off", hidden: true });
    this.note = el("div", { class: "chart-note", role: "status" });
    this.element = el("figure", { class: "chart", "data-title": title, "data-lines": "0", "data-points": "0", "data-draws": "0" },
      el("figcaption", {}, title),
      el("div", { class: "stack" }, this.canvas, this.overlay, this.legend),
      this.note);
    this.element.chart = this;
    this.overlay.addEventListener("mousemove", (e) => this.hover(e));
    this.overlay.addEventListener("mouseleave", () => { this.drag = null; this.clearOverlay(); this.legend.hidden = true; });
    this.overlay.addEventListener("mousedown", (e) => { this.drag = { from: this.localX(e), to: this.localX(e) }; });
    this.overlay.addEventListener("mouseup", (e) => this.endDrag(e));
    this.overlay.addEventListener("dblclick", () => this.onZoom?.(null));
  }

  /** Replaces the lines and bands and schedules a draw. */
  setLines(lines, bands = []) {
    this.lines = lines;
    this.bands = bands;
    this.invalidate();
  }

  /** Schedules one draw at the next animation frame (many updates in a frame draw once). */
  invalidate() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.draw();
    });
  }

  /** What the chart holds, for tests and the page's state: one entry per line. */
  model() {
    return this.lines.map((line) => ({
      id: line.id, label: line.label, detail: line.detail, color: line.color, dash: line.dash.join(","),
      points: count(line.xs), first: firstX(line), last: lastX(line),
    }));
  }

  bounds() {
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    const visit = (xs, ys) => {
      for (let c = 0; c < xs.length; c++) {
        const box = chunkBounds(xs[c], ys[c]);
        if (box.x0 < x0) x0 = box.x0;
        if (box.x1 > x1) x1 = box.x1;
        if (box.y0 < y0) y0 = box.y0;
        if (box.y1 > y1) y1 = box.y1;
      }
    };
    for (const line of this.lines) visit(line.xs, line.ys);
    for (const band of this.bands) { visit([band.xs], [band.lo]); visit([band.xs], [band.hi]); }
    if (!Number.isFinite(x0)) return null;
    // A zoomed chart shows the zoom's range from its first chunk on (and keeps its x scale while the points stream in).
    if (this.xDomain) [x0, x1] = this.xDomain;
    if (x0 === x1) { x0 -= 1; x1 += 1; }
    if (y0 === y1) { y0 -= 1; y1 += 1; }
    const pad = (y1 - y0) * 0.05;
    return { x0, x1, y0: y0 - pad, y1: y1 + pad };
  }

  draw() {
    const width = Math.max(200, this.element.clientWidth || 600);
    const ratio = window.devicePixelRatio || 1;
    for (const canvas of [this.canvas, this.overlay]) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(HEIGHT * ratio);
      canvas.style.width = width + "px";
      canvas.style.height = HEIGHT + "px";
    }
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    this.width = width;
    const b = this.bounds();
    this.scale = b;
    let points = 0;
    if (b) {
      this.drawAxes(ctx, b, width);
      ctx.save();
      ctx.beginPath();
      ctx.rect(MARGIN.left, MARGIN.top, width - MARGIN.left - MARGIN.right, HEIGHT - MARGIN.top - MARGIN.bottom);
      ctx.clip();
      for (const band of this.bands) this.drawBand(ctx, band, b);
      for (const line of this.lines) points += this.drawLine(ctx, line, b);
      ctx.restore();
    }
    this.draws++;
    // For the speed figures (engine.bench frontend): when lines first reached the screen, and the latest draw.
    if (points > 0 && !this.element.dataset.firstDrawAt) this.element.dataset.firstDrawAt = String(performance.now());
    this.element.dataset.lastDrawAt = String(performance.now());
    this.element.dataset.lines = String(this.lines.length);
    this.element.dataset.points = String(points);
    this.element.dataset.draws = String(this.draws);
  }

  px(x, b) { return MARGIN.left + ((x - b.x0) / (b.x1 - b.x0)) * (this.width - MARGIN.left - MARGIN.right); }
  py(y, b) { return MARGIN.top + (1 - (y - b.y0) / (b.y1 - b.y0)) * (HEIGHT - MARGIN.top - MARGIN.bottom); }
  xAt(px, b) { return b.x0 + ((px - MARGIN.left) / (this.width - MARGIN.left - MARGIN.right)) * (b.x1 - b.x0); }

  drawAxes(ctx, b, width) {
    ctx.strokeStyle = "#d0d4da";
    ctx.fillStyle = "#444";
    ctx.lineWidth = 1;
    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of ticks(b.x0, b.x1, Math.max(2, Math.floor(width / 110)))) {
      const x = Math.round(this.px(t, b)) + 0.5;
      line(ctx, x, MARGIN.top, x, HEIGHT - MARGIN.bottom);
      ctx.fillText(formatNumber(t), x, HEIGHT - MARGIN.bottom + 4);
    }
    ctx.fillText(this.xLabel, MARGIN.left + (width - MARGIN.left - MARGIN.right) / 2, HEIGHT - 14);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of ticks(b.y0, b.y1, 6)) {
      const y = Math.round(this.py(t, b)) + 0.5;
      line(ctx, MARGIN.left, y, width - MARGIN.right, y);
      ctx.fillText(this.yLog ? formatNumber(10 ** t) : formatNumber(t), MARGIN.left - 6, y);
    }
  }

  // M4: per pixel column the first, lowest, highest and last point, in that order; NaN breaks the line. The columns
  // of a line are kept between draws (reduce): while the x scale stays (a zoomed chart's x range is the zoom's), a
  // draw reduces only the chunks that arrived since the last one and then walks the pixel columns, so drawing a
  // 1,000,000-point line as it streams in never walks all its points again. A line with NaNs is drawn point by point.
  drawLine(ctx, line, b) {
    ctx.strokeStyle = line.color;
    ctx.globalAlpha = line.alpha ?? 1;
    ctx.lineWidth = line.width ?? 1.5;
    ctx.setLineDash(line.dash);
    ctx.beginPath();
    const sxReduced = (this.width - MARGIN.left - MARGIN.right) / (b.x1 - b.x0);
    const reduced = reduce(line, b.x0, sxReduced, Math.floor(this.width - MARGIN.left - MARGIN.right) + 1);
    if (!reduced.gap) {
      const sy = (HEIGHT - MARGIN.top - MARGIN.bottom) / (b.y1 - b.y0);
      const y = (v) => MARGIN.top + (b.y1 - v) * sy;
      let open = false;
      for (let c = 0; c < reduced.columns; c++) {
        const first = reduced.first[c];
        if (Number.isNaN(first)) continue;
        const x = MARGIN.left + c, lo = reduced.lo[c], hi = reduced.hi[c], last = reduced.last[c];
        if (!open) { ctx.moveTo(x, y(first)); open = true; } else ctx.lineTo(x, y(first));
        if (lo !== first) ctx.lineTo(x, y(lo));
        if (hi !== lo) ctx.lineTo(x, y(hi));
        if (last !== hi) ctx.lineTo(x, y(last));
      }
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
      return reduced.points;
    }
    let column = NaN, first = 0, lo = 0, hi = 0, last = 0, open = false, points = 0;
    const flush = () => {
      if (Number.isNaN(column)) return;
      if (!open) { ctx.moveTo(column, first); open = true; } else ctx.lineTo(column, first);
      if (lo !== first) ctx.lineTo(column, lo);
      if (hi !== lo) ctx.lineTo(column, hi);
      if (last !== hi) ctx.lineTo(column, last);
    };
    const sx = (this.width - MARGIN.left - MARGIN.right) / (b.x1 - b.x0);
    const sy = (HEIGHT - MARGIN.top - MARGIN.bottom) / (b.y1 - b.y0);
    for (let c = 0; c < line.xs.length; c++) {
      const xs = line.xs[c], ys = line.ys[c];
      points += xs.length;
      for (let i = 0; i < xs.length; i++) {
        const y = ys[i];
        if (!Number.isFinite(y)) { flush(); column = NaN; open = false; continue; }
        const px = Math.round(MARGIN.left + (xs[i] - b.x0) * sx);
        const py = MARGIN.top + (b.y1 - y) * sy;
        if (px !== column) {
          flush();
          column = px; first = lo = hi = last = py;
        } else {
          if (py < hi) hi = py; // canvas y grows downwards: "highest" is the smallest py
          if (py > lo) lo = py;
          last = py;
        }
      }
    }
    flush();
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
    return points;
  }

  drawBand(ctx, band, b) {
    ctx.fillStyle = band.color;
    ctx.globalAlpha = 0.18;
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < band.xs.length; i++) {
      if (!Number.isFinite(band.hi[i])) continue;
      const x = this.px(band.xs[i], b), y = this.py(band.hi[i], b);
      if (!started) { ctx.moveTo(x, y); started = true; } else ctx.lineTo(x, y);
    }
    for (let i = band.xs.length - 1; i >= 0; i--) {
      if (!Number.isFinite(band.lo[i])) continue;
      ctx.lineTo(this.px(band.xs[i], b), this.py(band.lo[i], b));
    }
    ctx.closePath();
    ctx.fill();
    ctx.globalAlpha = 1;
  }

  localX(e) {
    const rect = this.overlay.getBoundingClientRect();
    return e.clientX - rect.left;
  }

  localY(e) {
    const rect = this.overlay.getBoundingClientRect();
    return e.clientY - rect.top;
  }

  clearOverlay() {
    const ctx = this.overlay.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
  }

  /** Crosshair: a vertical line at the cursor, a dot on every line at its nearest point, the values in the legend. */
  hover(e) {
    const b = this.scale;
    if (!b) return;
    const px = this.localX(e);
    if (this.drag) this.drag.to = px;
    const x = this.xAt(px, b);
    const ratio = window.devicePixelRatio || 1;
    const ctx = this.overlay.getContext("2d");
    this.clearOverlay();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    if (this.drag && Math.abs(this.drag.to - this.drag.from) > 2) {
      ctx.fillStyle = "rgba(60, 110, 200, 0.15)";
      ctx.fillRect(Math.min(this.drag.from, this.drag.to), MARGIN.top, Math.abs(this.drag.to - this.drag.from), HEIGHT - MARGIN.top - MARGIN.bottom);
    }
    ctx.strokeStyle = "#888";
    line(ctx, px + 0.5, MARGIN.top, px + 0.5, HEIGHT - MARGIN.bottom);
    const rows = [];
    for (const l of this.lines) {
      const hit = nearest(l, x);
      if (!hit) continue;
      ctx.fillStyle = l.color;
      ctx.beginPath();
      ctx.arc(this.px(hit.x, b), this.py(hit.y, b), 3, 0, Math.PI * 2);
      ctx.fill();
      rows.push({ line: l, hit });
    }
    this.showLegend(x, rows);
    this.placeLegend(px, this.localY(e));
  }

  /** Puts the legend beside the cursor at (px, py), inside the chart's box: left of the cursor when the right side
   * has no room, lifted when the bottom has none, and clamped to the box (app.css caps its size to the box's). */
  placeLegend(px, py) {
    const GAP = 14, EDGE = 4;
    const legend = this.legend;
    legend.hidden = false;
    const w = legend.offsetWidth, h = legend.offsetHeight;
    const width = Math.min(this.width ?? Infinity, legend.parentNode.clientWidth);
    let left = px + GAP;
    if (left + w > width - EDGE) left = px - GAP - w;
    left = Math.max(EDGE, Math.min(left, width - EDGE - w));
    let top = py + GAP;
    if (top + h > HEIGHT - EDGE) top = HEIGHT - EDGE - h;
    top = Math.max(EDGE, top);
    legend.style.left = `${Math.round(left)}px`;
    legend.style.top = `${Math.round(top)}px`;
  }

  showLegend(x, rows) {
    clear(this.legend);
    this.legend.append(el("div", { class: "legend-x" }, `${this.xLabel} ${formatNumber(x)}`));
    for (const { line, hit } of rows.slice(0, 40)) {
      const swatch = el("span", { class: "swatch" });
      swatch.style.background = line.color;
      this.legend.append(el("div", { class: "legend-row", "data-line": line.id }, swatch,
        el("span", { class: "legend-label" }, line.label), " ",
        el("span", { class: "legend-detail" }, line.detail), " ",
        el("span", { class: "legend-value" }, `${this.readout(hit.y)} at ${formatNumber(hit.x)}`)));
    }
    if (rows.length > 40) this.legend.append(el("div", {}, `and ${rows.length - 40} more lines`));
  }

  endDrag(e) {
    const drag = this.drag;
    this.drag = null;
    if (!drag || !this.scale) return;
    const to = this.localX(e);
    if (Math.abs(to - drag.from) < 6) return;
    const a = this.xAt(Math.min(drag.from, to), this.scale);
    const c = this.xAt(Math.max(drag.from, to), this.scale);
    this.onZoom?.(a, c);
  }
}

// The M4 columns of each line for one x scale, keyed by the line's list of y chunks (which grows in place as the
// stream brings chunks; a new smoothing or axis makes a new list): chunks already reduced are not read again.
const reductions = new WeakMap();

/** The reduction of `line` to `columns` pixel columns (column = round((x - x0) * sx)), brought up to its last chunk.
 * Per column, in data units: the first, lowest, highest and last y. `gap` when a y is not finite (NaN breaks). */
function reduce(line, x0, sx, columns) {
  let r = reductions.get(line.ys);
  if (!r || r.x0 !== x0 || r.sx !== sx || r.columns !== columns || r.xs !== line.xs || r.done > line.ys.length) {
    // The old columns are reused when their count fits (a draw while a chart's x range still grows).
    const column = (old) => (old?.length === columns ? old : new Float64Array(columns)).fill(NaN);
    r = { x0, sx, columns, xs: line.xs, done: 0, points: 0, gap: false, first: column(r?.first), lo: column(r?.lo), hi: column(r?.hi), last: column(r?.last) };
    reductions.set(line.ys, r);
  }
  const { first, lo, hi, last } = r;
  for (; r.done < line.ys.length; r.done++) {
    const xs = line.xs[r.done], ys = line.ys[r.done];
    r.points += xs.length;
    for (let i = 0; i < xs.length; i++) {
      const y = ys[i];
      if (!Number.isFinite(y)) { r.gap = true; continue; }
      const c = Math.round((xs[i] - x0) * sx);
      if (!(c >= 0 && c < columns)) continue; // outside the x range drawn
      if (Number.isNaN(first[c])) {
        first[c] = lo[c] = hi[c] = last[c] = y;
      } else {
        if (y < lo[c]) lo[c] = y;
        if (y > hi[c]) hi[c] = y;
        last[c] = y;
      }
    }
  }
  return r;
}

// The bounds of each chunk, computed once: chunks never change once made (a new smoothing or axis makes new ones),
// so a draw while a 1,000,000-point line streams in reads its bounds per chunk, not per point.
const chunkBoxes = new WeakMap();

/** {x0, x1, y0, y1} of the finite points of one chunk (x in `xs`, y in `ys`); infinities when it has none. */
function chunkBounds(xs, ys) {
  let box = chunkBoxes.get(ys);
  if (box?.xs === xs) return box;
  box = { xs, x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity };
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i], y = ys[i];
    if (!Number.isFinite(y) || !Number.isFinite(x)) continue;
    if (x < box.x0) box.x0 = x;
    if (x > box.x1) box.x1 = x;
    if (y < box.y0) box.y0 = y;
    if (y > box.y1) box.y1 = y;
  }
  chunkBoxes.set(ys, box);
  return box;
}

/** The point of `line` nearest to x (its columns sorted by x), or null. */
export function nearest(line, x) {
  let best = null, bestDistance = Infinity;
  for (let c = 0; c < line.xs.length; c++) {
    const xs = line.xs[c];
    if (xs.length === 0) continue;
    let lo = 0, hi = xs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] < x) lo = mid + 1; else hi = mid;
    }
    for (const i of [lo - 1, lo]) {
      if (i < 0 || i >= xs.length || !Number.isFinite(line.ys[c][i])) continue;
      const d = Math.abs(xs[i] - x);
      if (d < bestDistance) { bestDistance = d; best = { x: xs[i], y: line.ys[c][i] }; }
    }
  }
  return best;
}

/** About `n` round tick values between a and b. */
export function ticks(a, b, n) {
  const span = b - a;
  if (!(span > 0) || !Number.isFinite(span)) return [];
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out = [];
  for (let t = Math.ceil(a / step) * step; t <= b + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  return out;
}

function line(ctx, x0, y0, x1, y1) {
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
}

function count(chunks) {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}

function firstX(line) {
  const c = line.xs.find((x) => x.length > 0);
  return c ? c[0] : null;
}

function lastX(line) {
  for (let i = line.xs.length - 1; i >= 0; i--) if (line.xs[i].length > 0) return line.xs[i][line.xs[i].length - 1];
  return null;
}
