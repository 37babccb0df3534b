// DOM helpers. Every string from the repo reaches the page through text nodes (createTextNode, textContent), never
// as markup: el() takes strings as text children, and no module of the page hands a string to an HTML parser
// (a test checks the sources). Attributes are set with setAttribute, event handlers with addEventListener (the
// Content-Security-Policy forbids inline handlers anyway).

/** Creates an element: `attrs` are attributes (a function value is an event listener, `on` + event name), the rest text or nodes. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (typeof value === "function") node.addEventListener(name.slice(2), value);
      else if (name === "value") node.value = value;
      else if (name === "checked") node.checked = Boolean(value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

/** Appends children: nodes as they are, anything else as text. */
export function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Removes every child of `node`. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** Sets the status line of the header (text). */
export function status(text, isError = false) {
  const node = document.getElementById("status");
  if (!node) return;
  node.textContent = text;
  node.classList.toggle("error", isError);
}
