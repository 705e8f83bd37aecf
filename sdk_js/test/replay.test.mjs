import assert from "node:assert/strict";
import { test } from "node:test";

import { order } from "../src/replay.js";

test("init first, then identity calls in order, then the rest in order", () => {
  const calls = [
    ["track", ["a"]],
    ["page", []],
    ["identify", ["u1"]],
    ["init", ["pk_1"]],
    ["track", ["b"]],
    ["group", ["acme"]],
    ["optOut", []],
    ["flush", []],
    ["reset", []],
    ["optIn", []],
  ];
  assert.deepEqual(
    order(calls).map(([name, args]) => [name, ...args].join(":")),
    ["init:pk_1", "identify:u1", "group:acme", "optOut", "reset", "optIn", "track:a", "page", "track:b", "flush"],
  );
});

test("entries that are not calls are skipped", () => {
  assert.deepEqual(order([null, "x", ["track", []]]), [["track", []]]);
});
