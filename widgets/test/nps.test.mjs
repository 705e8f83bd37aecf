import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { nps } from "../src/questions/nps.js";
import { all, byRole, install } from "./dom.mjs";
import { ctx, question } from "./survey.mjs";

let document;
beforeEach(() => (document = install()));

/** Render the example's NPS question into the body; returns its radios and the answers given. */
function mount(q = question("score"), extra) {
  const answers = [];
  const view = nps.view(q, (answer) => answers.push(answer), ctx(extra));
  document.body.appendChild(view);
  return { view, radios: byRole(view, "radio"), answers };
}

test("eleven radios, 0 to 10, in a radio group labelled by the question", () => {
  const { view, radios } = mount();
  const [group] = byRole(view, "radiogroup");
  assert.equal(group.getAttribute("aria-labelledby"), "q");
  assert.deepEqual(radios.map((r) => r.textContent), ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
  assert.ok(radios.every((r) => r.tagName == "BUTTON" && r.getAttribute("aria-checked") == "false"));
  assert.deepEqual(radios.map((r) => r.tabIndex), [0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1]); // one tab stop
});

test("the low and high labels describe the end buttons", () => {
  const { view, radios } = mount();
  const lo = all(view).find((el) => el.id == "lo");
  const hi = all(view).find((el) => el.id == "hi");
  assert.equal(lo.textContent, "Not likely");
  assert.equal(hi.textContent, "Very likely");
  assert.equal(radios[0].getAttribute("aria-describedby"), "lo");
  assert.equal(radios[10].getAttribute("aria-describedby"), "hi");
  assert.equal(lo.parentNode.getAttribute("aria-hidden"), "true");
});

test("without labels, just the group", () => {
  const { view } = mount({ id: "s", type: "nps", text: "?" });
  assert.equal(view.getAttribute("role"), "radiogroup");
});

test("a click (or Enter/Space, which click a button) checks the radio and answers with its number", () => {
  const { radios, answers } = mount();
  radios[9].click();
  assert.deepEqual(answers, [9]);
  assert.equal(radios[9].getAttribute("aria-checked"), "true");
  assert.equal(radios.filter((r) => r.getAttribute("aria-checked") == "true").length, 1);
});

test("arrow keys move focus and the tab stop, wrapping around, without answering", () => {
  const { radios, answers } = mount();
  radios[0].focus();
  assert.equal(radios[0].key("ArrowRight").defaultPrevented, true);
  assert.equal(document.focused, radios[1]);
  document.focused.key("ArrowDown");
  assert.equal(document.focused, radios[2]);
  document.focused.key("ArrowUp");
  document.focused.key("ArrowLeft");
  document.focused.key("ArrowLeft");
  assert.equal(document.focused, radios[10]);
  assert.deepEqual(radios.map((r) => r.tabIndex).indexOf(0), 10);
  assert.deepEqual(answers, []);
  assert.equal(radios[10].key("Tab").defaultPrevented, false); // other keys are left alone
});

test("right to left: the left arrow moves forward", () => {
  const { radios } = mount(question("score"), { rtl: true });
  radios[0].focus();
  radios[0].key("ArrowLeft");
  assert.equal(document.focused, radios[1]);
  radios[1].key("ArrowRight");
  assert.equal(document.focused, radios[0]);
});

test("valid answers are the integers 0 to 10", () => {
  const q = question("score");
  for (const answer of [0, 5, 10]) assert.equal(nps.valid(q, answer), true, answer);
  for (const answer of [-1, 11, 2.5, "7", null, [7]]) assert.equal(nps.valid(q, answer), false, answer);
  assert.equal(nps.auto, true);
});
