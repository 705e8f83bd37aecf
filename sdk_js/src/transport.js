/**
 * Sending the queue to POST /v1/batch: fetch with keepalive in batches under 60 KB and 500
 * messages, retry with backoff on network errors, 429 and 5xx, drop on other 4xx, and
 * sendBeacon when the page goes away (unless the last request failed).
 */
import { retryDelay } from "./backoff.js";
import { noop } from "./util.js";

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
  timeout = 15e3,
}) {
  let attempt = 0;
  let retryAt = 0;
  let running; // the drain under way

  const body = (batch) => JSON.stringify({ writeKey, sentAt: new Date(now()).toISOString(), batch });

  /** POST a body; resolves to the response, or {} after a network error or the timeout: never rejects. */
  const post = (payload) =>
    new Promise((resolve) => {
      const failed = () => resolve({});
      later(failed, timeout);
      fetch(url, {
        method: "POST",
        keepalive: true,
        credentials: "omit", // a string body goes as text/plain: no CORS preflight
        body: payload,
      }).then(resolve, failed);
    });

  async function drain() {
    try {
      // A timer may fire a few ms before Date.now() reaches retryAt: allow for it, or the retry stalls.
      while (now() + 20 >= retryAt) {
        const batch = queue.lease(maxCount, maxBytes);
        if (!batch.length) return;
        const response = await post(body(batch));
        const status = response.status;
        // No answer, 429 or 5xx: sent again later. Otherwise sent (2xx) or refused for good (dropped).
        if (!status || status == 429 || status > 499) {
          queue.release(batch);
          const delay = retryDelay(attempt++, status && response.headers.get("Retry-After"), random, now());
          retryAt = now() + delay;
          later(flush, delay);
          return log("retry", status, delay);
        }
        queue.remove(batch);
        attempt = 0;
        if (status > 299) log("dropped", status, batch.length);
      }
    } catch (e) {
      log(e);
    }
  }

  /** Send everything eligible now; one drain at a time per tab. Never rejects. */
  const flush = () => running || (running = drain().then(() => (running = 0)));

  /**
   * The page is hidden or going away. While the server answers, what is queued goes by sendBeacon and is
   * forgotten (a beacon gets no answer); after a failed request it stays queued for this page or the next.
   * Returns whether the server answered the last request: then what is under way is as good as sent.
   */
  function unload() {
    try {
      if (!beacon || attempt) flush();
      else
        for (let batch; (batch = queue.lease(maxCount, maxBytes)).length; queue.remove(batch))
          if (!beacon(url, body(batch))) return queue.release(batch); // offline or over the beacon quota: kept
    } catch (e) {
      log(e);
    }
    return !attempt;
  }

  return { flush, unload };
}
