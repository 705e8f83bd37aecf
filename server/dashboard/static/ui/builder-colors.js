/**
 * The survey builder's colours: a colour picker beside each hex field, each following the other (an empty
 * field shows the theme's colour and stays empty until a colour is picked), and the contrast of the text on
 * the background, warned about under 4.5:1 (WCAG AA). The same rules as forms/colors.py and the widget's
 * theme.js. The hex field is what is posted; builder.js redraws the preview on its "input" event.
 */
(function () {
  "use strict";
  const form = document.getElementById("builder");
  const line = document.getElementById("contrast");
  if (!form || !line) return;
  const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;
  const READABLE = 4.5;
  const themes = JSON.parse(line.dataset.themes);
  const pickers = Array.from(form.querySelectorAll("input.color-picker"));
  const hexOf = (picker) => form.elements.namedItem(picker.dataset.for);
  const key = (name) => name.split(".")[1];

  /** #rrggbb, lower case, for #rgb or #rrggbb; null for anything else. */
  function full(value) {
    const digits = (HEX.exec(value.trim()) || [])[1];
    if (!digits) return null;
    return "#" + (digits.length == 3 ? digits.replace(/./g, "$&$&") : digits).toLowerCase();
  }

  /** The colour the widget paints for a field: its own, else the theme's. */
  function painted(name) {
    const theme = themes[form.elements.namedItem("appearance.theme").value] || themes.light;
    const fallback = key(name) == "accent" ? themes.accent : theme[key(name)];
    return full(form.elements.namedItem(name).value) || fallback;
  }

  function luminance(hex) {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function contrast(first, second) {
    const [light, dark] = [luminance(first), luminance(second)].sort((a, b) => b - a);
    return (light + 0.05) / (dark + 0.05);
  }

  function update() {
    pickers.forEach((picker) => {
      const colour = painted(picker.dataset.for);
      if (picker.value != colour && document.activeElement != picker) picker.value = colour;
    });
    const ratio = contrast(painted("appearance.text"), painted("appearance.background"));
    line.querySelector(".contrast-ratio").textContent = ratio.toFixed(1) + ":1";
    line.querySelector(".contrast-warning").hidden = ratio >= READABLE;
  }

  pickers.forEach((picker) => {
    picker.hidden = false;
    picker.addEventListener("input", () => {
      const hex = hexOf(picker);
      hex.value = picker.value;
      hex.removeAttribute("aria-invalid");
      hex.dispatchEvent(new Event("input", { bubbles: true })); // the preview and the contrast follow
    });
  });
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
