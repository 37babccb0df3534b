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
  let i = start;
  while (i < end) {
    if (bytes[i] === SEP) {
      if (end - i < 10 || bytes[i + 9] !== SEP) {
        throw new StreamError(offset, "an int path segment is not 10 bytes ending in FE");
      }
      const view = new DataView(bytes.buffer, bytes.byteOffset + i + 1, 8);
      segments.push(toNumber(view.getBigInt64(0, false)));
      i += 10;
    } else {
      let j = i;
      while (j < end && bytes[j] !== SEP) j++;
      if (j === end) throw new StreamError(offset, "a str path segment does not end in FE");
      segments.push(decodeUtf8(bytes, i, j, offset));
      i = j + 1;
    }
  }
  return segments;
}

/** Reads a value (12.3). Containers come back empty; their children are later records. */
export function decodeValue(bytes, start, end, offset) {
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
    case 0x02: fixed(8); return toNumber(new DataView(bytes.buffer, bytes.byteOffset + start + 1, 8).getBigInt64(0, true));
    case 0x03: fixed(8); return new DataView(bytes.buffer, bytes.byteOffset + start + 1, 8).getFloat64(0, true);
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
    this.records = 0;
    this.version = null;
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
      this.record(data, keyStart, keyStart + keyLength, valueStart, valueStart + valueLength, offset);
      pos += size;
      this.base += size;
    }
    return pos;
  }

  record(data, keyStart, keyEnd, valueStart, valueEnd, offset) {
    const path = decodePath(data, keyStart, keyEnd, offset);
    const top = path[0];
    if (this.root === undefined || top !== this.top) {
      this.finishObject();
      this.top = top;
      this.root = undefined;
      this.objectOffset = offset;
    }
    this.records++;
    const value = decodeValue(data, valueStart, valueEnd, offset);
    if (path.length === 1) {
      if (this.root !== undefined) throw new StreamError(offset, `the object '${top}' is written twice`);
      this.root = value;
      return;
    }
    if (this.root === undefined) this.root = newDict(); // dicts are implicit (12.3: only empty ones are written)
    let node = this.root;
    for (let i = 1; i < path.length - 1; i++) {
      node = child(node, path[i], offset);
    }
    const last = path[path.length - 1];
    if (!isContainer(node)) throw new StreamError(offset, "a record is a child of a scalar");
    if (Array.isArray(node)) {
      if (typeof last !== "number") throw new StreamError(offset, `a str key '${last}' in a list`);
      if (node[last] !== undefined) throw new StreamError(offset, `the path ${formatPath(path)} is written twice`);
      node[last] = value;
    } else {
      if (Object.hasOwn(node, last)) throw new StreamError(offset, `the path ${formatPath(path)} is written twice`);
      node[last] = value;
    }
  }

  finishObject() {
    if (this.root === undefined) return;
    const key = this.top;
    let value = this.root;
    this.root = undefined;
    value = finishNumpy(value, this.objectOffset);
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

/**
 * Reads a fetch Response (or a ReadableStream of Uint8Arrays) to its end, calling `onObject` per object as it
 * arrives. A response that is not 200 becomes an ApiError carrying the server's JSON error; a connection that ends
 * before the stream does (the server's way to report an error after the first byte) becomes a StreamError.
 */
export async function readStream(source, onObject, { signal } = {}) {
  let body = source;
  if (typeof Response !== "undefined" && source instanceof Response) {
    if (!source.ok) throw await ApiError.from(source);
    body = source.body;
  }
  const decoder = new StreamDecoder(onObject);
  const reader = body.getReader();
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
      decoder.push(result.value);
    }
    decoder.end();
  } finally {
    reader.releaseLock?.();
  }
  return decoder;
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
