// The AimQL search box shared by the runs view and the metrics explorer: the last queries remembered (localStorage,
// offered through a datalist), and the server's query error under the box with the offending span marked, from
// the 400's line, offset and end_offset (docs/http-api.md, "Status codes and errors").
import { el, clear } from "./dom.js";

const HISTORY = 12;
let boxes = 0;

/** A search form; `onSubmit(query)` runs on Enter or the button. */
export function queryBox(kind, initial, placeholder, onSubmit) {
  const listId = `history-${kind}-${++boxes}`;
  const list = el("datalist", { id: listId });
  const input = el("input", { type: "text", class: "query", name: "q", value: initial, placeholder, list: listId, spellcheck: "false", autocomplete: "off", "aria-label": `${kind} query` });
  const error = el("div", { class: "query-error", role: "alert", hidden: true });
  const form = el("form", { class: "query-form", onsubmit: (e) => {
    e.preventDefault();
    remember(kind, input.value);
    fillHistory(kind, list);
    onSubmit(input.value);
  } }, input, el("button", { type: "submit" }, "Search"), list);
  fillHistory(kind, list);
  return { element: el("div", { class: "query-box" }, form, error), input, error };
}

/** Shows `error` under the box (null hides it). A query error marks the span it names; other errors show their message. */
export function showQueryError(box, error) {
  const node = clear(box.error);
  node.hidden = !error;
  if (!error) return;
  const detail = error.detail ?? {};
  const kind = error.kind ?? error.name ?? "Error";
  const where = typeof detail.line === "number" ? ` (line ${detail.line}, column ${detail.offset})` : "";
  node.append(el("div", { class: "message" }, `${kind}: ${detail.error ?? error.message}${where}`));
  if (typeof detail.statement === "string" && typeof detail.offset === "number") {
    const start = Math.max(0, detail.offset - 1);
    const end = Math.max(start + 1, (detail.end_offset ?? detail.offset + 1) - 1);
    const text = detail.statement;
    // A span past the end of the line (an unexpected end of the query) is marked as one space.
    const marked = text.slice(start, end) || " ";
    node.append(el("pre", { class: "statement" }, text.slice(0, start), el("mark", { "data-start": String(start), "data-end": String(end) }, marked), text.slice(end)));
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
  clear(list);
  for (const query of history(kind)) list.append(el("option", { value: query }));
}
