// The view's state in the URL (issue 17 point 5): `#/view?key=value&...`. A copied link reproduces the view:
// every control writes its state here (history.replaceState, so typing does not flood the history) and every view
// builds itself from here.

/** The current route: `{view, arg, params}` from `#/view/arg?params`. */
export function currentRoute() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = splitOnce(hash, "?");
  const [view = "runs", arg = ""] = path.split("/").map((p) => decodeURIComponent(p));
  return { view: view || "runs", arg, params: new URLSearchParams(query) };
}

/** The URL fragment for a view and its state (empty values left out). */
export function routeHash(view, arg, state) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state ?? {})) {
    if (value === undefined || value === null || value === "" || value === false) continue;
    params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  const query = params.toString();
  return `#/${view}${arg ? "/" + encodeURIComponent(arg) : ""}${query ? "?" + query : ""}`;
}

/** Writes the state of the current view into the URL without a new history entry or a re-render. */
export function saveState(view, arg, state) {
  const hash = routeHash(view, arg, state);
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

/** A comma-separated list parameter. */
export function listParam(params, key) {
  const text = params.get(key);
  return text ? text.split(",").filter((s) => s.length > 0) : [];
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}
