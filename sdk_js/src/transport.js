/**
 * Sending the queue to POST /v1/batch: fetch with keepalive in batches under 60 KB and 500
 * messages, retry with backoff on network errors, 429 and 5xx, drop on other 4xx, and
 * sendBeacon when the page goes away.
 */
import { retryDelay } from "./backoff.js";
import { noop } from "./util.js";

/** What to do with a batch after an HTTP status (0: no response at all). */
export const classify = (status) =>
  status >= 200 && status < 300 ? "ok" : !status || status == 429 || status >= 500 ? "retry" : "drop";

export function createSender({
  queue,
  writeKey,
  url,
  fetch,
  beacon, // (url, body) => boolean, navigator.sendBeacon; absent: flush with fetch instead
  now = Date.now,
  random = Math.random,
  later = setTimeout,
  log = noop,
  maxBytes = 60e3, // keepalive and sendBeacon bodies are limited to 64 KB
  maxCount = 500,
  lease = 30e3,
  beaconLease = 10e3, // a beacon gets no answer: if it was lost, a later load resends after this
  timeout = 15e3,
}) {
  let attempt = 0;
  let retryAt = 0;
  let running = null;

  const body = (batch) => JSON.stringify({ writeKey, sentAt: new Date(now()).toISOString(), batch });

  /** POST a body; resolves to {status, after} and never rejects (status 0: network error or timeout). */
  const post = (payload) =>
    new Promise((resolve) => {
      later(() => resolve({ status: 0 }), timeout);
      fetch(url, {
        method: "POST",
        keepalive: true,
        credentials: "omit",
        headers: { "Content-Type": "text/plain" },
        body: payload,
      }).then(
        (response) => resolve({ status: response.status, after: response.headers.get("Retry-After") }),
        () => resolve({ status: 0 }),
      );
    });

  async function drain() {
    try {
      // A timer may fire a few ms before Date.now() reaches retryAt: allow for it, or the retry stalls.
      while (now() + 20 >= retryAt) {
        const batch = queue.lease(maxCount, maxBytes, lease);
        if (!batch.length) return;
        const { status, after } = await post(body(batch));
        const verdict = classify(status);
        if (verdict == "retry") {
          queue.release(batch);
          const delay = retryDelay(attempt++, after, random, now());
          retryAt = now() + delay;
          later(flush, delay);
          return log("send failed, retrying", status, delay);
        }
        queue.remove(batch);
        attempt = 0;
        if (verdict == "drop") log("batch refused, dropped", status, batch.length);
      }
    } catch (e) {
      log(e);
    }
  }

  /** Send everything eligible now; one drain at a time per tab. Never rejects. */
  const flush = () => running || (running = drain().then(() => (running = null)));

  /** The page is going away: hand what is queued to sendBeacon, keeping it leased briefly. */
  function unload() {
    if (!beacon) return flush();
    try {
      for (let batch; (batch = queue.lease(maxCount, maxBytes, beaconLease)).length; ) {
        if (!beacon(url, body(batch))) return queue.release(batch); // over the beacon quota: next load
      }
    } catch (e) {
      log(e);
    }
  }

  return { flush, unload };
}
