// Surveys in the tracker: URL rules, triggers, the one-at-a-time line, the seen cache, the messages.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { createStore } from "../src/storage.js";
import { createSurveys, urlMatches } from "../src/surveys.js";
import { FakeStorage } from "./fakes.mjs";

const page = (href) => ({ href, pathname: new URL(href).pathname });

const URL_ROWS = [
  // [rule, href, matches]
  [null, "https://app.example/anything", true],
  [{ match: "contains", value: "/reports" }, "https://app.example/reports/42", true],
  [{ match: "contains", value: "/reports" }, "https://app.example/settings", false],
  [{ match: "exact", value: "https://app.example/reports" }, "https://app.example/reports", true],
  [{ match: "exact", value: "/reports" }, "https://app.example/reports", true], // the path alone
  [{ match: "exact", value: "/reports" }, "https://app.example/reports/42", false],
  [{ match: "regex", value: "/reports/\\d+$" }, "https://app.example/reports/42", true],
  [{ match: "regex", value: "/reports/\\d+$" }, "https://app.example/reports/new", false],
  [{ match: "regex", value: "([" }, "https://app.example/reports", false], // invalid: never
  [{ match: "glob", value: "*" }, "https://app.example/reports", false], // unknown: never
  // Patterns that could freeze the page never run (the server refuses them; this guards rules saved before).
  [{ match: "regex", value: "(.+)+z" }, "https://app.example/reports/z", false],
  [{ match: "regex", value: "(a*)*" }, "https://app.example/aaa", false],
  [{ match: "regex", value: "(a|a)*" }, "https://app.example/aaa", false],
  [{ match: "regex", value: "(?:ab){2}" }, "https://app.example/abab", false],
  [{ match: "regex", value: "(a)\\1" }, "https://app.example/aa", false],
  [{ match: "regex", value: "(?<x>a)\\k<x>" }, "https://app.example/aa", false],
  [{ match: "regex", value: "/x(?=y)" }, "https://app.example/xy", false],
  [{ match: "regex", value: "/x(?!y)" }, "https://app.example/xz", false],
  [{ match: "regex", value: "(?<=app)/x" }, "https://app.example/x", false],
  [{ match: "regex", value: "(?<!app)/x" }, "https://app.example/x", false],
  [{ match: "regex", value: "/" + "x".repeat(200) }, "https://app.example/" + "x".repeat(200), false], // over 200
  [{ match: "regex", value: "/" + "x".repeat(199) }, "https://app.example/" + "x".repeat(199), true],
];

for (const [rule, href, expected] of URL_ROWS)
  test(`url ${JSON.stringify(rule)} ${expected ? "matches" : "does not match"} ${href}`, () => {
    assert.equal(urlMatches(rule, page(href)), expected);
  });

// What the server accepts (tests/test_url_rules.py SAFE) the tracker runs: [pattern, a string it matches].
const SAFE = [
  ["^/app/(settings|billing)", "/app/billing"],
  ["/docs/.*", "https://example.com/docs/a/b"],
  ["^https://example\\.com/p/[0-9]+$", "https://example.com/p/42"],
  ["/reports/\\d+$", "https://example.com/reports/7"],
  ["/docs/.*\\.html?", "https://example.com/docs/x.htm"],
  ["^/app/.*/settings/.*", "/app/1/settings/2"],
  ["(?:/en|/fr)/pricing", "https://example.com/fr/pricing"],
  ["[\\w-]+\\.example\\.com", "https://docs.example.com/"],
  ["/p/[^/]{1,40}/edit", "https://example.com/p/abc/edit"],
  ["/a+?b", "https://example.com/aab"],
];

for (const [value, href] of SAFE)
  test(`the tracker runs the server's safe pattern ${value}`, () => {
    assert.equal(urlMatches({ match: "regex", value }, { href, pathname: href }), true);
  });

test("a pattern sees at most 2,000 characters of the URL", () => {
  const long = "https://app.example/?q=" + "a".repeat(3000) + "z";
  assert.equal(urlMatches({ match: "regex", value: "a" }, page(long)), true);
  assert.equal(urlMatches({ match: "regex", value: "z$" }, page(long)), false);
  assert.equal(urlMatches({ match: "contains", value: "z" }, page(long)), true); // text rules see it all
});

test("a catastrophic pattern saved before the server checked patterns returns at once", () => {
  const started = performance.now();
  assert.equal(urlMatches({ match: "regex", value: "(.+)+z" }, page("https://app.example/" + "a".repeat(5000))), false);
  assert.ok(performance.now() - started < 50);
});

/** A survey like those GET /v1/config sends, with one question. */
const survey = (id, trigger, url = null) => ({
  id,
  locale: "en",
  dir: "ltr",
  trigger,
  url,
  questions: [{ id: "score", type: "nps", text: "?" }],
});

let env;
beforeEach(() => {
  globalThis.location = page("https://app.example/reports/42");
  globalThis.window = {}; // the widgets have not loaded
  env = setup();
});

