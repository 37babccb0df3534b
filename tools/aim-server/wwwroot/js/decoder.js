// The stream decoder (docs/format.md, section 14): records framed as u32 key length | key | u32 value length | value,
// keys are encoded paths (12.2), values encoded values (12.3); consecutive records with the same first path segment
// fold into one top-level object (14.2). The decoder is incremental: push() takes the bytes of each read as they come,
// records may be split across reads at any byte, and an object is handed out as soon as the next object's first
// record shows that it is complete (or at end()). Numeric columns (numpy encodables, 14.4) become Float64Arrays.
// Errors name the byte offset in the stream, as the .NET reader's StreamFormatException does.

const SEP = 0xfe;
const MARKER_KEY = "progress_aimlsm_stream";
/** The highest stream format version this decoder reads (format.md 14.8). */
export const FORMAT_VERSION = 2;
/** A length above this is damage, refused as soon as its four bytes arrive (the .NET reader's default). */
export const MAX_RECORD_SIZE = 64 * 1024 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A stream that is not in the format, or that ended inside a record. `offset` is the byte offset in the stream. */
export class StreamError extends Error {
  constructor(offset, message) {
    super(`stream error at byte ${offset}: ${message}`);
    this.name = "StreamError";
    this.offset = offset;
  }
}

/** Reads a path (12.2) into an array of segments: strings, and numbers (BigInt beyond 2^53). */
export function decodePath(bytes, start, end, offset) {
  const segments = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = start; i < end;) {
    const next = segmentEnd(bytes, i, end, offset);
    segments.push(decodeSegment(bytes, view, i, next, offset));
    i = next;
  }
  return segments;
}

/** Reads a value (12.3). Containers come back empty; their children are later records. */
export function decodeValue(bytes, start, end, offset) {
  return valueAt(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), start, end, offset);
}

/** The end (exclusive, past its FE) of the path segment that starts at `i`. */
function segmentEnd(bytes, i, end, offset) {
  if (bytes[i] === SEP) {
    if (end - i < 10 || bytes[i + 9] !== SEP) throw new StreamError(offset, "an int path segment is not 10 bytes ending in FE");
    return i + 10;
  }
  let j = i;
  while (j < end && bytes[j] !== SEP) j++;
  if (j === end) throw new StreamError(offset, "a str path segment does not end in FE");
  return j + 1;
}

/** The segment in bytes [i, next): an int (FE, 8 bytes big-endian, FE) or a str (UTF-8, FE). */
function decodeSegment(bytes, view, i, next, offset) {
  if (bytes[i] === SEP) {
    const hi = view.getInt32(i + 1, false);
    // Exactly representable without a BigInt (|x| < 2^53); list indexes always are.
    if (hi > -0x200000 && hi < 0x200000) return hi * 4294967296 + view.getUint32(i + 5, false);
    return toNumber(view.getBigInt64(i + 1, false));
  }
  return decodeUtf8(bytes, i, next - 1, offset);
}

/** A value (12.3) in bytes [start, end); `view` is a DataView over the whole of `bytes`. */
function valueAt(bytes, view, start, end, offset) {
  if (end <= start) throw new StreamError(offset, "a record has an empty value (Aim's blob sentinel has no meaning in a stream)");
  const type = bytes[start];
  const length = end - start - 1;
  const fixed = (n) => {
    if (length !== n) throw new StreamError(offset, `a value of type ${hex(type)} has ${length} payload bytes, not ${n}`);
  };
  switch (type) {
    case 0x00: fixed(0); return null;
    case 0x01:
      fixed(1);
      if (bytes[start + 1] > 1) throw new StreamError(offset, `a bool is ${bytes[start + 1]}, not 0 or 1`);
      return bytes[start + 1] === 1;
    case 0x02: {
      fixed(8);
      const hi = view.getInt32(start + 5, true);
      if (hi > -0x200000 && hi < 0x200000) return hi * 4294967296 + view.getUint32(start + 1, true);
      return toNumber(view.getBigInt64(start + 1, true));
    }
    case 0x03: fixed(8); return view.getFloat64(start + 1, true);
    case 0x04: return decodeUtf8(bytes, start + 1, end, offset);
    case 0x05: return bytes.slice(start + 1, end);
    case 0x06: fixed(0); return [];
    case 0x07: fixed(0); return newDict();
    case 0x0f: {
      if (length === 0) throw new StreamError(offset, "a custom object has no type name");
      const obj = newDict();
      obj.$type = decodeUtf8(bytes, start + 1, end, offset);
      return obj;
    }
    default: throw new StreamError(offset, `unknown value type byte ${hex(type)}`);
  }
}

