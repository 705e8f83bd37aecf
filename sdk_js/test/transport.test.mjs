import assert from "node:assert/strict";
import { test } from "node:test";

import { createQueue } from "../src/queue.js";
import { createStore } from "../src/storage.js";
import { classify, createSender } from "../src/transport.js";
import { FakeStorage, fakeClock, fakeFetch, message } from "./fakes.mjs";

const URL = "https://gw.example/v1/batch";

/** A tab with a queue over `backing` and a sender whose fetch answers `answers` in turn. */
function setup(answers = [200], { backing = new FakeStorage(), beacon, ...options } = {}) {
  const clock = fakeClock();
  const queue = createQueue(createStore(() => backing), "gw_q_pk", { now: clock.now });
  const { fetch, calls } = fakeFetch(answers);
  const timers = [];
  const sender = createSender({
    queue,
    writeKey: "pk",
    url: URL,
    fetch,
    beacon,
    now: clock.now,
    random: () => 0.5,
    later: (fn, ms) => timers.push({ fn, ms }), // never fires by itself
    ...options,
  });
  return { clock, queue, sender, calls, timers, backing, retries: () => timers.filter((t) => t.ms != 15e3) };
}

test("statuses: 2xx sent; network error, 429 and 5xx retried; other 4xx dropped", () => {
  const cases = { 200: "ok", 204: "ok", 0: "retry", 429: "retry", 500: "retry", 502: "retry", 503: "retry",
    400: "drop", 401: "drop", 403: "drop", 404: "drop", 413: "drop", 422: "drop" };
  for (const [status, verdict] of Object.entries(cases)) assert.equal(classify(+status), verdict, status);
});

test("a 200 sends the batch in the documented envelope and empties the queue", async () => {
  const { queue, sender, calls, clock } = setup([200]);
  const m = message();
  queue.push(m);
  await sender.flush();
  assert.equal(calls.length, 1);
  const { url, init, body } = calls[0];
  assert.equal(url, URL);
  assert.equal(init.method, "POST");
  assert.equal(init.keepalive, true);
  assert.equal(init.credentials, "omit");
  assert.deepEqual(init.headers, { "Content-Type": "text/plain" }); // no CORS preflight
  assert.deepEqual(body, { writeKey: "pk", sentAt: new Date(clock.t).toISOString(), batch: [m] });
  assert.equal(queue.size(), 0);
});

for (const answer of ["network", 500, 503, 429]) {
  test(`${answer}: the batch is kept and retried later with the same messageIds`, async () => {
    const { queue, sender, calls, retries, clock } = setup([answer, 200]);
    const m = message();
    queue.push(m);
    await sender.flush();
    assert.equal(queue.size(), 1);
    assert.equal(retries().length, 1);
    await sender.flush(); // still backing off: nothing sent
    assert.equal(calls.length, 1);
    clock.tick(retries()[0].ms);
    await retries()[0].fn();
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[1].body.batch.map((x) => x.messageId), [m.messageId]);
    assert.equal(queue.size(), 0);
  });
}

test("429 honours Retry-After", async () => {
  const { queue, sender, retries } = setup([{ status: 429, retryAfter: "42" }]);
  queue.push(message());
  await sender.flush();
  assert.equal(retries()[0].ms, 42e3);
});

test("failures back off exponentially, and a success resets the backoff", async () => {
  const { queue, sender, retries, clock } = setup([503, 503, 503, 200, 503]);
  queue.push(message());
  for (let i = 0; i < 4; i++) {
    clock.tick(120e3);
    await sender.flush();
  }
  // random() = 0.5 with equal jitter: 3/4 of 1 s, 2 s, 4 s
  assert.deepEqual(retries().map((t) => t.ms), [750, 1500, 3000]);
  queue.push(message());
  clock.tick(120e3);
  await sender.flush();
  assert.equal(retries().at(-1).ms, 750);
});

test("other 4xx: the batch is dropped, not retried", async () => {
  const { queue, sender, calls, retries } = setup([400]);
  queue.push(message());
  await sender.flush();
  assert.equal(calls.length, 1);
  assert.equal(queue.size(), 0);
  assert.equal(retries().length, 0);
});

