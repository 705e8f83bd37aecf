import assert from "node:assert/strict";
import { test } from "node:test";

import { onAccent, theme } from "../src/theme.js";

test("light theme with the survey's accent", () => {
  assert.deepEqual(theme({ position: "bottom-left", theme: "light", colors: { accent: "#4f46e5", background: null, text: null } }), {
    position: "bottom-left",
    vars: {
      "--gw-bg": "#ffffff",
      "--gw-fg": "#111827",
      "--gw-accent": "#4f46e5",
      "--gw-on-accent": "#fff",
      "--gw-radius": "12px",
      "--gw-font": 'system-ui,-apple-system,"Segoe UI",Roboto,sans-serif',
    },
  });
});

test("dark theme, colour overrides, radius and font", () => {
  const { vars, position } = theme({
    position: "center",
    theme: "dark",
    colors: { accent: "#fde047", background: "rgb(10, 10, 10)", text: "white" },
    radius: 4,
    font: "Inter, sans-serif",
  });
  assert.equal(position, "center");
  assert.equal(vars["--gw-bg"], "rgb(10, 10, 10)");
  assert.equal(vars["--gw-fg"], "white");
  assert.equal(vars["--gw-on-accent"], "#000"); // dark text on a light accent
  assert.equal(vars["--gw-radius"], "4px");
  assert.equal(vars["--gw-font"], "Inter, sans-serif");
  assert.equal(theme({ theme: "dark" }).vars["--gw-bg"], "#1f2937");
});

test("defaults for a missing or unknown appearance", () => {
  for (const appearance of [undefined, null, {}, { position: "top", theme: "neon", colors: null, radius: null }]) {
    const { vars, position } = theme(appearance);
    assert.equal(position, "bottom-right");
    assert.equal(vars["--gw-bg"], "#ffffff");
    assert.equal(vars["--gw-accent"], "#4f46e5");
    assert.equal(vars["--gw-radius"], "12px");
  }
});

test("values that are not plain colours or fonts are ignored (no url(), no declarations)", () => {
  const { vars } = theme({
    colors: { accent: "url(https://evil.example/x.png)", background: "red;background:url(x)", text: 42 },
    radius: "8px; x",
    font: "x; background: url(y)",
  });
  assert.equal(vars["--gw-accent"], "#4f46e5");
  assert.equal(vars["--gw-bg"], "#ffffff");
  assert.equal(vars["--gw-fg"], "#111827");
  assert.equal(vars["--gw-radius"], "12px");
  assert.match(vars["--gw-font"], /^system-ui/);
});

test("text on the accent: white on dark colours, black on light ones, white when unknown", () => {
  assert.equal(onAccent("#000"), "#fff");
  assert.equal(onAccent("#4f46e5"), "#fff");
  assert.equal(onAccent("#ffffff"), "#000");
  assert.equal(onAccent("#fde047"), "#000");
  assert.equal(onAccent("rebeccapurple"), "#fff");
});
