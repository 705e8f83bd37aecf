import assert from "node:assert/strict";
import { test } from "node:test";

import { createStore } from "../src/storage.js";
import { FakeStorage } from "./fakes.mjs";

test("reads and writes through to localStorage", () => {
  const backing = new FakeStorage();
  const store = createStore(() => backing);
  store.set("gw_aid", "a1");
  assert.equal(backing.getItem("gw_aid"), "a1");
  assert.equal(createStore(() => backing).get("gw_aid"), "a1");
  store.del("gw_aid");
  assert.equal(store.get("gw_aid"), null);
});

test("disabled storage degrades to memory without throwing", () => {
  for (const getBacking of [() => new FakeStorage({ failing: true }), () => { throw new Error("SecurityError"); }]) {
    const store = createStore(getBacking);
    assert.equal(store.get("k"), undefined); // nothing stored (null, or undefined when storage throws)
    store.set("k", "v");
    assert.equal(store.get("k"), "v");
    store.del("k");
    assert.equal(store.get("k"), undefined);
  }
});

test("a value over quota stays in memory, and goes back to storage once it fits", () => {
  const backing = new FakeStorage({ quota: 5 });
  const store = createStore(() => backing);
  store.set("k", "too long");
  assert.equal(store.get("k"), "too long");
  assert.equal(backing.getItem("k"), null);
  store.set("k", "ok");
  assert.equal(backing.getItem("k"), "ok");
  assert.equal(store.get("k"), "ok");
});

test("keys lists what is stored (for the queue's tabs); none when storage is blocked", () => {
  const backing = new FakeStorage();
  const store = createStore(() => backing);
  store.set("a", "1");
  store.set("b", "2");
  store.del("a");
  assert.deepEqual(store.keys(), ["b"]);
  const blocked = createStore(() => {
    throw new Error("SecurityError");
  });
  blocked.set("k", "v"); // kept in memory: this tab's alone
  assert.deepEqual(blocked.keys(), []);
});
