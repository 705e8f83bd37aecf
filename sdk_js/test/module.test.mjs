// The npm module where there is no browser (server-side rendering): importing it reads no global,
// and init() answers with an API whose calls do nothing. tests/browser/ drives it in Chromium.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

test("the package's import target is the ES module build, exporting init alone", async () => {
  const module = await import(new URL("../" + pkg.exports["."].import, import.meta.url));
  assert.deepEqual(Object.keys(module), ["init"]);
});

test("on the server, init returns an API that does nothing and writes no global", async () => {
  const { init } = await import("../esm/gapwise.mjs");
  const before = Object.keys(globalThis).sort();
  const api = init({ writeKey: "pk_test", host: "https://gapwise.example.com" });
  assert.deepEqual(Object.keys(api).sort(), [
    "flush", "group", "identify", "on", "optIn", "optOut", "page", "reset", "showSurvey", "track",
  ]);
  assert.equal(api.identify("user-42", { plan: "pro" }), undefined);
  assert.equal(api.track("Report Exported"), undefined);
  assert.equal(await api.flush(), undefined);
  const stop = api.on("survey:shown", () => assert.fail("no survey on a server"));
  assert.equal(typeof stop, "function");
  stop();
  assert.deepEqual(Object.keys(globalThis).sort(), before);
  assert.equal(globalThis.gapwise, undefined);
});
