import assert from "node:assert/strict";
import { test } from "node:test";

import { backoff, retryAfter, retryDelay } from "../src/backoff.js";

const low = () => 0;
const high = () => 1 - Number.EPSILON;

test("exponential from 1 s, doubling, with equal jitter", () => {
  for (const [attempt, ceiling] of [[0, 1000], [1, 2000], [2, 4000], [5, 32000]]) {
    assert.equal(backoff(attempt, low), ceiling / 2);
    assert.ok(backoff(attempt, high) < ceiling && backoff(attempt, high) > ceiling * 0.99);
  }
});

test("capped at 60 s", () => {
  for (const attempt of [6, 10, 100, 2000]) {
    assert.ok(backoff(attempt, high) <= 60e3);
    assert.equal(backoff(attempt, low), 30e3);
  }
});

test("jitter spreads retries", () => {
  const delays = new Set(Array.from({ length: 50 }, () => backoff(3)));
  assert.ok(delays.size > 40);
  for (const d of delays) assert.ok(d >= 4000 && d <= 8000);
});

test("Retry-After in seconds or as an HTTP date", () => {
  const now = Date.parse("2026-11-23T10:00:00Z");
  const cases = [
    ["120", 120e3],
    ["0", 1000], // never a hot loop
    ["Mon, 23 Nov 2026 10:00:30 GMT", 30e3],
    ["Mon, 23 Nov 2026 09:00:00 GMT", 1000], // already past
    ["999999", 3600e3], // capped at an hour
    ["soon", undefined],
    ["", undefined],
    [null, undefined],
  ];
  for (const [header, expected] of cases) assert.equal(retryAfter(header, now), expected, `Retry-After: ${header}`);
});

test("the server's Retry-After wins over backoff", () => {
  assert.equal(retryDelay(0, "7", low, 0), 7000);
  assert.equal(retryDelay(3, null, low, 0), 4000);
});
