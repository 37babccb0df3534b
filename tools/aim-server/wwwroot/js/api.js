// The server's endpoints (docs/http-api.md), read with the page's own stream decoder.
import { readStream, ApiError } from "./decoder.js";

/** The metric search's highest density (AimServerOptions.MaxDensity). */
export const MAX_DENSITY = 100000;

/**
 * Streams a search: `onRun(run, hash)` per run object as it arrives, `onProgress([sent, total])` per progress record.
 * Rejects with ApiError (a 400 with the server's message) or StreamError.
 */
export async function streamSearch(path, params, { onRun, onProgress, signal }) {
  const url = `/api/runs/search/${path}?${new URLSearchParams(params)}`;
  const response = await fetch(url, { signal, cache: "no-store" });
  return readStream(response, (obj) => {
    if (obj.kind === "data") onRun?.(obj.value, String(obj.key));
    else if (obj.kind === "progress") onProgress?.(obj.value);
  }, { signal });
}

/** The run document of `/api/runs/{hash}`. */
export async function getRun(hash, signal) {
  const response = await fetch(`/api/runs/${encodeURIComponent(hash)}`, { signal, cache: "no-store" });
  if (!response.ok) throw await ApiError.from(response);
  return response.json();
}

/** The union of every run's params tree (`/api/projects/params`), for the columns the runs table may add. */
export async function getParams(signal) {
  const response = await fetch("/api/projects/params", { signal, cache: "no-store" });
  if (!response.ok) throw await ApiError.from(response);
  return (await response.json()).params ?? {};
}

/** AimQL for a list of run hashes (quotes in a hash cannot occur: hashes are hex). */
export function hashesQuery(hashes) {
  return `run.hash in [${hashes.map((h) => `'${String(h).replace(/[^0-9A-Za-z_-]/g, "")}'`).join(", ")}]`;
}
