import assert from "node:assert/strict";
import { test } from "node:test";

import { createQueue } from "../src/queue.js";
import { createStore } from "../src/storage.js";
import { createSender } from "../src/transport.js";
import { FakeStorage, fakeClock, fakeFetch, fakeLocks, message } from "./fakes.mjs";

const URL = "https://gw.example/v1/batch";

/** A tab with a queue over `backing` and a sender whose fetch answers `answers` in turn. */
function setup(answers = [200], { backing = new FakeStorage(), beacon, locks = null, ...options } = {}) {
  const clock = fakeClock();
  const queue = createQueue(createStore(() => backing), "gw_q_pk", { now: clock.now, locks });
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
  queue.size = () => {
    const all = queue.lease(1e6, 1e9);
    queue.release(all);
    return all.length;
  };
  return { clock, queue, sender, calls, timers, backing, retries: () => timers.filter((t) => t.ms != 15e3) };
}

const STATUSES = { 200: "sent", 204: "sent", network: "retried", 429: "retried", 500: "retried", 502: "retried",
  503: "retried", 400: "dropped", 401: "dropped", 403: "dropped", 404: "dropped", 413: "dropped", 422: "dropped" };

for (const [answer, verdict] of Object.entries(STATUSES))
  test(`${answer}: the batch is ${verdict}`, async () => {
    const { queue, sender, retries } = setup([answer == "network" ? answer : +answer]);
    queue.push(message());
    await sender.flush();
    assert.equal(queue.size(), verdict == "retried" ? 1 : 0);
    assert.equal(retries().length, verdict == "retried" ? 1 : 0);
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
  assert.equal(init.headers, undefined); // a string body goes as text/plain: no CORS preflight
  assert.equal(typeof init.body, "string");
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

test("two tabs starting at once send what a closed tab left once between them", async () => {
  const backing = new FakeStorage();
  const closed = setup([200], { backing });
  for (let i = 0; i < 5; i++) closed.queue.push(message());
  closed.queue.save(true);
  const locks = fakeLocks();
  const [tabA, tabB] = [setup([200], { backing, locks }), setup([200], { backing, locks })];
  await Promise.all([tabA, tabB].map(({ queue, sender }) => new Promise((done) => queue.sync(done)).then(sender.flush)));
  const sent = [...tabA.calls, ...tabB.calls].flatMap((c) => c.body.batch.map((m) => m.messageId));
  assert.equal(sent.length, 5);
  assert.equal(new Set(sent).size, 5);
});

test("page hide: sendBeacon with a text/plain body; what it took is forgotten", () => {
  const beacons = [];
  const { queue, sender } = setup([200], { beacon: (url, body) => beacons.push({ url, body }) && true });
  const m = message();
  queue.push(m);
  assert.equal(sender.unload(), true); // the server answered the last request (none yet)
  assert.equal(beacons.length, 1);
  assert.equal(beacons[0].url, URL);
  assert.equal(typeof beacons[0].body, "string");
  assert.deepEqual(JSON.parse(beacons[0].body).batch, [m]);
  assert.equal(queue.size(), 0);
});

test("page hide after a failed request: no beacon, everything stays queued for this page or the next", async () => {
  const beacons = [];
  const { queue, sender } = setup([503], { beacon: (url, body) => beacons.push(body) });
  queue.push(message());
  await sender.flush();
  queue.push(message());
  assert.equal(sender.unload(), false);
  assert.equal(beacons.length, 0);
  assert.equal(queue.size(), 2);
});

test("page hide splits big queues into beacons under 60 KB and keeps what the browser refuses", () => {
  const bodies = [];
  const { queue, sender } = setup([200], { beacon: (url, body) => bodies.push(body) < 2 });
  for (let i = 0; i < 60; i++) queue.push(message({ properties: { blob: "x".repeat(2000) } }));
  sender.unload();
  assert.equal(bodies.length, 2);
  for (const body of bodies) assert.ok(Buffer.byteLength(body) < 61e3);
  // The refused chunk is kept (offline, or over the beacon quota); the first one is gone.
  assert.equal(queue.size(), 60 - JSON.parse(bodies[0]).batch.length);
});

test("without sendBeacon, page hide flushes with fetch", async () => {
  const { queue, sender, calls } = setup([200]);
  queue.push(message());
  assert.equal(sender.unload(), true);
  assert.equal(calls.length, 1); // a keepalive fetch, under way
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
