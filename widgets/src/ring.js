/** "Show me": find a feature's element, scroll to it and ring it for a moment. */
import { guard, h } from "./dom.js";
import { adopt } from "./style.js";

const RING_MS = 3000;

/** The first element for `selector` (bad selectors find nothing). */
export const find = (selector) => {
  try {
    return selector ? document.querySelector(selector) : null;
  } catch (e) {
    return null;
  }
};

/** Scroll `el` into view and ring it for a moment, from a shadow root of its own (the page's CSS cannot reach). */
export function ring(el, nonce) {
  if (!el) return;
  el.scrollIntoView({ behavior: "smooth", block: "center" });
  const host = h("gapwise-ring");
  host.style.cssText = "all:initial";
  const root = host.attachShadow({ mode: "open" });
  adopt(root, nonce);
  const box = h("div", { className: "ring" });
  root.appendChild(box);
  document.body.appendChild(host);
  const place = guard(() => {
    const r = el.getBoundingClientRect();
    Object.assign(box.style, { left: r.left - 7 + "px", top: r.top - 7 + "px", width: r.width + "px", height: r.height + "px" });
  });
  place();
  const timer = setInterval(place, 50); // follows the smooth scroll
  setTimeout(
    guard(() => {
      clearInterval(timer);
      host.remove();
    }),
    RING_MS,
  );
}
