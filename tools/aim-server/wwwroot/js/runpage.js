// The run page (issue 17 point 4): props, the params tree (each level built when it is opened), every sequence with
// its metadata (count, first and last step, last, min, max), and the run's metric charts. Image, text and other
// object sequences are listed with their counts; viewing them is left for a later issue, and the page says so.
import { el, clear, status } from "./dom.js";
import { getRun } from "./api.js";
import { formatValue, formatTime, formatDuration, formatContext } from "./format.js";
import { metricsView } from "./metrics.js";

const TYPES = ["metric", "images", "audios", "texts", "distributions", "figures", "other"];

/** Builds the page of run `hash` into `root`. */
export function runPage(root, hash) {
  let controller = null;
  let charts = null;
  const head = el("div", { class: "run-head" });
  const chartsNode = el("div", { class: "run-charts" });
  clear(root).append(el("section", { class: "run-page", "data-hash": hash }, head, chartsNode));

  async function load() {
    controller?.abort();
    controller = new AbortController();
    status(`loading run ${hash}…`);
    try {
      const run = await getRun(hash, controller.signal);
      render(run);
      status(`run ${hash}`);
      root.dataset.done = "true";
    } catch (e) {
      if (controller.signal.aborted) return;
      clear(head).append(el("div", { class: "query-error", role: "alert" }, e.message));
      status(e.message, true);
      root.dataset.done = "error";
    }
  }

  function render(run) {
    const props = run.props ?? {};
    const name = props.name == null ? hash : String(props.name);
    const created = props.creation_time;
    const end = props.end_time;
    clear(head).append(
      el("h1", { class: "run-name" }, name),
      el("table", { class: "props" }, el("tbody", {},
        row("hash", run.hash ?? hash),
        row("experiment", props.experiment?.name ?? ""),
        row("tags", Array.isArray(props.tags) ? props.tags.map((t) => String(t?.name ?? "")).join(", ") : ""),
        row("description", props.description ?? ""),
        row("created", formatTime(created)),
        row("ended", end == null ? "" : formatTime(end)),
        row("duration", formatDuration((typeof end === "number" ? end : Date.now() / 1000) - created)),
        row("active", props.active ? "yes" : "no"),
        row("archived", props.archived ? "yes" : "no"))),
      el("h2", {}, "Params"),
      paramsTree(run.params ?? {}),
      el("h2", {}, "Sequences"),
      sequences(run.traces ?? {}),
      el("h2", {}, "Charts"));
    if (!charts) charts = metricsView(chartsNode, new URLSearchParams(), { fixed: hash, save: false });
    else charts.refresh();
  }

  load();
  return { refresh: load, dispose: () => { controller?.abort(); charts?.dispose(); } };
}

function row(name, value) {
  return el("tr", {}, el("th", {}, name), el("td", {}, formatValue(value)));
}

/** The params tree: a dict or list is a <details> whose children are built the first time it opens. */
function paramsTree(params) {
  const keys = Object.keys(params);
  if (keys.length === 0) return el("p", { class: "empty" }, "no params");
  return el("ul", { class: "tree" }, keys.map((k) => node(k, params[k])));
}

function node(key, value) {
  const isList = Array.isArray(value);
  const isDict = value !== null && typeof value === "object" && !isList;
  if (!isList && !isDict) {
    return el("li", { class: "leaf" }, el("span", { class: "key" }, key), ": ", el("span", { class: "value" }, formatValue(value)));
  }
  const children = isList ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const summary = el("summary", {}, el("span", { class: "key" }, key), ` ${isList ? "list" : "dict"} (${children.length})`);
  const details = el("details", { "data-key": key }, summary);
  details.addEventListener("toggle", () => {
    if (details.open && !details.dataset.built) {
      details.dataset.built = "true";
      details.append(el("ul", { class: "tree" }, children.map(([k, v]) => node(k, v))));
    }
  });
  return el("li", {}, details);
}

function sequences(traces) {
  const out = el("div", { class: "sequences" });
  for (const type of TYPES) {
    const list = Array.isArray(traces[type]) ? traces[type] : [];
    if (list.length === 0 && type !== "metric") continue;
    out.append(el("h3", {}, `${type} (${list.length})`));
    if (type !== "metric" && list.length > 0) {
      out.append(el("p", { class: "later" }, `Viewing ${type} is left for a later issue: the sequences are listed with their counts.`));
    }
    if (list.length === 0) continue;
    out.append(el("table", { class: "sequence-table", "data-type": type },
      el("thead", {}, el("tr", {}, ["name", "context", "dtype", "count", "first step", "last step", "last", "min", "max"].map((h) => el("th", {}, h)))),
      el("tbody", {}, list.map((t) => {
        const v = t.values ?? {};
        return el("tr", { "data-name": String(t.name) },
          [t.name, formatContext(t.context), v.dtype, v.count, v.first_step, v.last_step, v.last, v.min, v.max]
            .map((x) => el("td", {}, x === undefined ? "" : formatValue(x))));
      }))));
  }
  return out;
}
