/** Net Promoter Score: 0 to 10. */
import { scale } from "./scale.js";

export const nps = scale(0, () => 10);
