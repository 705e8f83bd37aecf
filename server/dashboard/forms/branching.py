"""Where each question of the builder goes next: as rows ("go to" per choice, or per score range) and as text.

The rows and the text (`0..6 -> detractor`, `pm, eng -> follow_up`) are two views of one list of branches, and a
form posts both. The text wins when the PM changed it (it differs from `shown`, the text the page was drawn with),
or when the rows could not show it (no `rows` marker was posted); otherwise the rows are written into the text.
`survey_form_load` then reads the text alone. Every target must be a later question or the end: no loops.
"""

import re
from dataclasses import dataclass

SCALES, CHOICES = ("nps", "rating"), ("single_choice", "multi_choice")
_SPAN = re.compile(r"^\s*(-?\d+(?:\.\d+)?)?\s*\.\.\s*(-?\d+(?:\.\d+)?)?\s*$")
_NUMBER = re.compile(r"^\s*-?\d+(?:\.\d+)?\s*$")


@dataclass
class Range:
    """A score range row of an NPS or rating question: from `min` to `max` (empty: open), go to `goto`."""

    n: int
    min: str = ""
    max: str = ""
    goto: str = ""


def num(value) -> str:
    """A number as the form shows it: 6, not 6.0; empty for None."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def slug(text: str, fallback: str) -> str:
    """The id made from a choice label when none is given."""
    made = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40]
    return made or fallback


def parse_branches(text: str) -> tuple[list[dict], list[str]]:
    """Branches from lines like `0..6 -> detractor`, `9.. -> promoter`, `pm, eng -> follow_up`; and line errors."""
    branches: list[dict] = []
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        left, arrow, goto = line.replace("→", "->").partition("->")
        left, goto = left.strip(), goto.strip()
        span = _SPAN.match(left)
        if not arrow or not goto or not left:
            errors.append(f"Line {number}: write '0..6 -> question_id' or 'choice_id, choice_id -> question_id'.")
        elif span:
            low, high = span.groups()
            branches.append(
                {"min": None if low is None else float(low), "max": None if high is None else float(high), "goto": goto}
            )
        elif _NUMBER.match(left):
            branches.append({"min": float(left), "max": float(left), "goto": goto})
        else:
            branches.append({"choices": [c.strip() for c in left.split(",") if c.strip()], "goto": goto})
    return branches, errors


def branch_text(branch: dict) -> str:
    """One line of the text form."""
    if branch.get("choices") is not None:
        return f"{', '.join(branch['choices'])} -> {branch['goto']}"
    return f"{num(branch.get('min'))}..{num(branch.get('max'))} -> {branch['goto']}"


def default_ranges(q) -> list[Range]:
    """The rows a scale question starts with: detractors, passives, promoters (low, middle, high for ratings)."""
    if q.type == "nps":
        spans = [(0, 6), (7, 8), (9, 10)]
    elif q.type == "rating":
        spans = [(1, 3), (4, 5), (6, 7)] if str(q.scale) == "7" else [(1, 2), (3, 3), (4, 5)]
    else:
        spans = [(0, 6), (7, 8), (9, 10)]  # rows kept for a question that may become an NPS one
    return [Range(k, str(low), str(high)) for k, (low, high) in enumerate(spans)]


def choice_ids(q, locale: str) -> dict[int, str]:
    """Each choice row's id: the one typed, else the one saving will make from its label."""
    kept = [c for c in q.choices if c.id or any(c.label.values()) or c.goals]
    return {c.n: c.id or slug(c.label.get(locale, ""), f"c{i}") for i, c in enumerate(kept, 1)}


def from_rows(q, locale: str) -> tuple[list[dict], dict[str, list[str]]]:
    """The branches the rows say (choices going to one place grouped, in choice order), and the rows' errors."""
    if q.type in CHOICES:
        ids, groups = choice_ids(q, locale), dict[str, list[str]]()
        for c in q.choices:
            if c.goto and c.n in ids:
                groups.setdefault(c.goto, []).append(ids[c.n])
        return [{"choices": chosen, "goto": goto} for goto, chosen in groups.items()], {}
    branches: list[dict] = []
    errors: dict[str, list[str]] = {}
    if q.type not in SCALES:
        return branches, errors
    for r in q.ranges:
        if not r.goto:
            continue
        bounds = [r.min.strip(), r.max.strip()]
        name = f"q{q.n}.r{r.n}.min"
        if any(b and not _NUMBER.match(b) for b in bounds):
            errors[name] = ["Give the scores as numbers, like 0 to 6."]
        elif not any(bounds):
            errors[name] = ["Give the lowest score of the range, the highest, or both."]
        else:
            low, high = (float(b) if b else None for b in bounds)
            if low is not None and high is not None and low > high:
                errors[name] = ["Give the lower score first, like 0 to 6."]
            branches.append({"min": low, "max": high, "goto": r.goto})
    return branches, errors


