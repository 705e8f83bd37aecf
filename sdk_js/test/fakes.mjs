// Test doubles: a localStorage, a clock and a fetch the tests control.

/**
 * A tiny localStorage: items are its own properties, as a browser's are (Object.keys lists them).
 * `failing: true` makes every call throw, as when storage is disabled; `quota` counts characters.
 */
export class FakeStorage {
  #failing;
  #quota;
  constructor({ failing = false, quota = Infinity } = {}) {
    this.#failing = failing;
    this.#quota = quota;
  }
  #check() {
    if (this.#failing) throw new Error("SecurityError");
  }
  getItem(key) {
    this.#check();
    return Object.hasOwn(this, key) ? this[key] : null;
  }
  setItem(key, value) {
    this.#check();
    if (String(value).length > this.#quota) throw new Error("QuotaExceededError");
    this[key] = String(value);
  }
  removeItem(key) {
    this.#check();
    delete this[key];
  }
}

/** A Web Locks stand-in: one holder at a time, the others wait in turn (navigator.locks.request). */
export function fakeLocks() {
  let tail = Promise.resolve();
  const locks = {
    requests: 0,
    request(name, callback) {
      locks.requests++;
      const run = tail.then(() => callback({ name }));
      tail = run.catch(() => {});
      return run;
    },
  };
  return locks;
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
