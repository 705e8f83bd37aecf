import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { single_choice } from "../src/questions/single_choice.js";
import { byRole, install } from "./dom.mjs";
import { ctx, question } from "./survey.mjs";

beforeEach(() => install());

test("one radio per choice, with its label as text, in a labelled group", () => {
  const view = single_choice.view(question("role"), () => {}, ctx());
  assert.equal(view.getAttribute("role"), "radiogroup");
  assert.equal(view.getAttribute("aria-labelledby"), "q");
  assert.deepEqual(byRole(view, "radio").map((r) => r.textContent), ["Product manager", "Engineer"]);
});

test("choosing answers with the choice id at once", () => {
  const answers = [];
  const view = single_choice.view(question("role"), (a) => answers.push(a), ctx());
  byRole(view, "radio")[1].click();
  assert.deepEqual(answers, ["eng"]);
  assert.equal(single_choice.auto, true);
});

test("a label that looks like markup stays text", () => {
  const q = { ...question("role"), choices: [{ id: "x", label: "<b>bold</b>" }, { id: "y", label: "&amp;" }] };
  const [first, second] = byRole(single_choice.view(q, () => {}, ctx()), "radio");
  assert.equal(first.textContent, "<b>bold</b>");
  assert.equal(first.children.length, 0);
  assert.equal(second.textContent, "&amp;");
});

test("valid answers are the question's choice ids", () => {
  const q = question("role");
  assert.equal(single_choice.valid(q, "pm"), true);
  assert.equal(single_choice.valid(q, "ops"), false);
  assert.equal(single_choice.valid(q, ["pm"]), false);
});
