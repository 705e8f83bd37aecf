// renderNudge(): a banner and a modal in the fake DOM: text only, the messages it sends, Escape and the
// call to action, and onClose in every case. Tooltips and checklists (layout, page clicks) are tested in
// Chromium: tests/browser/test_nudges_browser.py.
import assert from "node:assert/strict";
import { afterEach, beforeEach, mock, test } from "node:test";

import { renderNudge } from "../src/nudge.js";
import { all, byRole, install } from "./dom.mjs";

let document;
beforeEach(() => {
  document = install();
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
});
afterEach(() => mock.timers.reset());

const banner = (extra = {}) => ({ nudgeId: 3, kind: "banner", body: "<b>Alerts</b> are here", locale: "en", ...extra });

/** Render `nudge`, recording what it sends and when it closes. */
function show(nudge) {
  const calls = [];
  renderNudge(nudge, {
    send: (type, fields) => calls.push([type, fields.action, fields.step]),
    onClose: (shown) => calls.push(["close", shown]),
  });
  const host = document.body.lastChild;
  const root = host && host.shadowRoot;
  return { calls, host, root, dialog: root && byRole(root, "dialog")[0] };
}

test("a banner shows its text as text, says it was shown, and Escape dismisses it", () => {
  const { calls, root, dialog } = show(banner());
  assert.equal(dialog.getAttribute("aria-modal"), "false");
  assert.ok(all(root).some((el) => el.textContent == "<b>Alerts</b> are here"));
  assert.ok(!all(root).some((el) => el.tagName == "B"));
  assert.deepEqual(calls, [["nudge", "shown", undefined]]);
  dialog.key("Escape");
  assert.deepEqual(calls.slice(1), [["nudge", "dismissed", undefined], ["close", true]]);
  assert.equal(document.body.childNodes.includes(root.host), false);
});

test("a call to action with a javascript: URL is never drawn", () => {
  const { root } = show(banner({ cta: { label: "Go", action: "url", url: "javascript:alert(1)" } }));
  assert.ok(!all(root).some((el) => el.textContent == "Go"));
});

test("a modal's call to action completes it once, whatever is clicked after", () => {
  const { calls, root, dialog } = show(banner({ kind: "modal", title: "New", cta: { label: "Try", action: "url", url: "https://example.com/x" } }));
  globalThis.location = { assign: (url) => calls.push(["went", url]) };
  assert.equal(dialog.getAttribute("aria-modal"), "true");
  const go = all(root).find((el) => el.textContent == "Try");
  go.click();
  go.click(); // gone from the page: nothing more
  assert.deepEqual(calls.slice(1), [
    ["nudge", "clicked", undefined],
    ["nudge", "completed", undefined],
    ["close", true],
    ["went", "https://example.com/x"],
  ]);
});

test("nothing to show (no body, no id) closes at once without a message", () => {
  const { calls } = show({ kind: "banner", nudgeId: 3 });
  assert.deepEqual(calls, [["close", false]]); // never on screen: the tracker may show the next one
  assert.deepEqual(show({ kind: "banner", body: "x" }).calls, [["close", false]]);
});
