/**
 * The outgoing queue, persisted in one storage key shared by every tab of the site.
 *
 * Stored as {q: [{m: message, l: leaseExpiry}], d: droppedCount}. Every operation reads, changes
 * and writes the whole state, so tabs see each other's messages. A tab leases messages before
 * sending them; other tabs skip leased ones until the lease expires (the sending tab died).
 */
import { bytes, obj } from "./util.js";

export function createQueue(store, key, { max = 1000, now = Date.now, size = (m) => bytes(JSON.stringify(m)) } = {}) {
  const load = () => {
    try {
      const state = JSON.parse(store.get(key));
      if (state && Array.isArray(state.q)) return state;
    } catch (e) {}
    return { q: [], d: 0 };
  };
  const update = (change) => {
    const state = load();
    const result = change(state);
    store.set(key, JSON.stringify(state));
    return result;
  };
  const each = (messages, fn) => {
    const ids = new Set(messages.map((m) => m.messageId));
    return update((state) => fn(state, (entry) => ids.has(entry.m.messageId)));
  };

  return {
    /** Append a message; past `max`, the oldest are dropped and counted. Returns the queue length. */
    push: (message) =>
      update((state) => {
        const over = state.q.push({ m: message }) - max;
        if (over > 0) {
          state.q.splice(0, over);
          state.d = (state.d || 0) + over;
        }
        return state.q.length;
      }),

    /**
     * Lease the oldest messages nobody holds, up to `count` messages and `maxBytes` (at least one),
     * until now + `ms`. The first one carries the number of messages dropped since the last report.
     */
    lease: (count, maxBytes, ms) =>
      update((state) => {
        const t = now();
        const out = [];
        let total = 0;
        for (const entry of state.q) {
          if (entry.l > t) continue;
          const n = size(entry.m);
          if (out.length >= count || (out.length && total + n > maxBytes)) break;
          total += n;
          entry.l = t + ms;
          out.push(entry.m);
        }
        if (out.length && state.d) {
          const context = (out[0].context = obj(out[0].context));
          context.dropped = (context.dropped || 0) + state.d;
          state.d = 0;
        }
        return out;
      }),

    /** Forget messages (sent, or refused for good). */
    remove: (messages) => each(messages, (state, hit) => (state.q = state.q.filter((e) => !hit(e)))),

    /** Give leased messages back for a retry, by this tab or another. */
    release: (messages) => each(messages, (state, hit) => state.q.forEach((e) => hit(e) && (e.l = 0))),

    clear: () => store.del(key),
    size: () => load().q.length,
    dropped: () => load().d || 0,
  };
}
