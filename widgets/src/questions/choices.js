/** What single and multiple choice questions share. */

/** The ids of the question's choices. */
export const ids = (q) => (q.choices || []).map((choice) => choice.id);
