// Test doubles: a localStorage, a clock and a fetch the tests control.

/** A tiny localStorage; `failing: true` makes every call throw, as when storage is disabled. */
export class FakeStorage {
  constructor({ failing = false, quota = Infinity } = {}) {
    this.items = new Map();
    this.failing = failing;
    this.quota = quota; // characters, like browsers' per-origin limit
  }
  getItem(key) {
    if (this.failing) throw new Error("SecurityError");
    return this.items.has(key) ? this.items.get(key) : null;
  }
  setItem(key, value) {
    if (this.failing) throw new Error("SecurityError");
    if (String(value).length > this.quota) throw new Error("QuotaExceededError");
    this.items.set(key, String(value));
  }
  removeItem(key) {
    if (this.failing) throw new Error("SecurityError");
    this.items.delete(key);
  }
}

/** A clock that only moves when told to. */
export function fakeClock(start = Date.parse("2026-11-23T10:00:00Z")) {
  const clock = { t: start, now: () => clock.t, tick: (ms) => (clock.t += ms) };
  return clock;
}

/** A fetch answering from a list of statuses (or "network" for a rejected request), recording bodies. */
export function fakeFetch(answers) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init, body: JSON.parse(init.body) });
    const answer = answers.length > 1 ? answers.shift() : answers[0];
    const { status, retryAfter } = typeof answer == "object" ? answer : { status: answer };
    if (status == "network") throw new TypeError("Failed to fetch");
    return { status, headers: { get: (name) => (name == "Retry-After" ? (retryAfter ?? null) : null) } };
  };
  return { fetch, calls };
}

/** A message as the tracker makes them. */
let counter = 0;
export const message = (fields = {}) => ({
  type: "track",
  messageId: `m${++counter}`,
  anonymousId: "a1",
  event: "Clicked",
  properties: {},
  timestamp: "2026-11-23T10:00:00.000Z",
  ...fields,
});
