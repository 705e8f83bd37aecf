"""Survey URL patterns that run in linear time: the subset of regular expressions a `regex` URL rule may use.

The tracker tests a survey's pattern against the visitor's page URL in the browser's backtracking engine, where
`(.+)+z` or `.*.*.*z` can take seconds to hours on one URL and freeze the page. So a pattern is made only of:

- characters (punctuation among `\\^$.|?*+()[]{}` escaped with `\\`), `.`, the escapes `\\d \\w \\s \\D \\W \\S`,
  `\\t \\n \\r \\f \\v` and `\\b \\B`, classes such as `[0-9a-f]` or `[^/]`, and the anchors `^` and `$`;
- repeats `* + ? {m} {m,} {m,n}` (or their lazy `?` forms) placed right after one of those characters, escapes,
  classes or `.`: never after a group or another repeat;
- groups `( )` or `(?: )` holding only plain alternatives, like `(settings|billing)`, and never repeated;
- at most 200 characters, and a bounded worst case: counting every place the match may start (one with a leading
  `^`), each open-ended repeat as 2,000 tries (the tracker tests at most 2,000 characters of the URL), each
  `?` as 2, each `{m,n}` as n - m + 1 and each group as its number of alternatives, the product stays under
  10 million: in practice one open-ended repeat, or two in a pattern that starts with `^`.

No backreferences, lookahead or lookbehind, and no alternatives outside a group.
"""

import re
from functools import lru_cache

MAX_LENGTH = 200
URL_LENGTH = 2000  # the tracker tests at most this many characters of the URL
MAX_WORK = 10_000_000
_ESCAPES = set("dDwWsStnrfv")  # with \b and \B, which match no character and so cannot be repeated
_SPECIAL = set("\\^$.|?*+()[]{}")
_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")
_BOUNDS = re.compile(r"\{(\d{1,4})(,(\d{0,4}))?\}")
# The tracker's own guard (sdk_js/src/surveys.js urlMatches) reads the text without parsing it: what it refuses,
# even escaped or inside a class, is refused here too, so that every saved pattern runs in the browser.
_TRACKER_REFUSES = re.compile(r"\)[*+?{]|\\[1-9k]|\(\?<?[=!]")

TOO_SLOW = (
    "This pattern could take too long on a long URL: use one open-ended repeat (* + {n,}), or two when the "
    "pattern starts with ^, and fewer ? and {m,n}."
)


class _Refused(Exception):
    """Why a pattern is outside the subset."""


def problem(pattern: str) -> str | None:
    """Why `pattern` is outside the safe subset, in a sentence for the person who wrote it; None when it is in it."""
    try:
        _check(pattern)
    except _Refused as refused:
        return str(refused)
    return None


@lru_cache(maxsize=4096)
def runnable(pattern: str) -> bool:
    """Whether a stored pattern is in the safe subset (cached: /v1/config asks for every person)."""
    return problem(pattern) is None


def _check(pattern: str) -> None:
    if len(pattern) > MAX_LENGTH:
        raise _Refused(f"Use at most {MAX_LENGTH} characters.")
    work = 1 if pattern.startswith("^") else URL_LENGTH
    i, repeatable = 0, False  # repeatable: the last token is one character, an escape, a class or '.'
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i, repeatable = _escape(pattern, i), pattern[i + 1 : i + 2] not in ("b", "B")
        elif c == "[":
            i, repeatable = _class(pattern, i), True
        elif c == "(":
            i, alternatives = _group(pattern, i)
            work *= alternatives
            repeatable = False
            if pattern[i : i + 1] in ("*", "+", "?", "{"):
                raise _Refused("A group cannot be repeated: repeat one character, a [class] or '.' instead.")
        elif c in "*+?{":
            if not repeatable:
                raise _Refused(
                    f"'{c}' must follow one character, a [class] or '.': a repeat cannot be repeated "
                    "(use \\ before it for the character itself)."
                )
            i, tries = _repeat(pattern, i)
            work *= tries
            repeatable = False
        elif c == "|":
            raise _Refused("Put alternatives in a group, like ^/(app|admin)/.")
        elif c in ")]}":
            raise _Refused(f"Unmatched '{c}': write \\{c} for the character itself.")
        else:
            i, repeatable = i + 1, c not in "^$"
        if work > MAX_WORK:
            raise _Refused(TOO_SLOW)
    if _TRACKER_REFUSES.search(pattern):
        raise _Refused(
            "Avoid ')' before a repeat, '\\' before a digit or k, and '(?=' '(?!' '(?<=' '(?<!', "
            "even escaped or in a class."
        )