/**
 * The incremental decoder. `onObject({key, kind, value, offset})` is called once per top-level object, kind being
 * "marker", "progress" or "data". Not reentrant: one stream per decoder.
 *
 * Consecutive records share most of their key (a run's hash, `params`, `hparams`, ...), so the decoder keeps the
 * previous key's bytes, its decoded segments and the containers its path went through: a path segment that lies
 * wholly inside the bytes both keys share is the same segment (a segment's bytes decide it, from its start), and the
 * container reached through the same leading segments of the same object is the same container. Only the rest of
 * a key is decoded and walked. A run search of 10,000 runs is 380,000 records; this halves the work per record.
 */
export class StreamDecoder {
  constructor(onObject) {
    this.onObject = onObject;
    this.parts = [];      // bytes of an incomplete record, not yet joined
    this.partsLength = 0;
    this.need = 0;        // bytes needed in parts before parsing can go on
    this.base = 0;        // stream offset of the first byte not yet consumed
    this.top = undefined; // the current object's first segment
    this.root = undefined;
    this.objectOffset = 0;
    this.hasBytes = false; // the current object holds a bytes value (so maybe a numpy column to finish)
    this.records = 0;
    this.version = null;
    // The previous record's key: its bytes, its segments and where each ends (past its FE), and nodes[d], the
    // container at depth d of its path (nodes[0] the object's root), valid for d < nodeCount.
    this.key = new Uint8Array(256);
    this.keyLength = 0;
    this.segments = [];
    this.segmentEnds = [];
    this.segmentCount = 0;
    this.nodes = [];
    this.nodeCount = 0;
  }

  /** Decodes the complete records in `chunk` (a Uint8Array), keeping a split record's bytes for the next push. */
  push(chunk) {
    if (chunk.length === 0) return;
    let data = chunk;
    if (this.parts.length > 0) {
      this.parts.push(chunk);
      this.partsLength += chunk.length;
      if (this.partsLength < this.need) return;
      data = join(this.parts, this.partsLength);
      this.parts = [];
      this.partsLength = 0;
    }
    const pos = this.parse(data);
    if (pos < data.length) {
      // Copied: the caller may reuse its buffer (a fetch reader does not, but a test's may).
      const rest = data.slice(pos);
      this.parts.push(rest);
      this.partsLength = rest.length;
    }
  }

  /** Ends the stream: hands out the last object; throws StreamError when the stream stopped inside a record. */
  end() {
    if (this.partsLength > 0) {
      const data = join(this.parts, this.partsLength);
      throw new StreamError(this.base, truncation(data));
    }
    this.finishObject();
  }

