/**
 * The outgoing queue. Messages live in memory; what this tab has not sent yet is written under a key of its
 * own (`<base>.<tab id>`, with the time of writing), so no tab ever overwrites another's messages. A key left
 * by a tab that is gone (it wrote time 0 as its page went away for good, or has not written for 5 minutes) is
 * adopted by the next tab that syncs: its messages join that tab's queue, merged by messageId, and the key is
 * deleted, under a cross-tab lock (Web Locks where the browser has them) so that two tabs never adopt it both.
 */
import { bytes, obj, uuid } from "./util.js";

export function createQueue(
  store,
  base,
  { max = 1000, now = Date.now, locks = navigator.locks } = {},
) {
  const own = base + "." + uuid();
  let q = []; // {m: message, l: 1 while it is being sent}
  let d = 0; // messages dropped (over `max`) since the last report
  let gone; // the page went away for good (pagehide, which comes before the last visibilitychange)
  const ours = () => store.keys().filter((key) => key.split(".")[0] == base);
  const add = (entry) => {
    if (q.push(entry) > max) d++, q.shift();
    return q.length;
  };
  /**
   * Write what this tab has not sent. `left`: the page will not come back, so any tab may adopt it now (time 0);
   * then, `sent`: the requests under way (keepalive, like beacons) are the browser's to finish, not written.
   */
  const save = (left, sent) =>
    q.length
      ? store.set(own, JSON.stringify({ t: (gone = gone || left) ? 0 : now(), q: q.filter((e) => !(gone && sent && e.l)), d }))
      : store.del(own);

  return {
    /** Append a message; past `max`, the oldest are dropped and counted. Returns the queue length. */
    push: (m) => add({ m }),

    /**
     * Take the oldest messages not being sent, up to `count` messages and `maxBytes` (at least one). The
     * first one carries the number of messages dropped since the last report.
     */
    lease(count, maxBytes) {
      const out = [];
      let total = 0;
      for (const e of q) {
        if (e.l) continue;
        total += bytes(JSON.stringify(e.m));
        if (out[0] && (out.length >= count || total > maxBytes)) break;
        e.l = out.push(e.m); // leased (a count, so truthy)
      }
      if (d && out[0]) {
        const context = (out[0].context = obj(out[0].context));
        context.dropped = (context.dropped || 0) + d;
        d = 0;
      }
      return out;
    },

    /** Forget leased messages (sent, or refused for good). */
    remove: (messages) => (q = q.filter((e) => !messages.includes(e.m))),

    /** Give leased messages back for a retry. */
    release: (messages) => q.forEach((e) => messages.includes(e.m) && (e.l = 0)),

    save,

    /** Adopt the messages of tabs that are gone and write this tab's; then `then(how many were adopted)`. */
    sync(then) {
      const run = () => {
        const n = q.length;
        for (const key of ours()) {
          try {
            const left = JSON.parse(store.get(key));
            // A hidden tab's timers may run only once a minute: 5 minutes of silence means it is gone.
            if (key == own || left.t > now() - 3e5) continue;
            d += left.d || 0;
            left.q.forEach(({ m }) => q.some((e) => e.m.messageId == m.messageId) || add({ m }));
          } catch (e) {} // not ours to read: dropped with the key
          store.del(key);
        }
        save();
        then(q.length - n);
      };
      locks ? locks.request(base, run).catch(run) : run();
    },

    /** Drop everything queued, this tab's and what closed tabs left (opt-out). */
    clear() {
      q = [];
      ours().forEach(store.del);
    },
  };
}