/** createSurveys with recording fakes; `env.run()` fires the timers, `env.shown` are the renders. */
function setup(storage = new FakeStorage()) {
  const e = { sent: [], emitted: [], flushes: 0, loads: 0, timers: [], shown: [], storage };
  const widgets = { render: (s, hooks) => e.shown.push({ survey: s, hooks }) };
  e.store = createStore(() => storage);
  e.surveys = createSurveys(
    (type, fields) => e.sent.push({ type, ...fields }),
    (name, data) => e.emitted.push([name, data]),
    () => e.flushes++,
    e.store,
    (then) => {
      e.loads++;
      globalThis.window = { gapwiseWidgets: widgets }; // the script ran
      then();
    },
    (fn, ms) => e.timers.push({ fn, ms }),
    "n0nce",
  );
  e.run = () => e.timers.splice(0).forEach((timer) => timer.fn());
  e.ids = () => e.shown.map((s) => s.survey.id);
  return e;
}

test("immediate and pageview surveys are due when the config arrives; the widgets load then", () => {
  env.surveys.config({ surveys: [survey("1", { type: "immediate" }), survey("2", { type: "event", event: "X" })] });
  assert.equal(env.loads, 0);
  assert.deepEqual(env.timers.map((t) => t.ms || 0), [0]);
  env.run();
  assert.equal(env.loads, 1);
  assert.deepEqual(env.ids(), ["1"]);
  assert.equal(env.shown[0].hooks.nonce, "n0nce");
});

test("an event trigger waits for its event, then its delay", () => {
  env.surveys.config({ surveys: [survey("7", { type: "event", event: "Report Exported", delay: 3 }, { match: "contains", value: "/reports" })] });
  env.surveys.fire("event", "Other");
  assert.equal(env.timers.length, 0);
  env.surveys.fire("event", "Report Exported");
  assert.deepEqual(env.timers.map((t) => t.ms || 0), [3000]);
  env.run();
  assert.deepEqual(env.ids(), ["7"]);
});

test("a feature trigger fires on that feature only; pageview on page views", () => {
  env.surveys.config({ surveys: [survey("f", { type: "feature", feature: "export" }), survey("p", { type: "pageview" }, { match: "contains", value: "/billing" })] });
  env.surveys.fire("feature", "import");
  env.surveys.fire("event", "export");
  assert.equal(env.timers.length, 0);
  env.surveys.fire("feature", "export");
  assert.equal(env.timers.length, 1);
  globalThis.location = page("https://app.example/billing"); // an SPA navigation
  env.surveys.fire("pageview");
  assert.equal(env.timers.length, 2);
});

test("the url rule is checked when the trigger fires", () => {
  env.surveys.config({ surveys: [survey("1", { type: "event", event: "X" }, { match: "exact", value: "/settings" })] });
  env.surveys.fire("event", "X");
  assert.equal(env.timers.length, 0);
  globalThis.location = page("https://app.example/settings");
  env.surveys.fire("event", "X");
  assert.equal(env.timers.length, 1);
});

test("once per page load, however often the trigger fires", () => {
  env.surveys.config({ surveys: [survey("1", { type: "event", event: "X" })] });
  env.surveys.fire("event", "X");
  env.run();
  env.shown[0].hooks.onClose();
  env.surveys.fire("event", "X");
  env.surveys.fire("event", "X");
  assert.equal(env.timers.length, 0);
  env.surveys.config({ surveys: [survey("1", { type: "immediate" })] }); // a fresh config does not change that
  assert.equal(env.timers.length, 0);
});

test("one thing a page load: the best due is shown; the others wait for a later page", () => {
  const [a, b, c] = ["a", "b", "c"].map((id) => survey(id, { type: "event", event: id }));
  env.surveys.config({ surveys: [a, b, c] }); // a is the most important
  env.surveys.fire("event", "c");
  env.run();
  env.surveys.fire("event", "b");
  env.surveys.fire("event", "a");
  env.run();
  assert.deepEqual(env.ids(), ["c"]); // one at a time
  env.shown[0].hooks.onClose(true); // it was on screen: nothing more on this page
  assert.deepEqual(env.ids(), ["c"]);
  env.surveys.fire("event", "a");
  env.run();
  assert.deepEqual(env.ids(), ["c"]);
  assert.equal(env.loads, 1);
});

test("one that never reached the screen lets the next in priority order take its turn", () => {
  const [a, b, c] = ["a", "b", "c"].map((id) => survey(id, { type: "event", event: id }));
  env.surveys.config({ surveys: [a, b, c] });
  ["c", "b", "a"].forEach((id) => env.surveys.fire("event", id));
  env.run();
  assert.deepEqual(env.ids(), ["c"]);
  env.shown[0].hooks.onClose(false); // nothing to show (a tooltip without its element, say)
  assert.deepEqual(env.ids(), ["c", "a"]);
  env.shown[1].hooks.onClose(true);
  assert.deepEqual(env.ids(), ["c", "a"]);
});

