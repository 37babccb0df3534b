// The runs view (issue 17 point 2): an AimQL search box with the last queries remembered, the server's error under
// it with the offending span marked, and a table that fills as the run search streams: hash, name, experiment, tags,
// created, duration, active, and hparams as columns the user adds or removes; sort by any column; select runs to
// compare. The table is virtualized (only the rows on screen are in the DOM) so 10,000 runs stay fast, and every
// row is reachable by scrolling. The run search sends only the params shown as columns (`params=`; most of a run
// object is its params); adding a column searches again, and the columns one may add come from /api/projects/params,
// asked for once the table is full.
import { el, clear, status } from "./dom.js";
import { streamSearch, getParams } from "./api.js";
import { formatValue, formatTime, formatDuration, ParamPaths, paramAt } from "./format.js";
import { saveState, listParam, routeHash } from "./state.js";
import { queryBox, showQueryError } from "./querybox.js";

const ROW_HEIGHT = 26;
const OVERSCAN = 10;

const FIXED_COLUMNS = [
  { id: "hash", title: "hash", width: 215, value: (r) => r.hash },
  { id: "name", title: "name", width: 200, value: (r) => r.name },
  { id: "experiment", title: "experiment", width: 130, value: (r) => r.experiment },
  { id: "tags", title: "tags", width: 120, value: (r) => r.tags },
  { id: "created", title: "created", width: 150, value: (r) => r.created, text: (r) => formatTime(r.created) },
  { id: "duration", title: "duration", width: 90, value: (r) => r.duration(), text: (r) => formatDuration(r.duration()) },
  { id: "active", title: "active", width: 60, value: (r) => (r.active ? 1 : 0), text: (r) => (r.active ? "yes" : "") },
];

/** Builds the runs view into `root` from the URL's state; returns a handle the router and the live toggle use. */
/** The props the table shows (name, experiment, tags, created, duration, active): less than half of Aim's. */
const TABLE_PROPS = "name,experiment.name,tags.name,creation_time,end_time,active";

