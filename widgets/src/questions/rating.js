/** A rating from 1 to the question's scale (5 or 7). */
import { scale } from "./scale.js";

export const rating = scale(1, (q) => (q.scale == 7 ? 7 : 5));