test("nudges wait in the same line after the surveys; the widgets get send for their messages", () => {
  const nudge = { id: "n4", nudgeId: 4, kind: "banner", trigger: { type: "pageview", delay: 0 }, url: null, body: "Hi" };
  env.surveys.config({ surveys: [survey("1", { type: "immediate" })], nudges: [nudge] });
  env.run();
  assert.deepEqual(env.ids(), ["1"]); // one thing at a time: the survey first
  env.shown[0].hooks.onClose(false);
  assert.deepEqual(env.ids(), ["1", "n4"]);
  env.shown[1].hooks.send("nudge", { nudgeId: 4, action: "shown" });
  assert.deepEqual(env.sent, [{ type: "nudge", nudgeId: 4, action: "shown" }]);
  env.surveys.config({ nudges: [nudge] }); // shown on this page already
  env.run();
  assert.equal(env.shown.length, 2);
});

test("messages and events: shown, each answer, completion, dismissal", () => {
  env.surveys.config({ surveys: [survey("7", { type: "immediate" }), survey("8", { type: "immediate" })] });
  env.run();
  const { hooks } = env.shown[0];
  hooks.onShown();
  hooks.onAnswer({ score: 3 }, false);
  assert.equal(env.flushes, 0);
  hooks.onAnswer({ score: 3, why: "slow" }, true);
  assert.equal(env.flushes, 1);
  hooks.onClose(true);
  env.surveys.show("8"); // the next, forced: shown however much was shown on this page
  env.run();
  env.shown[1].hooks.onShown();
  env.shown[1].hooks.onDismiss();
  assert.equal(env.flushes, 2);

  const [shown, first, completed, shown8, dismissed] = env.sent;
  const displayId = shown.displayId;
  assert.match(displayId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(shown, { type: "survey", surveyId: "7", action: "shown", displayId, locale: "en" });
  assert.deepEqual(first, { type: "survey", surveyId: "7", action: "answered", displayId, locale: "en", answers: { score: 3 }, completed: false });
  assert.deepEqual(completed.answers, { score: 3, why: "slow" });
  assert.equal(completed.completed, true);
  assert.notEqual(shown8.displayId, displayId); // one display id per display
  assert.deepEqual(dismissed, { type: "survey", surveyId: "8", action: "dismissed", displayId: shown8.displayId, locale: "en" });
  assert.deepEqual(env.emitted.map(([name]) => name), ["survey:shown", "survey:answered", "survey:answered", "survey:shown", "survey:dismissed"]);
  assert.deepEqual(env.emitted[2][1], { surveyId: "7", answers: { score: 3, why: "slow" }, completed: true });
});

test("a survey shown here is not shown again on the next page load for a day", () => {
  env.surveys.config({ surveys: [survey("1", { type: "immediate" })] });
  env.run();
  env.shown[0].hooks.onShown();
  const seen = JSON.parse(env.storage.getItem("gw_seen"));
  assert.ok(Date.now() - seen["1"] < 1000);

  const next = setup(env.storage); // the next page load, same browser
  next.surveys.config({ surveys: [survey("1", { type: "immediate" })] });
  assert.equal(next.timers.length, 0);

  env.storage.setItem("gw_seen", JSON.stringify({ 1: Date.now() - 864e5 - 1 })); // a day later
  const later = setup(env.storage);
  later.surveys.config({ surveys: [survey("1", { type: "immediate" })] });
  assert.equal(later.timers.length, 1);
});

test("a corrupt cache is ignored", () => {
  env.storage.setItem("gw_seen", "{nope");
  env.surveys.config({ surveys: [survey("1", { type: "immediate" })] });
  assert.equal(env.timers.length, 1);
});

test("showSurvey: at once, whatever the trigger, URL or cache; before the config, once it arrives", () => {
  env.storage.setItem("gw_seen", JSON.stringify({ 5: Date.now() }));
  env.surveys.show("5");
  assert.equal(env.timers.length, 0);
  env.surveys.config({ surveys: [survey("5", { type: "event", event: "Never" }, { match: "exact", value: "/elsewhere" })] });
  assert.deepEqual(env.timers.map((t) => t.ms || 0), [0]);
  env.run();
  assert.deepEqual(env.ids(), ["5"]);
  env.shown[0].hooks.onClose(true);
  env.surveys.show(5); // a number works too; and again, for previews
  env.run();
  assert.deepEqual(env.ids(), ["5", "5"]);
  env.surveys.show("unknown");
  assert.equal(env.timers.length, 0);
});

test("nothing happens before a config, or with a config without surveys", () => {
  env.surveys.fire("pageview");
  env.surveys.fire("event", "X");
  env.surveys.config({});
  env.surveys.fire("pageview");
  assert.equal(env.timers.length, 0);
});
