// Values as text: numbers, times, durations, contexts and param values, all returned as plain strings.

/** A value from the repo as short text: numbers compact, objects as JSON, bytes by length. */
export function formatValue(value) {
  if (value === null || value === undefined) return "None";
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return `bytes(${value.length})`;
  if (ArrayBuffer.isView(value)) return `[${value.length} numbers]`;
  return json(value);
}

/** A number in at most 6 significant digits; NaN and infinities spelled out. */
export function formatNumber(x) {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) return x.toExponential(3);
  return String(Number(x.toPrecision(6)));
}

/** JSON of a value from the stream (BigInt as its digits, typed arrays summarized). */
export function json(value) {
  return JSON.stringify(value, (_, v) => {
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Uint8Array) return `bytes(${v.length})`;
    if (ArrayBuffer.isView(v)) return `[${v.length} numbers]`;
    if (typeof v === "number" && !Number.isFinite(v)) return formatNumber(v);
    return v;
  });
}

/** A context as text: `{}` for the empty one, else `key=value, ...`. */
export function formatContext(context) {
  const keys = context ? Object.keys(context) : [];
  if (keys.length === 0) return "{}";
  return keys.sort().map((k) => `${k}=${formatValue(context[k])}`).join(", ");
}

/** Unix seconds as a local date and time. */
export function formatTime(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "";
  const d = new Date(seconds * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration in seconds as `1h 02m`, `3m 04s` or `5.2s`. */
export function formatDuration(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return "";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${String(m).padStart(2, "0")}m` : `${m}m ${String(s % 60).padStart(2, "0")}s`;
}

/** The leaves of a params tree as [path, value] pairs, paths dotted (`hparams.lr`). Lists count as leaves. */
export function flattenParams(params, prefix = "", out = []) {
  if (!isBranch(params)) {
    if (prefix) out.push([prefix, params]);
    return out;
  }
  for (const key of Object.keys(params)) flattenParams(params[key], prefix ? `${prefix}.${key}` : key, out);
  return out;
}

/**
 * The dotted paths of the params leaves of many runs (as flattenParams names them), collected in a tree of the keys
 * seen so far: a run whose params have the keys of earlier runs costs a map lookup per key, and builds no string.
 */
export class ParamPaths {
  constructor() {
    this.seen = new Map(); // key -> { path, leaf, children }
    this.paths = new Set();
  }

  /** Adds the leaves of `params`. */
  add(params) {
    if (isBranch(params)) this.walk(params, this.seen, "");
  }

  walk(node, seen, prefix) {
    for (const key of Object.keys(node)) {
      const value = node[key];
      let entry = seen.get(key);
      if (entry === undefined) {
        entry = { path: prefix ? `${prefix}.${key}` : key, leaf: false, children: null };
        seen.set(key, entry);
      }
      if (isBranch(value)) {
        this.walk(value, (entry.children ??= new Map()), entry.path);
      } else if (!entry.leaf) {
        entry.leaf = true;
        this.paths.add(entry.path);
      }
    }
  }
}

/** A dict of params with keys below it (not a list, a column, or a custom object, which are leaves). */
function isBranch(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !ArrayBuffer.isView(value) && !("$type" in value);
}

/** The value at a dotted path of a params tree, or undefined. */
export function paramAt(params, path) {
  let node = params;
  for (const part of path.split(".")) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, part)) return undefined;
    node = node[part];
  }
  return node;
}
