// Page mode: a survey link's own page renders the survey inline, without a close button, and goes on from an
// answer the link carried.
import assert from "node:assert/strict";
import { afterEach, beforeEach, mock, test } from "node:test";

import { render } from "../src/widget.js";
import { all, byRole, byText, install } from "./dom.mjs";
import { example } from "./survey.mjs";

let document;
beforeEach(() => {
  document = install();
  mock.timers.enable({ apis: ["setTimeout"] });
});
afterEach(() => mock.timers.reset());

function inPage(extra = {}) {
  const into = document.createElement("main");
  document.body.appendChild(into);
  const calls = [];
  render(example(), {
    mode: "page",
    into,
    onAnswer: (answers, completed) => calls.push([answers, completed]),
    onClose: () => calls.push("closed"),
    ...extra,
  });
  const host = into.lastChild;
  const root = host.shadowRoot;
  const title = () => all(root).find((el) => el.id == "q").textContent;
  return { into, host, root, calls, title };
}

test("inline in the given element, full width, with no close button", () => {
  const { into, host, root } = inPage();
  assert.equal(host.parentNode, into);
  assert.equal(host.style.cssText, "all:initial;display:block");
  assert.equal(byRole(root, "dialog")[0].className, "box page");
  assert.equal(all(root).filter((el) => el.className == "x").length, 0);
  assert.match(root.adoptedStyleSheets[0].text, /\.page button\{min-height:44px\}/);
});

test("an answer given in the link counts at once, and the follow-up is asked", () => {
  const { calls, title } = inPage({ answers: { score: 9 } });
  assert.deepEqual(calls, [[{ score: 9 }, false]]);
  assert.equal(title(), "What do you like most?");
});

test("an invalid answer in the link is ignored: the first question is asked", () => {
  const { calls, title } = inPage({ answers: { score: 11 } });
  assert.deepEqual(calls, []);
  assert.equal(title(), "How likely are you to recommend Acme?");
});

test("the thank-you text stays: a page does not close", () => {
  const { calls, root, title } = inPage({ answers: { score: 9 } });
  const area = all(root).find((el) => el.tagName == "TEXTAREA");
  area.value = "Fast exports";
  area.dispatch({ type: "input" });
  byText(root, "Submit").click();
  mock.timers.tick(10_000);
  assert.equal(title(), "Thank you!");
  assert.ok(!calls.includes("closed"));
  assert.deepEqual(calls.at(-1), [{ score: 9, promoter: "Fast exports" }, true]);
});
