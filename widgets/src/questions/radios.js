/** A radio group of buttons (the ARIA radio group pattern): one tab stop, arrow keys move, Enter, Space or a click choose. */
import { h } from "../dom.js";

/** `items` are [value, label] pairs; choosing one checks it and calls `choose(value)`. */
export function radios(items, choose, ctx, className) {
  const buttons = items.map(([value, label], i) =>
    h(
      "button",
      {
        type: "button",
        role: "radio",
        "aria-checked": "false",
        tabIndex: i ? -1 : 0,
        className: "o",
        onclick() {
          buttons.forEach((button, j) => button.setAttribute("aria-checked", "" + (i == j)));
          choose(value);
        },
      },
      label,
    ),
  );
  const forward = ctx.rtl ? -1 : 1; // left and right follow the reading direction
  return h(
    "div",
    {
      role: "radiogroup",
      "aria-labelledby": "q",
      className,
      onkeydown(e) {
        const step = { ArrowDown: 1, ArrowUp: -1, ArrowRight: forward, ArrowLeft: -forward }[e.key];
        const from = buttons.indexOf(e.target);
        if (!step || from < 0) return;
        e.preventDefault();
        const to = buttons[(from + step + buttons.length) % buttons.length];
        buttons.forEach((button) => (button.tabIndex = button == to ? 0 : -1));
        to.focus();
      },
    },
    ...buttons,
  );
}