  parse(data) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let pos = 0;
    const n = data.length;
    for (;;) {
      const offset = this.base;
      if (n - pos < 4) { this.need = 4; break; }
      const keyLength = view.getUint32(pos, true);
      if (keyLength > MAX_RECORD_SIZE) throw new StreamError(offset, `a key length of ${keyLength} bytes is above the limit of ${MAX_RECORD_SIZE}`);
      if (n - pos < 8 + keyLength) { this.need = 8 + keyLength; break; }
      const valueLength = view.getUint32(pos + 4 + keyLength, true);
      if (valueLength > MAX_RECORD_SIZE) throw new StreamError(offset, `a value length of ${valueLength} bytes is above the limit of ${MAX_RECORD_SIZE}`);
      const size = 8 + keyLength + valueLength;
      if (n - pos < size) { this.need = size; break; }
      if (keyLength === 0) throw new StreamError(offset, "a record has an empty key");
      const keyStart = pos + 4;
      const valueStart = keyStart + keyLength + 4;
      this.record(data, view, keyStart, keyStart + keyLength, valueStart, valueStart + valueLength, offset);
      pos += size;
      this.base += size;
    }
    return pos;
  }

  /** Reads the key [keyStart, keyEnd) into this.segments, decoding only what differs from the previous key. */
  readKey(data, view, keyStart, keyEnd, offset) {
    const length = keyEnd - keyStart;
    let key = this.key;
    let common = 0;
    const shared = Math.min(length, this.keyLength);
    while (common < shared && data[keyStart + common] === key[common]) common++;
    let count = 0;
    while (count < this.segmentCount && this.segmentEnds[count] <= common) count++;
    const reused = count;
    if (length > key.length) {
      const grown = new Uint8Array(Math.max(length, key.length * 2));
      grown.set(key.subarray(0, common));
      key = this.key = grown;
    }
    key.set(data.subarray(keyStart + common, keyEnd), common);
    this.keyLength = length;
    // Marked empty until decoded: a key that fails to decode leaves nothing to reuse.
    this.segmentCount = reused;
    for (let i = reused === 0 ? 0 : this.segmentEnds[reused - 1]; i < length;) {
      const next = segmentEnd(data, keyStart + i, keyEnd, offset) - keyStart;
      this.segments[count] = decodeSegment(data, view, keyStart + i, keyStart + next, offset);
      this.segmentEnds[count] = next;
      count++;
      i = next;
    }
    this.segmentCount = count;
    return reused;
  }

  record(data, view, keyStart, keyEnd, valueStart, valueEnd, offset) {
    const reused = this.readKey(data, view, keyStart, keyEnd, offset);
    const path = this.segments;
    const depth = this.segmentCount;
    const top = path[0];
    if (this.root === undefined || top !== this.top) {
      this.finishObject();
      this.top = top;
      this.root = undefined;
      this.objectOffset = offset;
      this.hasBytes = false;
      this.nodeCount = 0;
    }
    this.records++;
    const value = valueAt(data, view, valueStart, valueEnd, offset);
    if (value instanceof Uint8Array) this.hasBytes = true;
    if (depth === 1) {
      if (this.root !== undefined) throw new StreamError(offset, `the object '${top}' is written twice`);
      this.root = value;
      this.nodeCount = 0;
      return;
    }
    if (this.root === undefined) this.root = newDict(); // dicts are implicit (12.3: only empty ones are written)
    // nodes[d] depends on path[0..d] only: those of the shared segments are still right.
    const nodes = this.nodes;
    let d = Math.min(reused, this.nodeCount);
    if (d === 0) {
      nodes[0] = this.root;
      d = 1;
    }
    this.nodeCount = 0; // until the walk below succeeds
    for (; d < depth - 1; d++) nodes[d] = child(nodes[d - 1], path[d], offset);
    this.nodeCount = depth - 1;
    const node = nodes[depth - 2];
    const last = path[depth - 1];
    if (!isContainer(node)) throw new StreamError(offset, "a record is a child of a scalar");
    if (Array.isArray(node)) {
      if (typeof last !== "number") throw new StreamError(offset, `a str key '${last}' in a list`);
      if (node[last] !== undefined) throw new StreamError(offset, `the path ${formatPath(path.slice(0, depth))} is written twice`);
      node[last] = value;
    } else {
      if (Object.hasOwn(node, last)) throw new StreamError(offset, `the path ${formatPath(path.slice(0, depth))} is written twice`);
      node[last] = value;
    }
  }

  finishObject() {
    if (this.root === undefined) return;
    const key = this.top;
    let value = this.root;
    this.root = undefined;
    if (this.hasBytes) value = finishNumpy(value, this.objectOffset); // a numpy column holds its numbers as bytes
    let kind = "data";
    if (key === MARKER_KEY) {
      kind = "marker";
      if (!Array.isArray(value) || value.length !== 3 || typeof value[2] !== "number") {
        throw new StreamError(this.objectOffset, "the marker is not a list of three ints");
      }
      if (value[2] > FORMAT_VERSION) {
        throw new StreamError(this.objectOffset, `the stream has format version ${value[2]}; this page reads versions up to ${FORMAT_VERSION}`);
      }
      this.version = value[2];
    } else if (typeof key === "string" && key.startsWith("progress")) {
      kind = "progress";
    }
    this.onObject({ key, kind, value, offset: this.objectOffset });
  }
}

/** Bytes decoded at most in one go: a read of several megabytes is decoded in pieces of this size. */
export const SLICE_BYTES = 256 * 1024;
/** Milliseconds of decoding (and of `onObject`'s work) after which readStream lets the page's other tasks run. */
export const SLICE_MS = 8;

/**
 * Reads a fetch Response (or a ReadableStream of Uint8Arrays) to its end, calling `onObject` per object as it
 * arrives. A response that is not 200 becomes an ApiError carrying the server's JSON error; a connection that ends
 * before the stream does (the server's way to report an error after the first byte) becomes a StreamError.
 * The decoding gives the main thread back every SLICE_MS (scheduler.yield, else a zero timeout), so that a stream of
 * a million points never holds the page in one long task: input, drawing and the next read run in between.
 */
export async function readStream(source, onObject, { signal } = {}) {
  let body = source;
  if (typeof Response !== "undefined" && source instanceof Response) {
    if (!source.ok) throw await ApiError.from(source);
    body = source.body;
  }
  const decoder = new StreamDecoder(onObject);
  const reader = body.getReader();
  let sliceStarted = performance.now();
  try {
    for (;;) {
      let result;
      try {
        result = await reader.read();
      } catch (e) {
        if (signal?.aborted) throw e;
        throw new StreamError(decoder.base + decoder.partsLength, `the connection ended before the stream did (${e.message}): the server stopped it after an error`);
      }
      if (result.done) break;
      const bytes = result.value;
      for (let at = 0; at < bytes.length; at += SLICE_BYTES) {
        decoder.push(bytes.length <= SLICE_BYTES ? bytes : bytes.subarray(at, Math.min(at + SLICE_BYTES, bytes.length)));
        if (performance.now() - sliceStarted > SLICE_MS) {
          await yieldToPage();
          signal?.throwIfAborted();
          sliceStarted = performance.now();
        }
      }
    }
    decoder.end();
  } finally {
    reader.releaseLock?.();
  }
  return decoder;
}

