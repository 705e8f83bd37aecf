import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { text } from "../src/questions/text.js";
import { all, byText, install } from "./dom.mjs";
import { ctx, question } from "./survey.mjs";

beforeEach(() => install());

function mount(q = question("detractor"), extra = { last: true }) {
  const answers = [];
  const view = text.view(q, (a) => answers.push(a), ctx(extra));
  const area = all(view).find((el) => el.tagName == "TEXTAREA");
  return { view, area, answers, type: (value) => ((area.value = value), area.dispatch({ type: "input" })) };
}

test("a textarea labelled by the question, with the question's limit and placeholder", () => {
  const { area } = mount({ ...question("detractor"), maxLength: 280, placeholder: "Tell us <more>" });
  assert.equal(area.getAttribute("aria-labelledby"), "q");
  assert.equal(area.maxLength, 280);
  assert.equal(area.placeholder, "Tell us <more>");
  assert.equal(mount({ id: "t", type: "text", text: "?" }).area.maxLength, 1000); // the default limit
});

test("Submit is disabled until there is text, then answers with it trimmed", () => {
  const { view, answers, type } = mount();
  const submit = byText(view, "Submit");
  assert.equal(submit.disabled, true);
  type("   ");
  assert.equal(submit.disabled, true);
  type("  too slow \n");
  assert.equal(submit.disabled, false);
  submit.click();
  assert.deepEqual(answers, ["too slow"]);
});

test("Ctrl+Enter or Cmd+Enter submits; Enter alone is a new line", () => {
  const { area, answers, type } = mount();
  type("fast");
  area.key("Enter");
  assert.deepEqual(answers, []);
  area.key("Enter", { ctrlKey: true });
  area.key("Enter", { metaKey: true });
  assert.deepEqual(answers, ["fast", "fast"]);
});

test("Next when more questions may follow", () => {
  assert.ok(byText(mount(question("detractor"), { last: false }).view, "Next"));
});

test("an optional question can be submitted empty (answer null: skipped)", () => {
  const { view, answers } = mount({ ...question("detractor"), required: false });
  const submit = byText(view, "Submit");
  assert.equal(submit.disabled, false);
  submit.click();
  assert.deepEqual(answers, [null]);
});

test("valid answers are non-blank strings within the limit", () => {
  const q = { ...question("detractor"), maxLength: 5 };
  assert.equal(text.valid(q, "hello"), true);
  assert.equal(text.valid(q, "hello!"), false);
  assert.equal(text.valid(q, "  "), false);
  assert.equal(text.valid(q, 5), false);
});
