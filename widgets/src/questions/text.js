/** A free text answer: a labelled textarea and Submit (Ctrl/Cmd+Enter submits too). */
import { h } from "../dom.js";

const MAX = 1000;

export const text = {
  valid: (q, answer) => typeof answer == "string" && answer.trim() != "" && answer.length <= (q.maxLength || MAX),
  view(q, done, ctx) {
    const optional = q.required === false;
    const submit = () => done(area.value.trim() || null);
    const area = h("textarea", {
      rows: 4,
      maxLength: q.maxLength || MAX,
      placeholder: q.placeholder || "",
      "aria-labelledby": "q",
      oninput: () => (go.disabled = !optional && !area.value.trim()),
      onkeydown: (e) => e.key == "Enter" && (e.ctrlKey || e.metaKey) && submit(),
    });
    const go = h("button", { type: "button", className: "go", disabled: !optional, onclick: submit }, ctx.last ? ctx.labels.submit : ctx.labels.next);
    return h("div", null, area, go);
  },
};
