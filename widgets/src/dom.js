/** DOM helpers. Survey texts only ever go in as text nodes or text properties, never as markup. */

/** `fn`, but an error inside it is swallowed: nothing the widgets do may throw into the host page. */
export const guard = (fn) =>
  function () {
    try {
      return fn.apply(this, arguments);
    } catch (e) {}
  };

/**
 * A new element. In `props`, `on<event>` adds a (guarded) listener, `role` and names with a dash
 * (`aria-*`) are attributes, anything else is a property (`textContent`, `placeholder`, …).
 * Children are nodes or strings; a string becomes a text node. Null and false are skipped.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const key in props) {
    const value = props[key];
    if (value == null) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), guard(value));
    else if (key == "role" || key.includes("-")) el.setAttribute(key, value);
    else el[key] = value;
  }
  for (const child of children)
    if (child != null && child !== false)
      el.appendChild(typeof child == "object" ? child : document.createTextNode(child));
  return el;
}
