// render(): the dialog, its isolation and theme, keyboard and focus, the hooks, and bad input.
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

/** Render `survey` with hooks that record what they are told. */
function show(survey = example(), extra = {}) {
  const calls = [];
  const hooks = {
    onShown: () => calls.push(["shown"]),
    onAnswer: (answers, completed) => calls.push(["answer", answers, completed]),
    onDismiss: () => calls.push(["dismiss"]),
    onClose: (shown) => calls.push(shown ? ["close"] : ["close", "never shown"]),
    ...extra,
  };
  const handle = render(survey, hooks);
  const host = document.body.lastChild;
  const root = host && host.shadowRoot;
  const dialog = root && byRole(root, "dialog")[0];
  const title = () => all(root).find((el) => el.id == "q").textContent;
  return { handle, host, root, dialog, calls, title };
}

test("an open shadow root on a reset host, themed by custom properties", () => {
  const { host, root } = show();
  assert.equal(host.tagName, "GAPWISE-SURVEY");
  assert.equal(host.parentNode, document.body);
  assert.equal(host.style.cssText, "all:initial");
  assert.equal(host.style.getPropertyValue("--gw-accent"), "#4f46e5");
  assert.equal(host.style.getPropertyValue("--gw-bg"), "#ffffff");
  assert.equal(root.mode, "open");
  assert.equal(root.adoptedStyleSheets.length, 1);
  assert.match(root.adoptedStyleSheets[0].text, /max-width:calc\(100vw - 16px\)/);
  assert.equal(all(root).filter((el) => el.tagName == "STYLE").length, 0);
});

