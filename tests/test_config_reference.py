"""The README's configuration reference lists every setting of Config, with its default, and nothing else."""

import json
import re
from pathlib import Path

from gapwise.config import Config

README = Path(__file__).resolve().parent.parent / "README.md"
ROW = re.compile(r"^\| `GAPWISE_([A-Z0-9_]+)` \| `([^`]*)` \|", re.M)


def shown(value) -> str:
    """A default as the reference shows it: as the environment variable would be written."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return json.dumps(list(value), separators=(",", ""))
    return str(value)


def reference() -> dict[str, str]:
    text = README.read_text()
    section = text[text.index("## Configuration reference") :]
    section = section[: section.find("\n## ", 3)] if "\n## " in section[3:] else section
    return dict(ROW.findall(section))


def test_every_setting_is_in_the_reference_with_its_default():
    settings = {name: shown(value) for name, value in vars(Config).items() if name.isupper()}
    assert reference() == settings


def test_the_defaults_are_shown_as_they_would_be_set():
    assert shown(None) == "unset" and shown(False) == "false" and shown((1, 2)) == "[1,2]" and shown(0.2) == "0.2"
