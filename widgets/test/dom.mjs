// A tiny fake DOM, just enough for the widgets: elements, text nodes, attributes, listeners with
// bubbling (across the shadow boundary), focus, a shadow root, and querySelector for tag lists.
// innerHTML throws, so a test fails if survey text is ever parsed as markup.

class Node {
  constructor() {
    this.childNodes = [];
    this.parentNode = null;
  }
  get firstChild() {
    return this.childNodes[0] || null;
  }
  get lastChild() {
    return this.childNodes[this.childNodes.length - 1] || null;
  }
  get children() {
    return this.childNodes.filter((n) => n instanceof Element);
  }
  get textContent() {
    return this.childNodes.map((n) => n.textContent).join("");
  }
  set textContent(value) {
    this.replaceChildren(new Text(value));
  }
  get isConnected() {
    return this.root() === this.ownerDocument;
  }
  root() {
    let node = this;
    while (node.parentNode || node.host) node = node.parentNode || node.host;
    return node;
  }
  appendChild(node) {
    if (node.parentNode) node.remove();
    node.parentNode = this;
    this.childNodes.push(node);
    return node;
  }
  append(...nodes) {
    nodes.forEach((n) => this.appendChild(typeof n == "string" ? new Text(n) : n));
  }
  replaceChildren(...nodes) {
    this.childNodes.forEach((n) => (n.parentNode = null));
    this.childNodes = [];
    this.append(...nodes);
  }
  remove() {
    if (!this.parentNode) return;
    const siblings = this.parentNode.childNodes;
    siblings.splice(siblings.indexOf(this), 1);
    this.parentNode = null;
  }
  /** Every element below this node, in document order (not into shadow roots). */
  descendants() {
    return this.childNodes.flatMap((n) => (n instanceof Element ? [n, ...n.descendants()] : []));
  }
  querySelectorAll(selector) {
    const tags = selector.split(",").map((s) => s.trim().toUpperCase());
    return this.descendants().filter((el) => tags.includes(el.tagName));
  }
  querySelector(selector) {
    return this.querySelectorAll(selector)[0] || null;
  }
  set innerHTML(value) {
    throw new Error("innerHTML used with " + value);
  }
}

export class Text extends Node {
  constructor(data) {
    super();
    this.data = String(data);
  }
  get textContent() {
    return this.data;
  }
}

class ShadowRoot extends Node {
  constructor(host, mode) {
    super();
    this.host = host;
    this.mode = mode;
    this.adoptedStyleSheets = [];
  }
}

export class Element extends Node {
  constructor(tag, document) {
    super();
    this.tagName = tag.toUpperCase();
    this.ownerDocument = document;
    this.attributes = new Map();
    this.listeners = {};
    this.tabIndex = /^(BUTTON|TEXTAREA)$/.test(this.tagName) ? 0 : -1;
    if (this.tagName == "TEXTAREA") this.value = "";
    const props = new Map();
    this.style = {
      cssText: "",
      setProperty: (name, value) => props.set(name, String(value)),
      getPropertyValue: (name) => props.get(name) ?? "",
    };
  }
  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }
  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }
  hasAttribute(name) {
    return this.attributes.has(name);
  }
  addEventListener(type, listener) {
    (this.listeners[type] = this.listeners[type] || []).push(listener);
  }
  attachShadow({ mode }) {
    return (this.shadowRoot = new ShadowRoot(this, mode));
  }
  focus() {
    const root = this.root();
    if (root !== this.ownerDocument) return; // not connected: no focus
    let node = this;
    while (node.parentNode) node = node.parentNode;
    // In a shadow tree, the document sees the host as focused.
    this.ownerDocument.activeElement = node.host || this;
    if (node.host) node.activeElement = this;
    this.ownerDocument.focused = this;
  }
  click() {
    if (!this.disabled) this.dispatch({ type: "click" });
  }
  /** Dispatch a bubbling event from here, through shadow hosts; returns the event. */
  dispatch(init) {
    const event = {
      target: this,
      defaultPrevented: false,
      stopped: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
      stopPropagation() {
        this.stopped = true;
      },
      ...init,
    };
    for (let node = this; node && !event.stopped; node = node.parentNode || node.host)
      (node.listeners?.[event.type] || []).forEach((listener) => listener.call(node, event));
    return event;
  }
  key(key, extra = {}) {
    return this.dispatch({ type: "keydown", key, ...extra });
  }
}

export class Document extends Node {
  constructor() {
    super();
    this.body = new Element("body", this);
    this.appendChild(this.body);
    this.activeElement = this.body;
  }
  createElement(tag) {
    return new Element(tag, this);
  }
  createTextNode(data) {
    return new Text(data);
  }
}

export class CSSStyleSheet {
  replaceSync(text) {
    this.text = text;
  }
}

/** Install a fresh fake document (and CSSStyleSheet unless `constructable: false`) as globals. */
export function install({ constructable = true } = {}) {
  const document = new Document();
  globalThis.document = document;
  globalThis.window = globalThis;
  if (constructable) globalThis.CSSStyleSheet = CSSStyleSheet;
  else delete globalThis.CSSStyleSheet;
  return document;
}

/** All elements of a tree, shadow roots included. */
export const all = (node) =>
  node.descendants().flatMap((el) => (el.shadowRoot ? [el, ...all(el.shadowRoot)] : [el]));

/** Elements with `role`. */
export const byRole = (node, role) => all(node).filter((el) => el.getAttribute("role") == role);

/** The innermost element whose text is `text`. */
export const byText = (node, text) => all(node).findLast((el) => el.textContent == text);
