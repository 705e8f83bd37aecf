import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { multi_choice } from "../src/questions/multi_choice.js";
import { byRole, byText, install } from "./dom.mjs";
import { ctx } from "./survey.mjs";

beforeEach(() => install());

const goals = (extra = {}) => ({
  id: "goals",
  type: "multi_choice",
  text: "What do you want to do?",
  choices: [
    { id: "reporting", label: "Reporting" },
    { id: "alerts", label: "Alerts" },
    { id: "export", label: "Export" },
  ],
  ...extra,
});

function mount(q = goals(), extra) {
  const answers = [];
  const view = multi_choice.view(q, (a) => answers.push(a), ctx(extra));
  return { view, boxes: byRole(view, "checkbox"), answers };
}

test("one checkbox per choice in a labelled group, and a Next button", () => {
  const { view, boxes } = mount();
  const [group] = byRole(view, "group");
  assert.equal(group.getAttribute("aria-labelledby"), "q");
  assert.deepEqual(boxes.map((b) => b.textContent), ["Reporting", "Alerts", "Export"]);
  assert.ok(boxes.every((b) => b.getAttribute("aria-checked") == "false" && b.tabIndex == 0)); // each a tab stop
  assert.ok(byText(view, "Next"));
  assert.ok(byText(mount(goals(), { last: true }).view, "Submit"));
});

test("clicks toggle; Next is enabled once something is picked and answers in the survey's order", () => {
  const { view, boxes, answers } = mount();
  const next = byText(view, "Next");
  assert.equal(next.disabled, true);
  boxes[2].click();
  boxes[0].click();
  boxes[1].click();
  boxes[1].click(); // unticked again
  assert.equal(boxes[1].getAttribute("aria-checked"), "false");
  assert.equal(boxes[2].getAttribute("aria-checked"), "true");
  assert.equal(next.disabled, false);
  next.click();
  assert.deepEqual(answers, [["reporting", "export"]]);
});

test("unticking everything disables Next again", () => {
  const { view, boxes } = mount();
  boxes[0].click();
  boxes[0].click();
  assert.equal(byText(view, "Next").disabled, true);
});

test("an optional question can be passed with nothing picked (answer null: skipped)", () => {
  const { view, answers } = mount(goals({ required: false }));
  const next = byText(view, "Next");
  assert.equal(next.disabled, false);
  next.click();
  assert.deepEqual(answers, [null]);
});

test("valid answers are non-empty lists of the question's choice ids", () => {
  const q = goals();
  assert.equal(multi_choice.valid(q, ["alerts"]), true);
  assert.equal(multi_choice.valid(q, ["alerts", "export"]), true);
  assert.equal(multi_choice.valid(q, []), false);
  assert.equal(multi_choice.valid(q, ["nope"]), false);
  assert.equal(multi_choice.valid(q, "alerts"), false);
  assert.equal(multi_choice.auto, undefined);
});

test("a cue says several may be chosen, and the group points to it", () => {
  const { view } = mount();
  const cue = byText(view, "Choose any that apply");
  assert.ok(cue);
  assert.equal(byRole(view, "group")[0].getAttribute("aria-describedby"), cue.id);
});
