/** Any number of choices, as checkboxes, then Next (or Submit on the last question). */
import { h } from "../dom.js";
import { ids } from "./choices.js";

export const multi_choice = {
  valid: (q, answer) => Array.isArray(answer) && answer.length > 0 && answer.every((id) => ids(q).includes(id)),
  view(q, done, ctx) {
    const picked = new Set();
    const optional = q.required === false;
    const go = h(
      "button",
      {
        type: "button",
        className: "go",
        disabled: !optional,
        onclick: () => done(picked.size ? ids(q).filter((id) => picked.has(id)) : null), // in the survey's order
      },
      ctx.last ? ctx.labels.submit : ctx.labels.next,
    );
    const boxes = q.choices.map((choice) => {
      const box = h(
        "button",
        {
          type: "button",
          role: "checkbox",
          "aria-checked": "false",
          className: "o",
          onclick() {
            picked[picked.has(choice.id) ? "delete" : "add"](choice.id);
            box.setAttribute("aria-checked", "" + picked.has(choice.id));
            go.disabled = !optional && !picked.size;
          },
        },
        choice.label,
      );
      return box;
    });
    return h(
      "div",
      null,
      h("p", { id: "any", className: "sub" }, ctx.labels.any), // unlike the round single choices: several may go
      h("div", { role: "group", "aria-labelledby": "q", "aria-describedby": "any", className: "col" }, ...boxes),
      go,
    );
  },
};
