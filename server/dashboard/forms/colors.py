"""The builder's colours as the widget will paint them, and how readable its text is on its background.

The same rules as widgets/src/theme.js: an empty (or invalid) colour is the theme's; contrast is WCAG's ratio.
"""

import re

THEMES = {"light": {"background": "#ffffff", "text": "#111827"}, "dark": {"background": "#1f2937", "text": "#f3f4f6"}}
ACCENT = "#4f46e5"
HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
READABLE = 4.5  # WCAG AA for body text


def painted(appearance: dict) -> dict[str, str]:
    """The accent, background and text colours (#rrggbb) the widget uses for this appearance."""
    defaults = {"accent": ACCENT, **THEMES.get(appearance.get("theme", "light"), THEMES["light"])}
    return {name: _hex(appearance.get(name) or "") or default for name, default in defaults.items()}


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two #rgb/#rrggbb colours, from 1 to 21."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_contrast(appearance: dict) -> float:
    """The contrast of the widget's text on its background."""
    colors = painted(appearance)
    return contrast(colors["text"], colors["background"])


def _hex(value: str) -> str | None:
    match = HEX.match(value.strip())
    if not match:
        return None
    digits = match.group(1).lower()
    return "#" + ("".join(d * 2 for d in digits) if len(digits) == 3 else digits)


def _luminance(value: str) -> float:
    digits = (_hex(value) or "#000000")[1:]
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
