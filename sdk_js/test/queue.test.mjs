import assert from "node:assert/strict";
import { test } from "node:test";

import { createQueue } from "../src/queue.js";
import { createStore } from "../src/storage.js";
import { FakeStorage, fakeClock, message } from "./fakes.mjs";

const KEY = "gw_q_pk_test";
const ids = (messages) => messages.map((m) => m.messageId);

/** A queue over `backing`, as one tab would open it. */
const tab = (backing, clock = fakeClock(), options = {}) =>
  createQueue(createStore(() => backing), KEY, { now: clock.now, ...options });

test("messages survive a reload (a new queue over the same storage)", () => {
  const backing = new FakeStorage();
  const first = tab(backing);
  const a = message();
  const b = message();
  first.push(a);
  assert.equal(first.push(b), 2);
  const reloaded = tab(backing);
  assert.deepEqual(ids(reloaded.lease(10, 1e6, 1000)), [a.messageId, b.messageId]);
});

test("bounded: the oldest are dropped first and counted", () => {
  const queue = tab(new FakeStorage(), fakeClock(), { max: 3 });
  const messages = [1, 2, 3, 4, 5].map(() => message());
  messages.forEach((m) => queue.push(m));
  assert.equal(queue.size(), 3);
  assert.equal(queue.dropped(), 2);
  const batch = queue.lease(10, 1e6, 1000);
  assert.deepEqual(ids(batch), ids(messages.slice(2)));
});

test("the drop count travels in the next batch's context, once", () => {
  const backing = new FakeStorage();
  const queue = tab(backing, fakeClock(), { max: 1 });
  queue.push(message({ context: { library: { name: "gapwise.js" } } }));
  queue.push(message({ context: { library: { name: "gapwise.js" } } }));
  const [first] = queue.lease(10, 1e6, 1000);
  assert.deepEqual(first.context, { library: { name: "gapwise.js" }, dropped: 1 });
  assert.equal(queue.dropped(), 0);
  // Persisted with the message: a retry reports it again, under the same messageId.
  queue.release([first]);
  assert.equal(queue.lease(10, 1e6, 1000)[0].context.dropped, 1);
});

test("a lease hides messages from other tabs until it expires", () => {
  const backing = new FakeStorage();
  const clock = fakeClock();
  const tabA = tab(backing, clock);
  const tabB = tab(backing, clock);
  const [a, b] = [message(), message()];
  tabA.push(a);
  tabB.push(b); // both tabs write to the same queue
  assert.deepEqual(ids(tabA.lease(10, 1e6, 30e3)), [a.messageId, b.messageId]);
  assert.deepEqual(tabB.lease(10, 1e6, 30e3), []);
  clock.tick(30e3 + 1); // tab A died mid-send
  assert.deepEqual(ids(tabB.lease(10, 1e6, 30e3)), [a.messageId, b.messageId]);
});

test("sent messages are removed; failed ones are released for any tab", () => {
  const backing = new FakeStorage();
  const tabA = tab(backing);
  const tabB = tab(backing);
  const [a, b, c] = [message(), message(), message()];
  [a, b, c].forEach((m) => tabA.push(m));
  const first = tabA.lease(2, 1e6, 30e3);
  const second = tabB.lease(10, 1e6, 30e3);
  assert.deepEqual(ids(second), [c.messageId]);
  tabA.remove(first);
  tabB.release(second);
  assert.equal(tabA.size(), 1);
  assert.deepEqual(ids(tabA.lease(10, 1e6, 30e3)), [c.messageId]);
});

test("a message added while a batch is in flight is not lost when the batch is removed", () => {
  const queue = tab(new FakeStorage());
  queue.push(message());
  const batch = queue.lease(10, 1e6, 30e3);
  const late = message();
  queue.push(late);
  queue.remove(batch);
  assert.deepEqual(ids(queue.lease(10, 1e6, 30e3)), [late.messageId]);
});

test("a lease stops at the count and byte limits but always takes one message", () => {
  const queue = tab(new FakeStorage(), fakeClock(), { size: () => 100 });
  for (let i = 0; i < 10; i++) queue.push(message());
  assert.equal(queue.lease(3, 1e6, 1000).length, 3);
  assert.equal(queue.lease(100, 250, 1000).length, 2);
  assert.equal(queue.lease(100, 10, 1000).length, 1);
});

test("clear empties the queue (opt-out)", () => {
  const queue = tab(new FakeStorage());
  queue.push(message());
  queue.clear();
  assert.equal(queue.size(), 0);
});

test("without storage the queue works in memory", () => {
  const queue = tab(new FakeStorage({ failing: true }));
  const a = message();
  queue.push(a);
  assert.deepEqual(ids(queue.lease(10, 1e6, 1000)), [a.messageId]);
});

test("over quota the queue keeps going in memory", () => {
  const backing = new FakeStorage({ quota: 400 });
  const queue = tab(backing);
  const messages = [1, 2, 3, 4, 5].map(() => message());
  messages.forEach((m) => queue.push(m));
  assert.equal(queue.size(), 5);
  assert.deepEqual(ids(queue.lease(10, 1e6, 1000)), ids(messages));
});

test("a corrupt stored value is ignored", () => {
  const backing = new FakeStorage();
  backing.setItem(KEY, "{not json");
  const queue = tab(backing);
  assert.equal(queue.size(), 0);
  queue.push(message());
  assert.equal(queue.size(), 1);
});
