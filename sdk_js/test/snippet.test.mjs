// The loader snippet, source and minified, run against a minimal window and document.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import vm from "node:vm";

const SOURCES = {
  source: readFileSync(new URL("../src/snippet.js", import.meta.url), "utf8"),
  minified: readFileSync(new URL("../dist/snippet.min.js", import.meta.url), "utf8"),
};

/** A page with `head`, `createElement` and a current <script> carrying a CSP nonce. */
function page() {
  const appended = [];
  const document = {
    currentScript: { nonce: "n0nce" },
    head: { appendChild: (el) => appended.push(el) },
    createElement: (tag) => ({ tag }),
  };
  const window = { document, location: { origin: "https://app.example" }, Promise };
  window.window = window;
  const context = vm.createContext(window);
  return { window, appended, run: (code) => vm.runInContext(code, context) };
}

/** Plain data out of the page's realm (its arrays have another Array.prototype). */
const plain = (value) => JSON.parse(JSON.stringify(value));

for (const [label, code] of Object.entries(SOURCES)) {
  test(`${label}: every public method records its calls in order`, () => {
    const { window, run } = page();
    run(code);
    const g = window.gapwise;
    assert.equal(g.invoked, true);
    assert.equal(g._v, 1);
    g.identify("u1", { plan: "trial" });
    g.track("Report Exported", { format: "pdf" });
    for (const name of ["group", "page", "reset", "optOut", "optIn", "showSurvey", "on"]) g[name]("x");
    assert.deepEqual(
      plain(g._q),
      [["identify", ["u1", { plan: "trial" }]], ["track", ["Report Exported", { format: "pdf" }]],
       ...["group", "page", "reset", "optOut", "optIn", "showSurvey", "on"].map((name) => [name, ["x"]])],
    );
    assert.ok(Array.isArray(g._q[0][1]));
  });

  test(`${label}: init inserts the tracker once, async, from the host`, () => {
    const { window, appended, run } = page();
    run(code);
    window.gapwise.init("pk_1", { host: "https://gw.example//" });
    window.gapwise.init("pk_1", { host: "https://other.example" });
    assert.equal(appended.length, 1);
    assert.deepEqual(appended[0], { tag: "script", async: true, src: "https://gw.example/sdk/gapwise.js", nonce: "n0nce" });
    assert.deepEqual(plain(window.gapwise._q[0]), ["init", ["pk_1", { host: "https://gw.example//" }]]);
  });

  test(`${label}: without a host, the tracker comes from the page's origin`, () => {
    const { window, appended, run } = page();
    run(code);
    window.gapwise.init("pk_1");
    assert.equal(appended[0].src, "https://app.example/sdk/gapwise.js");
  });

  test(`${label}: a second copy of the snippet does nothing`, () => {
    const { window, run } = page();
    run(code);
    const first = window.gapwise;
    const track = first.track;
    first.track("a");
    run(code);
    assert.equal(window.gapwise, first);
    assert.equal(window.gapwise.track, track);
    assert.equal(window.gapwise._q.length, 1);
  });

  test(`${label}: flush() returns a promise the tracker resolves on replay`, async () => {
    const { window, run } = page();
    run(code);
    const promise = window.gapwise.flush();
    const [name, args, resolve] = window.gapwise._q[0];
    assert.equal(name, "flush");
    assert.equal(args.length, 0);
    resolve("sent");
    assert.equal(await promise, "sent");
  });

  test(`${label}: a broken page (no <head>) does not make init throw`, () => {
    const { window, run } = page();
    run(code);
    window.document.head = null;
    assert.doesNotThrow(() => window.gapwise.init("pk_1"));
  });
}
