// The AimQL search box shared by the runs view and the metrics explorer: a textarea, since AimQL queries run over
// lines (Enter runs the query, Shift+Enter adds a line); the last queries remembered (localStorage, offered in a
// list beside the box); and the server's query error under the box with the offending span marked on its line, from
// the 400's line, offset and end_offset (docs/http-api.md, "Status codes and errors").
import { el, clear } from "./dom.js";

const HISTORY = 12;
const MAX_ROWS = 8;

/** A search form; `onSubmit(query)` runs on Enter or the button. */
export function queryBox(kind, initial, placeholder, onSubmit) {
  const input = el("textarea", { class: "query", name: "q", rows: "1", placeholder, spellcheck: "false", autocomplete: "off", "aria-label": `${kind} query` });
  input.value = initial;
  const recent = el("select", { class: "history", "aria-label": `recent ${kind} queries` });
  const error = el("div", { class: "query-error", role: "alert", hidden: true });
  const fit = () => { input.rows = Math.min(MAX_ROWS, Math.max(1, input.value.split("\n").length)); };
  const form = el("form", { class: "query-form", onsubmit: (e) => {
    e.preventDefault();
    remember(kind, input.value);
    fillHistory(kind, recent);
    onSubmit(input.value);
  } }, input, el("button", { type: "submit" }, "Search"), recent);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", fit);
  recent.addEventListener("change", () => {
    if (recent.value) {
      input.value = recent.value;
      fit();
      input.focus();
    }
    recent.value = "";
  });
  fit();
  fillHistory(kind, recent);
  return { element: el("div", { class: "query-box" }, form, error), input, error };
}

/**
 * Shows `error` under the box (null hides it). A query error marks the span it names on its line: the whole query
 * is shown when the 400 carries it (`query`), else the 400's statement (the line alone). Other errors show their
 * message.
 */
export function showQueryError(box, error) {
  const node = clear(box.error);
  node.hidden = !error;
  if (!error) return;
  const detail = error.detail ?? {};
  const kind = error.kind ?? error.name ?? "Error";
  const where = typeof detail.line === "number" ? ` (line ${detail.line}, column ${detail.offset})` : "";
  node.append(el("div", { class: "message" }, `${kind}: ${detail.error ?? error.message}${where}`));
  if (typeof detail.statement === "string" && typeof detail.offset === "number") {
    const lines = typeof detail.query === "string" && typeof detail.line === "number" ? detail.query.split("\n") : [detail.statement];
    const at = lines.length > 1 ? Math.min(lines.length, Math.max(1, detail.line)) - 1 : 0;
    const text = lines[at].replace(/\r$/, "");
    const start = Math.min(text.length, Math.max(0, detail.offset - 1));
    const end = Math.max(start + 1, (detail.end_offset ?? detail.offset + 1) - 1);
    // A span past the end of the line (an unexpected end of the query) is marked as one space.
    const marked = text.slice(start, end) || " ";
    const before = lines.slice(0, at).map((l) => l + "\n").join("");
    const after = lines.slice(at + 1).map((l) => "\n" + l).join("");
    node.append(el("pre", { class: "statement" }, before + text.slice(0, start),
      el("mark", { "data-line": String(at + 1), "data-start": String(start), "data-end": String(end) }, marked), text.slice(end) + after));
  }
  if (Array.isArray(detail.allowed) && detail.allowed.length > 0) {
    node.append(el("div", { class: "allowed" }, "allowed: " + detail.allowed.join(", ")));
  }
}

function remember(kind, query) {
  if (!query.trim()) return;
  const list = history(kind).filter((q) => q !== query);
  list.unshift(query);
  try {
    localStorage.setItem(`aimlsm.queries.${kind}`, JSON.stringify(list.slice(0, HISTORY)));
  } catch {
    // Storage full or disabled: the history is a convenience.
  }
}

function history(kind) {
  try {
    const list = JSON.parse(localStorage.getItem(`aimlsm.queries.${kind}`) ?? "[]");
    return Array.isArray(list) ? list.filter((q) => typeof q === "string") : [];
  } catch {
    return [];
  }
}

function fillHistory(kind, list) {
  const queries = history(kind);
  clear(list).append(el("option", { value: "" }, queries.length ? "recent…" : "no recent queries"));
  // One line each in the list: a multi-line query's breaks shown as ⏎.
  for (const query of queries) list.append(el("option", { value: query }, query.replace(/\n/g, " ⏎ ")));
  list.disabled = queries.length === 0;
}
