// The built file, as the tracker loads it: it defines window.gapwiseWidgets once and renders.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { beforeEach, test } from "node:test";
import vm from "node:vm";

import { byRole, install } from "./dom.mjs";
import { example } from "./survey.mjs";

const code = readFileSync(new URL("../dist/widgets.min.js", import.meta.url), "utf8");
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

let document;
beforeEach(() => {
  document = install();
  delete globalThis.gapwiseWidgets;
});

test("defines gapwiseWidgets with render and the package version", () => {
  vm.runInThisContext(code);
  assert.equal(typeof window.gapwiseWidgets.render, "function");
  assert.equal(window.gapwiseWidgets.version, version);
});

test("loading it twice keeps the first copy", () => {
  vm.runInThisContext(code);
  const first = window.gapwiseWidgets;
  vm.runInThisContext(code);
  assert.equal(window.gapwiseWidgets, first);
});

test("the built renderer shows the example survey and answers through the hooks", () => {
  vm.runInThisContext(code);
  const answers = [];
  window.gapwiseWidgets.render(example(), { onAnswer: (a, completed) => answers.push([a, completed]) });
  const root = document.body.lastChild.shadowRoot;
  assert.equal(byRole(root, "dialog").length, 1);
  byRole(root, "radio")[9].click();
  assert.deepEqual(answers, [[{ score: 9 }, false]]);
});
