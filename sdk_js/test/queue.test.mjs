// The queue: in memory, saved under each tab's own key, adopted from tabs that are gone, merged by messageId.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createQueue } from "../src/queue.js";
import { createStore } from "../src/storage.js";
import { FakeStorage, fakeClock, fakeLocks, message } from "./fakes.mjs";

const KEY = "gw_q_pk_test";
const FIVE_MINUTES = 5 * 60e3;
const ids = (messages) => messages.map((m) => m.messageId);
const nothing = () => {};

/** A queue over `backing`, as one tab opens it (without Web Locks unless given). */
const tab = (backing, clock = fakeClock(), options = {}) =>
  createQueue(createStore(() => backing), KEY, { now: clock.now, locks: null, ...options });

/** Everything a queue would send now (given back afterwards). */
const all = (queue) => {
  const out = queue.lease(1e6, 1e9);
  queue.release(out);
  return out;
};

/** What the tabs of `backing` have saved: {key: {t, q: [messageId], d}}. */
const saved = (backing) =>
  Object.fromEntries(
    Object.keys(backing).map((key) => {
      const { t, q, d } = JSON.parse(backing.getItem(key));
      return [key, { t, q: q.map((e) => e.m.messageId), d }];
    }),
  );

test("pushes stay in memory until the tab saves, under a key of its own with the time", () => {
  const backing = new FakeStorage();
  const clock = fakeClock();
  const queue = tab(backing, clock);
  const [a, b] = [message(), message()];
  queue.push(a);
  assert.equal(queue.push(b), 2);
  assert.deepEqual(Object.keys(backing), []);
  queue.save();
  const [[key, value]] = Object.entries(saved(backing));
  assert.match(key, /^gw_q_pk_test\.[0-9a-f-]{36}$/);
  assert.deepEqual(value, { t: clock.t, q: ids([a, b]), d: 0 });
});

test("two tabs never overwrite each other's pushes", () => {
  const backing = new FakeStorage();
  const [tabA, tabB] = [tab(backing), tab(backing)];
  const pushed = { A: [], B: [] };
  for (let i = 0; i < 50; i++) {
    for (const [name, queue] of [["A", tabA], ["B", tabB]]) {
      const m = message();
      queue.push(m);
      pushed[name].push(m.messageId);
      if (i % 7 == 0) queue.save();
    }
  }
  tabA.save();
  tabB.save();
  const stored = Object.values(saved(backing)).map((v) => v.q.join());
  assert.deepEqual(stored.sort(), [pushed.A.join(), pushed.B.join()].sort());
});

test("a page gone for good (time 0) is adopted by the next tab that syncs, and its key deleted", () => {
  const backing = new FakeStorage();
  const closed = tab(backing);
  const [a, b] = [message(), message()];
  closed.push(a);
  closed.push(b);
  closed.save(true);
  const next = tab(backing);
  const c = message();
  next.push(c);
  let adopted;
  next.sync((n) => (adopted = n));
  assert.equal(adopted, 2);
  assert.deepEqual(ids(all(next)), ids([c, a, b]));
  assert.deepEqual(Object.values(saved(backing)), [{ t: fakeClock().t, q: ids([c, a, b]), d: 0 }]);
});

test("a tab that keeps saving is left alone; one silent for five minutes is adopted", () => {
  const backing = new FakeStorage();
  const clock = fakeClock();
  const hidden = tab(backing, clock);
  const a = message();
  hidden.push(a);
  hidden.sync(nothing); // a tick saves with the time
  const other = tab(backing, clock);
  clock.tick(FIVE_MINUTES - 1);
  let adopted;
  other.sync((n) => (adopted = n));
  assert.equal(adopted, 0);
  assert.deepEqual(all(other), []);
  hidden.sync(nothing); // still alive: a (throttled) tick
  clock.tick(FIVE_MINUTES + 1); // then it crashed, or was discarded
  other.sync(nothing);
  assert.deepEqual(ids(all(other)), [a.messageId]);
});

test("adopting merges by messageId: nothing is queued twice", () => {
  const backing = new FakeStorage();
  const [a, b] = [message(), message()];
  const closed = tab(backing);
  closed.push(a);
  closed.push(b);
  closed.save(true);
  const next = tab(backing);
  next.push(JSON.parse(JSON.stringify(a))); // the same message, already here
  next.sync(nothing);
  assert.deepEqual(ids(all(next)), ids([a, b]));
});

test("a message sent and acknowledged by one tab is never sent again by another", () => {
  const backing = new FakeStorage();
  const [tabA, tabB] = [tab(backing), tab(backing)];
  const [a, b] = [message(), message()];
  tabA.push(a);
  tabA.push(b);
  tabA.sync(nothing); // saved: {a, b}
  const batch = tabA.lease(1, 1e9); // a goes out...
  tabA.sync(nothing); // ...still saved while it is under way
  tabA.remove(batch); // ...and is acknowledged
  tabA.save(true); // the tab closes with b unsent
  tabB.sync(nothing);
  assert.deepEqual(ids(all(tabB)), [b.messageId]);
  tabB.remove(tabB.lease(10, 1e9));
  tabB.save(true);
  const third = tab(backing);
  third.sync(nothing);
  assert.deepEqual(all(third), []);
  assert.deepEqual(Object.keys(backing), []);
});