export function runsView(root, params) {
  const state = {
    q: params.get("q") ?? "",
    cols: listParam(params, "cols"),
    sort: params.get("sort") ?? "",
    sel: new Set(listParam(params, "sel")),
  };
  let rows = [];
  let order = null; // indexes of rows, sorted; null when not computed yet, or when no sort is asked for
  const paramPaths = new ParamPaths();
  let controller = null;
  let renderQueued = false;
  // What the body's DOM shows: rebuilt only when one of these changes. While a search streams, the rows come in
  // below the screen; then only the count and the scroll height change, and the rows on screen stay as they are.
  let shown = { rows: null, first: -1, last: -1, version: -1 };
  let choicesLoadedAt = -Infinity;
  let version = 0; // bumped by everything that changes the rows on screen but not the indexes (columns, sort, selection)

  const save = () => saveState("runs", "", { q: state.q, cols: state.cols, sort: state.sort, sel: [...state.sel], live: liveFlag() });

  const box = queryBox("runs", state.q, "run.hparams.lr > 0.001 and run.experiment == 'baseline'", (q) => {
    state.q = q;
    save();
    search();
  });
  const count = el("span", { id: "runs-count", class: "count", "data-count": "0" }, "");
  const compare = el("button", { type: "button", id: "compare", onclick: () => {
    location.hash = routeHash("metrics", "", { runs: [...state.sel] });
  } }, "Compare selected in metrics");
  const columnSelect = el("select", { id: "add-column", "aria-label": "add an hparam column" });
  const columnBar = el("div", { class: "column-bar" });
  const header = el("div", { class: "thead", role: "row" });
  const spacer = el("div", { class: "spacer" });
  const body = el("div", { class: "tbody", role: "rowgroup" });
  const scroller = el("div", { class: "table-scroll", id: "runs-table", role: "table" }, spacer, body);
  scroller.addEventListener("scroll", () => queueRender());
  columnSelect.addEventListener("change", () => {
    const path = columnSelect.value;
    if (path && !state.cols.includes(path)) {
      state.cols.push(path);
      save();
      renderAll();
      search(); // the rows hold only the params of the columns they were searched with
    }
    columnSelect.value = "";
  });

  clear(root).append(
    el("section", { class: "runs-view" },
      box.element,
      el("div", { class: "toolbar" }, count, compare, el("label", {}, "add column ", columnSelect), columnBar),
      el("div", { class: "table" }, header, scroller)),
  );

  function columns() {
    return [
      { id: "select", title: "", width: 32 },
      ...FIXED_COLUMNS,
      ...state.cols.map((path) => ({
        id: "param:" + path, title: path, width: 120, param: path,
        value: (r) => paramAt(r.params, path), text: (r) => { const v = paramAt(r.params, path); return v === undefined ? "" : formatValue(v); },
      })),
    ];
  }

  function makeRow(run, hash) {
    const props = run.props ?? {};
    const created = typeof props.creation_time === "number" ? props.creation_time : NaN;
    const end = typeof props.end_time === "number" ? props.end_time : null;
    const row = {
      hash,
      name: props.name == null ? "" : String(props.name),
      experiment: props.experiment?.name == null ? "" : String(props.experiment.name),
      tags: Array.isArray(props.tags) ? props.tags.map((t) => String(t?.name ?? "")).join(", ") : "",
      created,
      active: props.active === true,
      params: run.params ?? {},
      duration: () => (end ?? Date.now() / 1000) - created,
    };
    paramPaths.add(row.params);
    return row;
  }

  async function search() {
    controller?.abort();
    controller = new AbortController();
    const signal = controller.signal;
    const incoming = [];
    showQueryError(box, null);
    status("searching runs…");
    const started = performance.now();
    // The old rows stay until the first new one arrives, so a live refresh does not flash an empty table.
    let first = true;
    try {
      // traces=none: the table shows no metric metadata; params and props: only what the columns show; no progress
      // records: the count is the rows received (docs/http-api.md).
      await streamSearch("run", { q: state.q, traces: "none", params: paramsParameter(state.cols), props: TABLE_PROPS, report_progress: "false" }, {
        signal,
        onRun: (run, hash) => {
          incoming.push(makeRow(run, hash));
          if (first) {
            first = false;
            rows = incoming;
          }
          order = null;
          queueRender();
        },
      });
      rows = incoming;
      order = null;
      renderAll();
      const ms = Math.round(performance.now() - started);
      status(`${rows.length.toLocaleString("en-US")} runs in ${ms} ms`);
      root.dataset.loadedMs = String(ms);
      root.dataset.done = "true";
      // At most every 30 s: a live refresh every few seconds would read every run's params each time.
      if (performance.now() - choicesLoadedAt > 30_000) loadColumnChoices(signal);
    } catch (e) {
      if (signal.aborted) return;
      rows = incoming;
      order = null;
      renderAll();
      showQueryError(box, e);
      status(e.message, true);
      root.dataset.done = "error";
    }
  }

  /** Fills the add-column list from every run's params; `data-ready` on the list says when it is filled. */
  async function loadColumnChoices(signal) {
    choicesLoadedAt = performance.now();
    try {
      paramPaths.add(await getParams(signal));
      renderColumnChoices();
      columnSelect.dataset.ready = "true";
    } catch (e) {
      choicesLoadedAt = -Infinity;
      if (!signal.aborted) status(`the param columns could not be listed: ${e.message}`, true);
    }
  }

  /** The rows' indexes in the sort's order, or null when there is no sort (the rows' own order). */
  function sortedOrder() {
    if (!state.sort) return null;
    if (order) return order;
    order = rows.map((_, i) => i);
    const desc = state.sort.startsWith("-");
    const id = desc ? state.sort.slice(1) : state.sort;
    const column = columns().find((c) => c.id === id);
    if (!column?.value) return order;
    const keys = rows.map((r) => column.value(r));
    order.sort((a, b) => compareValues(keys[a], keys[b]) * (desc ? -1 : 1) || a - b);
    return order;
  }

  function renderHeader() {
    clear(header);
    const cols = columns();
    for (const column of cols) {
      const cell = el("div", { class: "th", role: "columnheader", "data-column": column.id });
      cell.style.width = column.width + "px";
      if (column.id !== "select") {
        const arrow = state.sort === column.id ? " ▲" : state.sort === "-" + column.id ? " ▼" : "";
        cell.append(el("button", { type: "button", class: "sort", onclick: () => {
          state.sort = state.sort === column.id ? "-" + column.id : column.id;
          order = null;
          save();
          renderAll();
        } }, column.title + arrow));
        if (column.param) {
          cell.append(el("button", { type: "button", class: "remove", title: "remove column", onclick: () => {
            state.cols = state.cols.filter((c) => c !== column.param);
            save();
            renderAll();
          } }, "×"));
        }
      }
      header.append(cell);
    }
    const width = cols.reduce((s, c) => s + c.width, 0);
    header.style.width = width + "px";
    spacer.style.width = width + "px";
  }

  function renderColumnChoices() {
    clear(columnSelect).append(el("option", { value: "" }, "hparam…"));
    for (const path of [...paramPaths.paths].sort()) {
      if (!state.cols.includes(path)) columnSelect.append(el("option", { value: path }, path));
    }
  }

  function renderBody() {
    const cols = columns();
    const ordered = sortedOrder();
    spacer.style.height = rows.length * ROW_HEIGHT + "px";
    const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(rows.length, Math.ceil((scroller.scrollTop + scroller.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    count.textContent = `${rows.length.toLocaleString("en-US")} runs`;
    count.dataset.count = String(rows.length);
    compare.disabled = state.sel.size === 0;
    // A sorted table's screen changes with every row that arrives; an unsorted one's only when it scrolls or grows into view.
    if (!ordered && shown.rows === rows && shown.first === first && shown.last === last && shown.version === version) return;
    shown = { rows, first, last, version };
    clear(body);
    body.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    for (let i = first; i < last; i++) {
      const row = rows[ordered ? ordered[i] : i];
      const line = el("div", { class: "tr", role: "row", "data-hash": row.hash, "data-index": String(i) });
      line.classList.toggle("active-run", row.active);
      for (const column of cols) {
        const cell = el("div", { class: "td", role: "cell" });
        cell.style.width = column.width + "px";
        if (column.id === "select") {
          cell.append(el("input", { type: "checkbox", "aria-label": "select run", checked: state.sel.has(row.hash), onchange: (e) => {
            if (e.target.checked) state.sel.add(row.hash); else state.sel.delete(row.hash);
            compare.disabled = state.sel.size === 0;
            save();
          } }));
        } else if (column.id === "hash") {
          cell.append(el("a", { href: routeHash("run", row.hash, {}) }, row.hash));
        } else {
          const text = column.text ? column.text(row) : String(column.value(row) ?? "");
          cell.textContent = text;
          cell.title = text;
        }
        line.append(cell);
      }
      body.append(line);
    }
  }

  function queueRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      renderBody();
    });
  }

  function renderAll() {
    version++;
    renderHeader();
    renderColumnChoices();
    renderBody();
  }

  renderAll();
  save();
  search();
  return {
    refresh: search,
    dispose: () => controller?.abort(),
    rows: () => sortedOrder()?.map((i) => rows[i]) ?? [...rows],
    columns: () => columns().filter((c) => c.id !== "select").map((c) => c.id),
  };
}

/** The run search's `params`: the columns' paths, none inside another (the server refuses overlaps), or none. */
function paramsParameter(cols) {
  const paths = cols.filter((p) => !cols.some((q) => q !== p && p.startsWith(q + ".")));
  return paths.length > 0 ? [...new Set(paths)].join(",") : "none";
}

function liveFlag() {
  return document.getElementById("live")?.checked ?? false;
}

/** Numbers before strings, undefined last; numbers numerically, strings by locale. */
function compareValues(a, b) {
  const rank = (v) => (v === undefined || v === null || (typeof v === "number" && Number.isNaN(v)) ? 2 : typeof v === "number" || typeof v === "bigint" || typeof v === "boolean" ? 0 : 1);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return Number(a) - Number(b);
  if (ra === 1) return formatValue(a).localeCompare(formatValue(b));
  return 0;
}