def _escape(pattern: str, i: int) -> int:
    """The index after the escape at `i`."""
    char = pattern[i + 1 : i + 2]
    if not char:
        raise _Refused("The pattern ends with a lone '\\'.")
    if char.isdigit() or char == "k":
        raise _Refused("Backreferences (\\1, \\k<name>) are not allowed.")
    if char.isalnum() and char not in _ESCAPES and char not in "bB":
        raise _Refused(f"'\\{char}' is not allowed: use \\d \\w \\s (or \\D \\W \\S), \\b, or \\ before punctuation.")
    return i + 2


def _class(pattern: str, i: int) -> int:
    """The index after the character class that starts at `i`."""
    j = i + 1 + (pattern[i + 1 : i + 2] == "^")
    if pattern[j : j + 1] == "]":
        raise _Refused("A class needs a character: write \\] for a ']' inside it.")
    while j < len(pattern) and pattern[j] != "]":
        if pattern[j] == "[":
            raise _Refused("Write \\[ for a '[' inside a class.")
        if pattern[j] == "\\":
            if pattern[j + 1 : j + 2] in ("b", "B"):
                raise _Refused("'\\b' is not allowed inside a class.")
            j = _escape(pattern, j)
        else:
            j += 1
    if j >= len(pattern):
        raise _Refused("A class is not closed: add ']'.")
    return j + 1


def _group(pattern: str, i: int) -> tuple[int, int]:
    """The index after the group that starts at `i`, and its number of alternatives."""
    if pattern.startswith(_LOOKAROUND, i):
        raise _Refused("Lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not allowed.")
    if pattern.startswith("(?", i) and not pattern.startswith("(?:", i):
        raise _Refused("Only plain groups are allowed: ( ) or (?: ).")
    j, alternatives = i + (3 if pattern.startswith("(?:", i) else 1), 1
    while j < len(pattern) and pattern[j] != ")":
        c = pattern[j]
        if c == "|":
            alternatives, j = alternatives + 1, j + 1
        elif c == "\\" and not pattern[j + 1 : j + 2].isalnum():
            j = _escape(pattern, j)
        elif c in _SPECIAL:
            if c == "\\":
                _escape(pattern, j)  # a backreference is refused as such
            raise _Refused(
                "A group may hold only plain alternatives, like (settings|billing): no repeats, classes, '.', "
                "escapes or groups inside it."
            )
        else:
            j += 1
    if j >= len(pattern):
        raise _Refused("A group is not closed: add ')'.")
    return j + 1, alternatives


def _repeat(pattern: str, i: int) -> tuple[int, int]:
    """The index after the repeat at `i` (with its lazy '?'), and how many ways it may match."""
    c = pattern[i]
    if c == "{":
        bounds = _BOUNDS.match(pattern, i)
        if bounds is None:
            raise _Refused("Write a count as {m}, {m,} or {m,n} (at most 4 digits each), or \\{ for the character.")
        low, comma, high = int(bounds[1]), bounds[2], bounds[3]
        if high and int(high) < low:
            raise _Refused(f"In {bounds[0]} the larger number comes second.")
        tries = URL_LENGTH if comma and not high else (int(high) - low + 1 if high else 1)
        end = bounds.end()
    else:
        tries, end = (2 if c == "?" else URL_LENGTH), i + 1
    return end + (pattern[end : end + 1] == "?"), tries
