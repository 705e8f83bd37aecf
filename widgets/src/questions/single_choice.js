/** One choice among several, as a radio group; choosing moves on at once. */
import { ids } from "./choices.js";
import { radios } from "./radios.js";

export const single_choice = {
  auto: true,
  valid: (q, answer) => ids(q).includes(answer),
  view: (q, done, ctx) => radios(q.choices.map((choice) => [choice.id, choice.label]), done, ctx, "col"),
};
