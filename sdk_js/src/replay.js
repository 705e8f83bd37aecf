/** The order in which calls queued before the tracker was ready are replayed. */

const IDENTITY = ["identify", "group", "reset", "optOut", "optIn"];

const rank = (call) => (call[0] == "init" ? 0 : IDENTITY.includes(call[0]) ? 1 : 2);

/** init first, then identity calls, then everything else; each group keeps its order. */
export const order = (calls) => calls.filter(Array.isArray).sort((a, b) => rank(a) - rank(b));
