// Pure functions over trace columns: the x axis (step, epoch, relative time), EMA smoothing, the log scale, and the
// aggregation of a group of lines into its mean with a min-max band (as Aim's UI offers). Columns are Float64Arrays
// kept in chunks as the stream delivered them; a derived chunk is computed once, carrying the smoothing state of
// the chunk before it, so a growing 1,000,000-point line is transformed once, not once per frame.

/** The x values of a piece for the axis: its steps, epochs, or seconds since the trace's first timestamp. */
export function xColumn(piece, axis, t0) {
  if (axis === "epoch") return piece.epochs ?? new Float64Array(piece.iters.length).fill(NaN);
  if (axis === "time") {
    const out = new Float64Array(piece.timestamps.length);
    for (let i = 0; i < out.length; i++) out[i] = piece.timestamps[i] - t0;
    return out;
  }
  return piece.iters;
}

/**
 * Smooths `values` by an exponential moving average with weight `alpha` (0: none), debiased as TensorBoard and Aim
 * do, starting from `carry` ({ema, weight}) and returning the new carry; NaNs pass through and do not move the mean.
 * Then takes log10 when `log` (values <= 0 become NaN: they have no place on a log axis).
 */
export function yColumn(values, alpha, log, carry) {
  const out = new Float64Array(values.length);
  let { ema, weight } = carry;
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    if (alpha > 0 && Number.isFinite(v)) {
      ema = alpha * ema + (1 - alpha) * v;
      weight = alpha * weight + (1 - alpha);
      v = ema / weight;
    }
    out[i] = log ? (v > 0 ? Math.log10(v) : NaN) : v;
  }
  return { column: out, carry: { ema, weight } };
}

/**
 * The mean and the min-max band of a group of lines over `bins` x positions between their common bounds, each line
 * read by linear interpolation between its points (a line counts only inside its own x range).
 */
export function aggregate(lines, bins = 240) {
  let x0 = Infinity, x1 = -Infinity;
  for (const line of lines) {
    for (const xs of line.xs) {
      if (xs.length === 0) continue;
      x0 = Math.min(x0, xs[0]);
      x1 = Math.max(x1, xs[xs.length - 1]);
    }
  }
  if (!Number.isFinite(x0)) return null;
  const n = x1 > x0 ? bins : 1;
  const xs = new Float64Array(n);
  const sum = new Float64Array(n), count = new Float64Array(n);
  const lo = new Float64Array(n).fill(Infinity), hi = new Float64Array(n).fill(-Infinity);
  for (let k = 0; k < n; k++) xs[k] = n === 1 ? x0 : x0 + ((x1 - x0) * k) / (n - 1);
  for (const line of lines) {
    const px = join(line.xs), py = join(line.ys);
    let j = 0;
    for (let k = 0; k < n; k++) {
      const x = xs[k];
      if (px.length === 0 || x < px[0] || x > px[px.length - 1]) continue;
      while (j < px.length - 1 && px[j + 1] < x) j++;
      let y;
      if (px[j] === x || j === px.length - 1) y = py[j];
      else {
        const t = (x - px[j]) / (px[j + 1] - px[j]);
        y = py[j] + t * (py[j + 1] - py[j]);
      }
      if (!Number.isFinite(y)) continue;
      sum[k] += y;
      count[k]++;
      if (y < lo[k]) lo[k] = y;
      if (y > hi[k]) hi[k] = y;
    }
  }
  const mean = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    mean[k] = count[k] > 0 ? sum[k] / count[k] : NaN;
    if (count[k] === 0) { lo[k] = NaN; hi[k] = NaN; }
  }
  return { xs, mean, lo, hi };
}

function join(chunks) {
  if (chunks.length === 1) return chunks[0];
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Float64Array(n);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}
