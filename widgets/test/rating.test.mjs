import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { rating } from "../src/questions/rating.js";
import { byRole, install } from "./dom.mjs";
import { ctx, question } from "./survey.mjs";

beforeEach(() => install());

const labels = (q) => byRole(rating.view(q, () => {}, ctx()), "radio").map((r) => r.textContent);

test("a scale of 5 is 1 to 5, a scale of 7 is 1 to 7", () => {
  assert.deepEqual(labels(question("csat")), ["1", "2", "3", "4", "5"]);
  assert.deepEqual(labels({ ...question("csat"), scale: 7 }), ["1", "2", "3", "4", "5", "6", "7"]);
  assert.deepEqual(labels({ ...question("csat"), scale: undefined }), ["1", "2", "3", "4", "5"]);
});

test("choosing answers with the number at once", () => {
  const answers = [];
  const radios = byRole(rating.view(question("csat"), (a) => answers.push(a), ctx()), "radio");
  radios[3].click();
  assert.deepEqual(answers, [4]);
  assert.equal(rating.auto, true);
});

test("valid answers are the integers from 1 to the scale", () => {
  const five = question("csat");
  const seven = { ...five, scale: 7 };
  assert.equal(rating.valid(five, 1), true);
  assert.equal(rating.valid(five, 5), true);
  assert.equal(rating.valid(five, 6), false);
  assert.equal(rating.valid(seven, 7), true);
  assert.equal(rating.valid(five, 0), false);
  assert.equal(rating.valid(five, "3"), false);
});