test("leaving while the server answers: requests under way are the browser's to finish, not saved", () => {
  const backing = new FakeStorage();
  const queue = tab(backing);
  const [a, b] = [message(), message()];
  queue.push(a);
  queue.push(b);
  queue.lease(1, 1e9); // a is under way (a keepalive fetch)
  queue.save(true, true);
  assert.deepEqual(Object.values(saved(backing))[0].q, [b.messageId]);
  queue.save(true, false); // after failed requests, what is under way may fail too: kept
  assert.deepEqual(Object.values(saved(backing))[0].q, ids([a, b]));
});

test("under the lock, two tabs syncing at once adopt a closed tab's messages once between them", async () => {
  const backing = new FakeStorage();
  const locks = fakeLocks();
  const closed = tab(backing);
  const left = [1, 2, 3, 4, 5].map(() => message());
  left.forEach((m) => closed.push(m));
  closed.save(true);
  const [tabA, tabB] = [tab(backing, fakeClock(), { locks }), tab(backing, fakeClock(), { locks })];
  await Promise.all([new Promise((done) => tabA.sync(done)), new Promise((done) => tabB.sync(done))]);
  assert.equal(locks.requests, 2);
  const adopted = [...all(tabA), ...all(tabB)];
  assert.deepEqual(ids(adopted).sort(), ids(left).sort());
});

test("a lock the browser refuses still syncs, without it", async () => {
  const backing = new FakeStorage();
  const closed = tab(backing);
  const a = message();
  closed.push(a);
  closed.save(true);
  const locks = { request: () => Promise.reject(new Error("SecurityError")) };
  const next = tab(backing, fakeClock(), { locks });
  await new Promise((done) => next.sync(done));
  assert.deepEqual(ids(all(next)), [a.messageId]);
});

test("the shared queue of earlier versions is adopted too", () => {
  const backing = new FakeStorage();
  const [a, b] = [message(), message()];
  backing.setItem(KEY, JSON.stringify({ q: [{ m: a, l: Date.now() + 30e3 }, { m: b }], d: 2 }));
  backing.setItem("gw_q_pk_other", JSON.stringify({ q: [{ m: message() }] })); // another write key's
  const queue = tab(backing);
  queue.sync(nothing);
  const batch = queue.lease(10, 1e9);
  assert.deepEqual(ids(batch), ids([a, b]));
  assert.equal(batch[0].context.dropped, 2);
  assert.equal(backing.getItem(KEY), null);
  assert.ok(backing.getItem("gw_q_pk_other"));
});

test("a corrupt stored value is dropped with its key", () => {
  const backing = new FakeStorage();
  backing.setItem(KEY + ".x", "{not json");
  backing.setItem(KEY + ".y", JSON.stringify({ t: 0, q: "not a list" }));
  const queue = tab(backing);
  queue.sync(nothing);
  assert.deepEqual(all(queue), []);
  assert.deepEqual(Object.keys(backing), []);
});

test("bounded: the oldest are dropped first and counted, and the count travels once", () => {
  const queue = tab(new FakeStorage(), fakeClock(), { max: 3 });
  const messages = [1, 2, 3, 4, 5].map(() => message({ context: { library: { name: "gapwise.js" } } }));
  messages.forEach((m) => queue.push(m));
  const batch = queue.lease(10, 1e9);
  assert.deepEqual(ids(batch), ids(messages.slice(2)));
  assert.deepEqual(batch[0].context, { library: { name: "gapwise.js" }, dropped: 2 });
  queue.release(batch); // a retry reports it again, under the same messageId
  const again = queue.lease(10, 1e9);
  assert.equal(again[0].context.dropped, 2);
  assert.equal(again[1].context.dropped, undefined);
});

test("a leased message is not leased again until it is given back", () => {
  const queue = tab(new FakeStorage());
  const [a, b] = [message(), message()];
  queue.push(a);
  const first = queue.lease(10, 1e9);
  queue.push(b); // pushed while a is under way
  assert.deepEqual(ids(queue.lease(10, 1e9)), [b.messageId]);
  queue.release(first);
  assert.deepEqual(ids(queue.lease(10, 1e9)), [a.messageId]);
});

test("a lease stops at the count and byte limits but always takes one message", () => {
  const queue = tab(new FakeStorage());
  const messages = Array.from({ length: 10 }, (_, i) => message({ messageId: `same-size-${i}` }));
  messages.forEach((m) => queue.push(m));
  const size = Buffer.byteLength(JSON.stringify(messages[0]));
  const leased = (count, maxBytes) => {
    const out = queue.lease(count, maxBytes);
    queue.release(out);
    return out.length;
  };
  assert.equal(leased(3, 1e9), 3);
  assert.equal(leased(100, size * 2.5), 2);
  assert.equal(leased(100, 10), 1);
});

test("clear drops this tab's queue and what closed tabs left (opt-out)", () => {
  const backing = new FakeStorage();
  const closed = tab(backing);
  closed.push(message());
  closed.save(true);
  const queue = tab(backing);
  queue.push(message());
  queue.save();
  queue.clear();
  assert.deepEqual(all(queue), []);
  assert.deepEqual(Object.keys(backing), []);
});

test("without storage, or over quota, the queue works in memory", () => {
  for (const backing of [new FakeStorage({ failing: true }), new FakeStorage({ quota: 100 })]) {
    const queue = tab(backing);
    const messages = [1, 2, 3].map(() => message());
    messages.forEach((m) => queue.push(m));
    queue.sync(nothing);
    queue.save(true);
    assert.deepEqual(ids(all(queue)), ids(messages));
  }
});
