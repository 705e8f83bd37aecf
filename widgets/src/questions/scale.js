/** Scales of numbered buttons from `low` to `high(q)`, with the question's low and high labels under the ends. */
import { h } from "../dom.js";
import { radios } from "./radios.js";

export const scale = (low, high) => ({
  auto: true, // choosing moves on at once
  valid: (q, answer) => Number.isInteger(answer) && answer >= low && answer <= high(q),
  view(q, done, ctx) {
    const items = [];
    for (let n = low; n <= high(q); n++) items.push([n, "" + n]);
    const group = radios(items, done, ctx, "row");
    if (!q.lowLabel && !q.highLabel) return group;
    // The end labels describe the end buttons to screen readers, which then skip the visible copy.
    group.firstChild.setAttribute("aria-describedby", "lo");
    group.lastChild.setAttribute("aria-describedby", "hi");
    return h(
      "div",
      null,
      group,
      h("div", { className: "ends", "aria-hidden": "true" }, h("span", { id: "lo" }, q.lowLabel || ""), h("span", { id: "hi" }, q.highLabel || "")),
    );
  },
});