test("without constructable stylesheets, a <style> carrying the CSP nonce", () => {
  document = install({ constructable: false });
  const { root } = show(example(), { nonce: "n0nce" });
  const [style] = all(root).filter((el) => el.tagName == "STYLE");
  assert.equal(style.nonce, "n0nce");
  assert.match(style.textContent, /\.box\{/);
});

test("a non-modal dialog labelled by the question, positioned, with the survey's direction and language", () => {
  const { dialog, root, title } = show();
  assert.equal(dialog.getAttribute("aria-modal"), "false");
  assert.equal(dialog.getAttribute("aria-labelledby"), "q");
  assert.equal(title(), "How likely are you to recommend Acme?");
  assert.equal(dialog.className, "box bottom-right");
  assert.equal(dialog.dir, "ltr");
  assert.equal(dialog.lang, "en");
  assert.equal(byText(root, "×").getAttribute("aria-label"), "Close");
  const rtl = show({ ...example(), dir: "rtl", locale: "ar", appearance: { position: "center" } });
  assert.equal(rtl.dialog.dir, "rtl");
  assert.equal(rtl.dialog.className, "box center");
});

test("survey texts are text: markup appears literally", () => {
  const survey = example();
  survey.questions[0].text = "<img src=x onerror=alert(1)>";
  survey.questions[0].lowLabel = "<b>low</b>";
  const { root, title } = show(survey);
  assert.equal(title(), "<img src=x onerror=alert(1)>");
  assert.equal(all(root).filter((el) => el.tagName == "IMG" || el.tagName == "B").length, 0);
});

test("focus moves to the question when shown (no option looks chosen), and back to where it was when closed", () => {
  const button = document.createElement("button");
  document.body.appendChild(button);
  button.focus();
  const { host, root, handle } = show();
  assert.equal(document.activeElement, host);
  assert.equal(document.focused.id, "q");
  assert.ok(byRole(root, "radio").every((radio) => radio.getAttribute("aria-checked") == "false"));
  assert.equal(byRole(root, "radio")[0].tabIndex, 0); // Tab reaches the answers next
  handle.close();
  assert.equal(document.focused, button);
});

test("a detractor's path: score, text, thank you, then it closes by itself", () => {
  const { root, calls, title, host } = show();
  byRole(root, "radio")[3].click(); // 3: detractor branch
  assert.equal(title(), "What disappointed you?");
  const area = all(root).find((el) => el.tagName == "TEXTAREA");
  assert.equal(document.focused, area);
  area.value = "Exports are slow";
  area.dispatch({ type: "input" });
  byText(root, "Submit").click();
  assert.equal(title(), "Thank you!");
  assert.deepEqual(calls, [
    ["shown"],
    ["answer", { score: 3 }, false],
    ["answer", { score: 3, detractor: "Exports are slow" }, false],
    ["answer", { score: 3, detractor: "Exports are slow" }, true],
  ]);
  mock.timers.tick(2499);
  assert.equal(host.parentNode, document.body);
  mock.timers.tick(1);
  assert.equal(host.parentNode, null);
  assert.deepEqual(calls.at(-1), ["close"]);
});

test("a passive (7) goes on to the following question; every type in turn to the end", () => {
  const { root, calls, title } = show();
  byRole(root, "radio")[7].click();
  assert.equal(title(), "What disappointed you?");
  const survey = example();
  survey.questions = survey.questions.slice(3); // role, goals, csat
  const next = show(survey);
  byRole(next.root, "radio")[0].click();
  assert.equal(next.title(), "What do you want to do?");
  byRole(next.root, "checkbox")[0].click();
  byText(next.root, "Next").click();
  assert.equal(next.title(), "How satisfied…?");
  byRole(next.root, "radio")[4].click();
  assert.equal(next.title(), "Thank you!");
  assert.deepEqual(next.calls.at(-1), ["answer", { role: "pm", goals: ["reporting"], csat: 5 }, true]);
  assert.equal(calls.length, 2);
});

test("Escape dismisses before the end: onDismiss, then onClose, and the page does not see the key", () => {
  const { root, host, calls } = show();
  const seen = [];
  document.body.addEventListener("keydown", () => seen.push("page"));
  const event = byRole(root, "radio")[0].key("Escape");
  assert.equal(event.stopped, true);
  assert.deepEqual(seen, []);
  assert.deepEqual(calls, [["shown"], ["dismiss"], ["close"]]);
  assert.equal(host.parentNode, null);
  byRole(root, "radio")[0].click(); // a late click on a detached widget does nothing
  assert.equal(calls.length, 3);
});

test("the close button after the end only closes", () => {
  const survey = example();
  survey.questions = [survey.questions[5]];
  const { root, calls } = show(survey);
  byRole(root, "radio")[1].click();
  byText(root, "×").click();
  assert.deepEqual(calls.map(([name]) => name), ["shown", "answer", "answer", "close"]);
  mock.timers.tick(3000);
  assert.equal(calls.length, 4); // the thank-you timer does not close twice
});

test("close() from the handle closes without dismissing", () => {
  const { handle, calls } = show();
  handle.close();
  handle.close();
  assert.deepEqual(calls, [["shown"], ["close"]]);
});

test("optional auto-advancing questions get a Skip button; skipping records nothing", () => {
  const survey = example();
  survey.questions = [{ ...survey.questions[3], required: false }, survey.questions[5]];
  const { root, calls, title } = show(survey);
  byText(root, "Skip").click();
  assert.equal(title(), "How satisfied…?");
  assert.equal(byText(root, "Skip"), undefined); // the rating is required
  assert.deepEqual(calls, [["shown"]]);
});

test("labels can come with the survey (translated by the server)", () => {
  const survey = { ...example(), labels: { close: "Fermer" } };
  const { root } = show(survey);
  assert.equal(byText(root, "×").getAttribute("aria-label"), "Fermer");
});

test("a goto to an unknown question ends the survey", () => {
  const survey = example();
  survey.questions[0].branches = [{ min: 0, max: 10, goto: "nowhere" }];
  const { root, title, calls } = show(survey);
  byRole(root, "radio")[5].click();
  assert.equal(title(), "Thank you!");
  assert.deepEqual(calls.at(-1), ["answer", { score: 5 }, true]);
});

test("hooks that throw do not stop the widget or reach the page", () => {
  const boom = () => {
    throw new Error("boom");
  };
  const { root, title } = show(example(), { onShown: boom, onAnswer: boom });
  byRole(root, "radio")[10].click();
  assert.equal(title(), "What do you like most?");
});

test("several questions say where the person is; one question does not", () => {
  const { root, title } = show();
  const step = () => all(root).find((el) => el.className == "sub");
  assert.equal(step().textContent, "1 of 2"); // the path without a branch: score, then one text
  byRole(root, "radio")[3].click();
  assert.equal(title(), "What disappointed you?");
  assert.equal(step().textContent, "2 of 2");
  document = install();
  const single = show({ ...example(), questions: [example().questions[0]] });
  assert.equal(all(single.root).filter((el) => el.className == "sub").length, 0);
});

test("centred, a backdrop covers the page and a click on it dismisses", () => {
  const { root, calls } = show({ ...example(), appearance: { position: "center" } });
  const backdrop = all(root).find((el) => el.className == "backdrop");
  backdrop.click();
  assert.deepEqual(calls.slice(-2), [["dismiss"], ["close"]]);
  document = install();
  assert.equal(all(show().root).filter((el) => el.className == "backdrop").length, 0); // in a corner: none
});

test("nothing to show: no element, onClose at once, and no exception", () => {
  for (const survey of [{}, { questions: [] }, { questions: [{ id: "a", type: "hologram", text: "?" }] }, null]) {
    document = install();
    const calls = [];
    const handle = render(survey, { onShown: () => calls.push("shown"), onClose: (shown) => calls.push(["close", shown]) });
    assert.deepEqual(calls, [["close", false]]); // never on screen: the tracker may show the next one
    assert.equal(document.body.childNodes.length, 0);
    handle.close();
  }
  assert.doesNotThrow(() => render(example()));
});

test("someone typing in the page keeps the focus (a space must not answer the survey)", () => {
  const input = document.createElement("input");
  document.body.appendChild(input);
  input.focus();
  const { root } = show();
  assert.equal(document.focused, input);
  byRole(root, "radio")[3].click(); // once they answer, focus follows the questions
  assert.equal(document.focused.tagName, "TEXTAREA");
});