def draw(q, locale: str) -> None:
    """Set the rows from the text; `q.rows` is False when they cannot show it (the text alone says it then)."""
    branches, errors = parse_branches(q.branches)
    q.rows = not errors and _to_rows(q, branches, locale)
    if not (q.type in SCALES and q.rows and branches):
        q.ranges = default_ranges(q)


def _to_rows(q, branches: list[dict], locale: str) -> bool:
    if q.type in SCALES:
        if any(b.get("choices") is not None for b in branches):
            return False
        q.ranges = [Range(k, num(b["min"]), num(b["max"]), b["goto"]) for k, b in enumerate(branches)]
        return True
    if q.type not in CHOICES:
        return not branches
    rows = {choice: n for n, choice in choice_ids(q, locale).items()}
    gotos: dict[int, str] = {}
    for b in branches:
        for choice in b.get("choices") or [None]:
            if choice not in rows or rows[choice] in gotos:
                return False  # a score range, an unknown choice, or one choice named twice
            gotos[rows[choice]] = b["goto"]
    for c in q.choices:
        c.goto = gotos.get(c.n, "")
    # Several choices picked at once take the first branch that names one: the rows keep the choices' order.
    if q.type == "multi_choice" and from_rows(q, locale)[0] != branches:
        for c in q.choices:
            c.goto = ""
        return False
    return True


def settle(q, locale: str, rows_posted: bool) -> None:
    """After a post, make the rows and the text agree: the text when it was changed, else the rows."""
    edited = q.shown is None or _lines(q.branches) != _lines(q.shown)
    q.typed = edited or not rows_posted
    if q.typed:
        draw(q, locale)
    else:
        branches, q.problems = from_rows(q, locale)
        q.branches, q.rows = "\n".join(branch_text(b) for b in branches), True


def targets(q) -> list[tuple[str, str]]:
    """(question id or "end", the field that names it) for every place `q` may go to."""
    if q.typed or not q.rows:  # the text said it: its errors go next to the text
        out = [(b["goto"], f"q{q.n}.branches") for b in parse_branches(q.branches)[0]]
    elif q.type in CHOICES:
        out = [(c.goto, f"q{q.n}.c{c.n}.goto") for c in q.choices if c.goto]
    elif q.type in SCALES:
        out = [(r.goto, f"q{q.n}.r{r.n}.goto") for r in q.ranges if r.goto]
    else:
        out = []
    return out + ([(q.next, f"q{q.n}.next")] if q.next else [])


def problems(form) -> dict[str, list[str]]:
    """Targets that are not a later question or the end, by field: a loop, or an id no question has."""
    at = {q.id: i for i, q in enumerate(form.questions) if q.id}
    out: dict[str, list[str]] = {}
    for i, q in enumerate(form.questions):
        for goto, name in targets(q):
            where = at.get(goto)
            if goto == "end" or (where is not None and where > i):
                continue
            if where is None:
                message = f"No question has the id {goto!r}: go to a later question or the end."
            elif where == i:
                message = "A question cannot go to itself: go to a later question or the end."
            else:
                message = f"Question {where + 1} ({goto}) comes before this one: go to a later question or the end."
            out.setdefault(name, []).append(message)
    return {name: list(dict.fromkeys(messages)) for name, messages in out.items()}


def options(form, q, value: str, default: str) -> list[tuple[str, str]]:
    """A "go to" select's (value, label) pairs: the default, each later question, the end; a bad value kept, marked."""
    locale = form.locales[0]
    later = form.questions[form.questions.index(q) + 1 :] if q in form.questions else []
    out = [("", default)]
    for k, other in enumerate(later, len(form.questions) - len(later) + 1):
        if other.id:
            text = other.text.get(locale, "")
            out.append((other.id, f"Question {k} ({other.id})" + (f": {text[:40]}" if text else "")))
    out.append(("end", "the end of the survey"))
    if value and value not in {v for v, _ in out}:
        earlier = any(other.id == value for other in form.questions)
        out.append((value, f"{value} ({'not a later question' if earlier else 'no such question'})"))
    return out


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