test("a large queue goes in several requests, each under 60 KB and 500 messages", async () => {
  const { queue, sender, calls } = setup([200]);
  for (let i = 0; i < 600; i++) queue.push(message());
  for (let i = 0; i < 100; i++) queue.push(message({ properties: { blob: "x".repeat(2000) } }));
  for (let i = 0; i < 100; i++) queue.push(message({ properties: { text: "déjà vu 🙂".repeat(200) } })); // bytes, not characters
  await sender.flush();
  assert.ok(calls.length >= 6);
  for (const { init, body } of calls) {
    assert.ok(Buffer.byteLength(init.body) < 61e3, `${Buffer.byteLength(init.body)} bytes`);
    assert.ok(body.batch.length <= 500);
  }
  assert.equal(calls.reduce((n, c) => n + c.body.batch.length, 0), 800);
  assert.equal(queue.size(), 0);
});

test("flush resolves once what was queued is sent, and never rejects", async () => {
  const { queue, sender } = setup([200], {
    fetch: () => {
      throw new Error("fetch is broken");
    },
  });
  queue.push(message());
  await sender.flush(); // resolves despite the throw
  const broken = setup([200], { later: () => { throw new Error("timers are broken"); } });
  broken.queue.push(message());
  await broken.sender.flush();
});

test("concurrent flushes share one drain (one request in flight per tab)", async () => {
  const { queue, sender, calls } = setup([200]);
  queue.push(message());
  const [a, b] = [sender.flush(), sender.flush()];
  assert.equal(a, b);
  queue.push(message()); // queued while the request is in flight: the same drain sends it
  await a;
  assert.equal(calls.length, 2);
  assert.equal(queue.size(), 0);
});

test("two tabs never send the same message at once", async () => {
  const backing = new FakeStorage();
  const tabA = setup([200], { backing });
  const tabB = setup([200], { backing });
  for (let i = 0; i < 5; i++) tabA.queue.push(message());
  await Promise.all([tabA.sender.flush(), tabB.sender.flush()]);
  const sent = [...tabA.calls, ...tabB.calls].flatMap((c) => c.body.batch.map((m) => m.messageId));
  assert.equal(sent.length, 5);
  assert.equal(new Set(sent).size, 5);
});

test("page hide: sendBeacon with a text/plain body, messages kept under a short lease", () => {
  const beacons = [];
  const { queue, sender, clock } = setup([200], { beacon: (url, body) => beacons.push({ url, body }) && true });
  const m = message();
  queue.push(m);
  sender.unload();
  assert.equal(beacons.length, 1);
  assert.equal(beacons[0].url, URL);
  assert.deepEqual(JSON.parse(beacons[0].body).batch, [m]);
  assert.equal(queue.size(), 1); // kept: a beacon has no answer
  assert.deepEqual(queue.lease(10, 1e6, 1000), []); // leased
  clock.tick(10e3 + 1);
  assert.deepEqual(queue.lease(10, 1e6, 1000).map((x) => x.messageId), [m.messageId]); // a later load resends it
});

test("page hide splits big queues into beacons under 60 KB and stops when the browser refuses", () => {
  const bodies = [];
  const { queue, sender } = setup([200], { beacon: (url, body) => bodies.push(body) < 2 });
  for (let i = 0; i < 60; i++) queue.push(message({ properties: { blob: "x".repeat(2000) } }));
  sender.unload();
  assert.equal(bodies.length, 2);
  for (const body of bodies) assert.ok(Buffer.byteLength(body) < 61e3);
  // The refused chunk is released at once; the first one stays leased.
  const eligible = queue.lease(500, 1e9, 1000).length;
  assert.equal(eligible, 60 - JSON.parse(bodies[0]).batch.length);
});

test("without sendBeacon, page hide flushes with fetch", async () => {
  const { queue, sender, calls } = setup([200]);
  queue.push(message());
  await sender.unload();
  assert.equal(calls.length, 1);
});

test("a hung request times out and is retried", async () => {
  const timers = [];
  const { queue, sender } = setup([200], {
    fetch: () => new Promise(() => {}),
    later: (fn, ms) => timers.push({ fn, ms }),
  });
  queue.push(message());
  const done = sender.flush();
  await new Promise((r) => setImmediate(r));
  const timeout = timers.find((t) => t.ms == 15e3);
  timeout.fn();
  await done;
  assert.equal(queue.size(), 1);
  assert.ok(timers.some((t) => t.ms != 15e3)); // a retry is scheduled
});

test("a retry timer that fires a little before the backoff ends still sends (browsers round timers)", async () => {
  const { queue, sender, calls, retries, clock } = setup([503, 200], { random: () => 0.4321 });
  queue.push(message());
  await sender.flush();
  const { ms, fn } = retries()[0];
  assert.notEqual(ms, Math.floor(ms)); // a fractional delay...
  clock.tick(Math.floor(ms)); // ...and a timer that fires on the whole millisecond before it
  await fn();
  assert.equal(calls.length, 2);
  assert.equal(queue.size(), 0);
});
