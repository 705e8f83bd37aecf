/** When to retry a batch the server could not take. */

const HOUR = 3600e3;

/** Delay before retry number `attempt` (0-based): 1 s doubling up to 60 s, with equal jitter. */
export const backoff = (attempt, random = Math.random, base = 1000, cap = 60e3) => {
  const ceiling = Math.min(cap, base * 2 ** attempt);
  return ceiling / 2 + (random() * ceiling) / 2;
};

/** Milliseconds a Retry-After header asks for (delay-seconds or an HTTP date), or undefined. */
export const retryAfter = (header, now = Date.now()) => {
  if (header == null || header === "") return;
  const ms = +header >= 0 ? header * 1000 : Date.parse(header) - now;
  // NaN: neither a number nor a date. At least 1 s (a past date too): never a hot loop.
  if (!isNaN(ms)) return Math.min(Math.max(ms, 1000), HOUR);
};

/** The server's Retry-After when it gave one, otherwise exponential backoff. */
export const retryDelay = (attempt, header, random, now) => retryAfter(header, now) || backoff(attempt, random);
