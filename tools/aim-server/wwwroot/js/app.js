// The page's entry: a router over the URL fragment (#/runs, #/metrics, #/run/HASH; state.js), the live toggle, and
// window.aimlsm, a read-only handle on the current view for tests and for the curious (the charts' data model).
import { currentRoute } from "./state.js";
import { runsView } from "./runs.js";
import { metricsView } from "./metrics.js";
import { runPage } from "./runpage.js";

const LIVE_INTERVAL_MS = 3000;
let view = null;
let rendered = "";
let liveTimer = null;

function route() {
  const { view: name, arg, params } = currentRoute();
  const key = `${name}/${arg}`;
  if (key === rendered && view) return;
  rendered = key;
  view?.dispose();
  const root = document.getElementById("view");
  delete root.dataset.done;
  // The toggle is the page's, not a view's: a link turns it on, following a link inside the page keeps it.
  if (params.get("live") === "true") document.getElementById("live").checked = true;
  document.querySelectorAll("header nav a").forEach((a) => a.classList.toggle("current", a.id === `nav-${name}`));
  if (name === "metrics") view = metricsView(root, params);
  else if (name === "run" && arg) view = runPage(root, arg);
  else view = runsView(root, params);
  live();
}

function live() {
  clearInterval(liveTimer);
  liveTimer = null;
  if (document.getElementById("live").checked) {
    // The server refreshes its view of the repo every 2 s; polling every 3 s shows active runs growing.
    liveTimer = setInterval(() => view?.refresh(), LIVE_INTERVAL_MS);
  }
}

// The views write their own state with history.replaceState, which fires no hashchange: a hashchange is a link
// followed or a URL pasted, and the view is rebuilt from it.
window.addEventListener("hashchange", () => {
  rendered = "";
  route();
});
document.getElementById("live").addEventListener("change", () => {
  const url = new URL(location.href);
  const [path, query = ""] = url.hash.split("?");
  const params = new URLSearchParams(query);
  if (document.getElementById("live").checked) params.set("live", "true"); else params.delete("live");
  history.replaceState(null, "", `${path || "#/runs"}${params.toString() ? "?" + params : ""}`);
  live();
});

window.aimlsm = {
  route: () => currentRoute(),
  charts: () => view?.charts?.() ?? [],
  rows: () => (view?.rows?.() ?? []).map((r) => ({ hash: r.hash, name: r.name, experiment: r.experiment, tags: r.tags, active: r.active, params: r.params })),
  columns: () => view?.columns?.() ?? [],
  refresh: () => view?.refresh(),
};

route();