/** Lets the page's pending tasks (input, animation frames, timers) run before going on. */
function yieldToPage() {
  if (typeof globalThis.scheduler?.yield === "function") return globalThis.scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A JSON error the server answered with (docs/http-api.md, "Status codes and errors"). */
export class ApiError extends Error {
  constructor(status, body) {
    const detail = body?.detail ?? {};
    super(`${body?.message ?? "HTTP " + status}: ${detail.error ?? detail.text ?? JSON.stringify(body)}`);
    this.name = "ApiError";
    this.status = status;
    this.kind = body?.message ?? null;
    this.detail = detail;
  }

  static async from(response) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = { message: `HTTP ${response.status}`, detail: { error: response.statusText } };
    }
    return new ApiError(response.status, body);
  }
}

/** Replaces every numpy encodable (14.4) in `value` by a Float64Array (int64 columns too: NaN for long.MinValue). */
function finishNumpy(value, offset) {
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = finishNumpy(value[i], offset);
    return value;
  }
  if (value.type === "numpy" && value.blob instanceof Uint8Array) return numpyColumn(value, offset);
  for (const key of Object.keys(value)) value[key] = finishNumpy(value[key], offset);
  return value;
}

function numpyColumn(encodable, offset) {
  const { blob, dtype } = encodable;
  const shape = Number(encodable.shape);
  if (blob.length !== shape * 8) {
    throw new StreamError(offset, `a numpy column of shape ${shape} has ${blob.length} bytes, not ${shape * 8}`);
  }
  // The blob is its own copy (decodeValue slices it), so its buffer starts at offset 0 and is 8-aligned.
  if (dtype === "float64") return new Float64Array(blob.buffer, blob.byteOffset, shape);
  if (dtype === "int64") {
    const ints = new BigInt64Array(blob.buffer, blob.byteOffset, shape);
    const out = new Float64Array(shape);
    for (let i = 0; i < shape; i++) out[i] = ints[i] === -9223372036854775808n ? NaN : Number(ints[i]);
    return out;
  }
  throw new StreamError(offset, `a numpy column has dtype '${dtype}'; this page reads float64 and int64`);
}

function child(node, segment, offset) {
  if (!isContainer(node)) throw new StreamError(offset, "a record is a child of a scalar");
  let next = Array.isArray(node) ? node[segment] : (Object.hasOwn(node, segment) ? node[segment] : undefined);
  if (next === undefined) {
    if (Array.isArray(node) && typeof segment !== "number") throw new StreamError(offset, `a str key '${segment}' in a list`);
    next = newDict();
    node[segment] = next;
  }
  return next;
}

function isContainer(node) {
  return node !== null && typeof node === "object" && !(node instanceof Uint8Array);
}

// Dicts without a prototype: a key named __proto__ or constructor from the repo is a plain key, not a prototype change.
function newDict() {
  return Object.create(null);
}

function toNumber(big) {
  return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
}

function decodeUtf8(bytes, start, end, offset) {
  // Keys and most values are short ASCII (hashes, field names): building those directly is several times faster
  // than a TextDecoder call, which dominates decoding a run search of 10,000 runs.
  if (end - start <= 32) {
    let ascii = true;
    for (let i = start; i < end; i++) if (bytes[i] >= 0x80) { ascii = false; break; }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end));
  }
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch {
    throw new StreamError(offset, "a string is not valid UTF-8");
  }
}

function join(parts, length) {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function truncation(data) {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 4) return `the stream ended inside a record's key length (${data.length} of 4 bytes)`;
  const keyLength = view.getUint32(0, true);
  if (data.length < 4 + keyLength) return `the stream ended inside a record's key (${data.length - 4} of ${keyLength} bytes)`;
  if (data.length < 8 + keyLength) return `the stream ended inside a record's value length (${data.length - 4 - keyLength} of 4 bytes)`;
  const valueLength = view.getUint32(4 + keyLength, true);
  return `the stream ended inside a record's value (${data.length - 8 - keyLength} of ${valueLength} bytes)`;
}

function formatPath(path) {
  return "(" + path.map((s) => (typeof s === "string" ? `'${s}'` : String(s))).join(", ") + ")";
}

function hex(byte) {
  return byte.toString(16).padStart(2, "0").toUpperCase();
}
