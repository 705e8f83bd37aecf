/** The widget's look, from `survey.appearance`: CSS custom properties for the host, and a position. */

const THEMES = { light: ["#ffffff", "#111827"], dark: ["#1f2937", "#f3f4f6"] };
export const POSITIONS = ["bottom-right", "bottom-left", "center"];
const ACCENT = "#4f46e5";
const FONT = 'system-ui,-apple-system,"Segoe UI",Roboto,sans-serif';
// Only plain colours and font lists: a value such as url(…) would make the page fetch it.
const COLOR = /^(#[0-9a-f]{3,8}|[a-z]{3,20}|(rgb|hsl)a?\([\d\s.,%/]+\))$/i;
const FONTS = /^[\w\s,'"-]{1,200}$/;

const color = (value, fallback) => (typeof value == "string" && COLOR.test(value) ? value : fallback);

/** Relative luminance (WCAG) of a #rgb or #rrggbb colour; undefined for anything else. */
const luminance = (value) => {
  let hex = (/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value) || [])[1];
  if (!hex) return;
  if (hex.length == 3) hex = hex.replace(/./g, "$&$&");
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(hex.substr(i, 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

/** The text colour for buttons filled with `accent`: black or white, whichever contrasts more. */
export const onAccent = (accent) => (luminance(accent) > 0.179 ? "#000" : "#fff");

/** {vars: {"--gw-bg": …}, position} for an appearance like {position, theme, colors: {accent, background, text}}. */
export function theme(appearance) {
  const a = appearance || {};
  const colors = a.colors || {};
  const [bg, fg] = THEMES[a.theme] || THEMES.light;
  const accent = color(colors.accent, ACCENT);
  return {
    position: POSITIONS.includes(a.position) ? a.position : POSITIONS[0],
    vars: {
      "--gw-bg": color(colors.background, bg),
      "--gw-fg": color(colors.text, fg),
      "--gw-accent": accent,
      "--gw-on-accent": onAccent(accent),
      "--gw-radius": (typeof a.radius == "number" && a.radius >= 0 && a.radius <= 32 ? a.radius : 12) + "px",
      "--gw-font": typeof a.font == "string" && FONTS.test(a.font) ? a.font : FONT,
    },
  };
}
