/** Where a survey goes after each answer. */

/** The pseudo question id that ends a survey. */
export const END = "end";

/** Does `branch` match `answer`: a number in [min, max], or a choice id (any of several) in its choices? */
const matches = (branch, answer) =>
  branch.choices
    ? [].concat(answer).some((id) => branch.choices.includes(id))
    : typeof answer == "number" && (branch.min ?? -Infinity) <= answer && answer <= (branch.max ?? Infinity);

/**
 * The id of the question after `q` answered with `answer` (undefined when skipped): the `goto` of
 * its first matching branch, else `q.next`, else the following question; END past the last one.
 */
export function next(questions, q, answer) {
  for (const branch of q.branches || []) if (branch && branch.goto && matches(branch, answer)) return branch.goto;
  if (q.next) return q.next;
  const following = questions[questions.indexOf(q) + 1];
  return following ? following.id : END;
}

/** Is `q` certainly the last question, whatever the answer? (Its button then says Submit, not Next.) */
export const last = (questions, q) =>
  next(questions, q) == END && !(q.branches || []).some((branch) => branch && branch.goto != END);
