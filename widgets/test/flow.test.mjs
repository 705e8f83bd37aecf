import assert from "node:assert/strict";
import { test } from "node:test";

import { END, last, next } from "../src/flow.js";
import { example } from "./survey.mjs";

const { questions } = example();
const q = (id) => questions.find((question) => question.id == id);

const ROWS = [
  // [question, answer, next question, why]
  ["score", 0, "detractor", "lowest score, first branch"],
  ["score", 6, "detractor", "upper bound of a branch is inclusive"],
  ["score", 7, "detractor", "no branch: the following question"],
  ["score", 9, "promoter", "second branch"],
  ["score", 10, "promoter", "upper bound"],
  ["detractor", "slow", END, "next: end"],
  ["promoter", "fast", END, "next: end"],
  ["role", "pm", "goals", "no branches, no next: the following question"],
  ["goals", ["reporting"], "csat", "following question"],
  ["csat", 4, END, "past the last question"],
  ["score", undefined, "detractor", "a skipped question follows next or the order"],
];

for (const [id, answer, expected, why] of ROWS)
  test(`after ${id} = ${JSON.stringify(answer)}: ${expected} (${why})`, () => {
    assert.equal(next(questions, q(id), answer), expected);
  });

test("choice branches: the chosen id, or any overlap for multiple choices", () => {
  const role = { id: "role", branches: [{ choices: ["eng", "ops"], goto: "tech" }], next: "other" };
  assert.equal(next([role], role, "eng"), "tech");
  assert.equal(next([role], role, "pm"), "other");
  assert.equal(next([role], role, ["pm", "ops"]), "tech");
  assert.equal(next([role], role, ["pm"]), "other");
});

test("a branch with only min or only max is open on the other side", () => {
  const rate = { id: "r", branches: [{ min: 4, max: null, goto: "happy" }, { max: 2, goto: "sad" }] };
  assert.equal(next([rate], rate, 5), "happy");
  assert.equal(next([rate], rate, 1), "sad");
  assert.equal(next([rate], rate, 3), END);
});

test("a numeric branch never matches text, and the first matching branch wins", () => {
  const rate = { id: "r", branches: [{ min: 0, max: 10, goto: "a" }, { min: 5, max: 10, goto: "b" }], next: "c" };
  assert.equal(next([rate], rate, 7), "a");
  assert.equal(next([rate], rate, "7"), "c");
});

test("last: only when every way out ends the survey", () => {
  assert.equal(last(questions, q("csat")), true);
  assert.equal(last(questions, q("detractor")), true);
  assert.equal(last(questions, q("role")), false);
  assert.equal(last(questions, q("score")), false);
  const branching = { id: "x", next: "end", branches: [{ min: 0, max: 1, goto: "y" }] };
  assert.equal(last([branching], branching), false);
});
