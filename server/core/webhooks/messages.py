"""What a Slack or Teams destination is sent: an event told as a notice, then written as Block Kit or an Adaptive Card.

`notice` says what happened in plain words (a title, facts, quoted open-text answers, who, links to the
dashboard); `slack` and `teams` write it in each one's format, escaping what people typed and cutting it to
the limits each one sets, so an answer cannot mention @channel, forge a link or make the message too long.
"""

import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from ..surveys import results

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
# Block Kit's limits: a header's text, a field's, a section's, a button's label, fields per section, blocks.
HEADER, FIELD, SECTION, BUTTON, FIELDS, BLOCKS = 150, 2000, 3000, 75, 10, 50
# Teams cards are at most about 28 KB: each text is kept well under.
CARD_TEXT = 2000
KIND_LABELS = {"nps": "NPS", "csat": "CSAT"}
_PARTIAL_ENTITY = re.compile(r"&[a-z]*$")
# What makes emphasis, links, code, headings or quotes in a TextBlock (brackets suffice to stop a link).
_CARD_MARKUP = re.compile(r"([\\`*_\[\]~#>])")


@dataclass
class Notice:
    """An event in plain words: user text is raw here and escaped by each writer."""

    title: str
    summary: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    quotes: list[tuple[str, str]] = field(default_factory=list)
    context: list[tuple[str, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, ending with … when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def mrkdwn(text: str, limit: int) -> str:
    """Text for Slack's mrkdwn: &, < and > escaped (no mention, no link can be forged), cut after escaping."""
    escaped = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if len(escaped) <= limit:
        return escaped
    return _PARTIAL_ENTITY.sub("", escaped[: limit - 1]).rstrip() + "…"


def card_text(text: str, limit: int = CARD_TEXT) -> str:
    """Text for a Teams TextBlock, which reads Markdown: every markup character escaped, cut first."""
    return _CARD_MARKUP.sub(r"\\\1", cut(str(text), limit))


def notice(ev) -> Notice:
    """The notice of an event (a notifications.Event)."""
    if ev.type == "response.created" or ev.data.get("sample") == "response":
        return _response(ev)
    if ev.type in ("gap.flagged", "gap.closed") or ev.data.get("sample") == "gap":
        return _gap(ev)
    if ev.type == "nudge.verdict":
        d = ev.data
        link = _link(ev, f"/nudges/{d.get('nudge')}")
        return Notice(
            f"Nudge “{d.get('name')}”: {d.get('verdict')}",
            f"Nudge “{d.get('name')}” is now {d.get('verdict')}.",
            links=[("Open the nudge", link)] if link else [],
        )
    return Notice("Test from Gapwise", "A test message from Gapwise: this channel will get its notifications.")


def _test(ev, title: str) -> str:
    return f"Test · {title}" if ev.type == "webhook.test" else title


def _response(ev) -> Notice:
    d, survey = ev.data, ev.survey
    name = survey.name if survey is not None else f"Survey {d.get('surveyId')}"
    score, label = d.get("score"), KIND_LABELS.get(survey.kind) if survey is not None else None
    title = f"{label} {score:g} · {name}" if label and score is not None else f"New response · {name}"
    person = d.get("userId") or f"anonymous #{d.get('personId')}"
    facts: list[tuple[str, str]] = []
    quotes: list[tuple[str, str]] = []
    if label and score is not None:
        facts.append(("Score", f"{score:g}" + (f" ({_nps_group(score)})" if survey.kind == "nps" else "")))
    if survey is not None:
        questions = (survey.content or {}).get("questions", [])
        # The first scored question's answer is the score, already the first fact.
        scale = next((q["id"] for q in questions if q["type"] in ("nps", "rating")), None) if facts else None
        answered = results.answers(survey, SimpleNamespace(answers=d.get("answers") or {}))
        for (question, answer), q in zip(answered, questions, strict=True):
            if answer and q["id"] != scale:
                (quotes if q["type"] == "text" else facts).append((question, answer))
    links = [
        (text, url)
        for text, url in (
            ("Open the person", _link(ev, f"/people/{d['personId']}") if d.get("personId") else None),
            ("Survey results", _link(ev, f"/surveys/{d.get('surveyId')}")),
        )
        if url
    ]
    said = f": “{cut(quotes[0][1], 200)}”" if quotes else ""
    return Notice(
        _test(ev, title),
        f"{title} from {person}{said}",
        facts,
        quotes,
        [("Person", person), ("Stage", str(d.get("stage") or "unknown"))],
        links,
    )


def _nps_group(score: float) -> str:
    return "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"


def _gap(ev) -> Notice:
    d = ev.data
    closed = ev.type == "gap.closed"
    headline = d.get("headline") or f"{d.get('type')} gap in {d.get('subject')}"
    title = f"Gap {'closed' if closed else 'flagged'}: {headline}"
    facts = [
        (name, str(value))
        for name, value in (
            ("Kind", d.get("type")),
            ("Subject", d.get("subject")),
            ("Cohort", d.get("cohort")),
            ("Severity", d.get("severity")),
            ("Priority", f"{d['priority']:.2f}" if isinstance(d.get("priority"), int | float) else None),
            ("People affected", d.get("affectedPeople")),
            ("MRR", d.get("mrr")),
        )
        if value not in (None, "")
    ]
    link = _link(ev, f"/gaps#gap-{d['id']}" if d.get("id") else "/gaps")
    return Notice(_test(ev, title), title, facts, links=[("Open the gap", link)] if link else [])


def _link(ev, path: str) -> str | None:
    return f"{ev.base_url}/app/p/{ev.project_id}{path}" if ev.base_url else None


def slack(n: Notice) -> dict:
    """A Slack incoming-webhook message: `text` for notifications and screen readers, `blocks` for the channel."""
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": cut(n.title, HEADER)}}]
    if n.facts:
        fields = [
            {"type": "mrkdwn", "text": f"*{mrkdwn(label, 200)}*\n{mrkdwn(value, FIELD - 210)}"}
            for label, value in n.facts[:FIELDS]
        ]
        blocks.append({"type": "section", "fields": fields})
    for question, answer in n.quotes[:20]:
        quoted = "\n".join("> " + line for line in mrkdwn(answer, SECTION - 300).splitlines() or [""])
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{mrkdwn(question, 250)}*\n{quoted}"}})
    if n.context:
        said = " · ".join(f"{label}: *{mrkdwn(value, 200)}*" for label, value in n.context)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": said}]})
    if n.links:
        buttons = [
            {"type": "button", "text": {"type": "plain_text", "text": cut(label, BUTTON)}, "url": url}
            for label, url in n.links
        ]
        blocks.append({"type": "actions", "elements": buttons})
    return {"text": mrkdwn(n.summary, SECTION), "blocks": blocks[:BLOCKS]}


def teams(n: Notice) -> dict:
    """A Teams message (incoming webhook or Workflows) carrying one Adaptive Card."""
    body: list[dict] = [
        {"type": "TextBlock", "text": card_text(n.title, 300), "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    if n.facts:
        body.append(
            {"type": "FactSet", "facts": [{"title": card_text(k, 200), "value": card_text(v)} for k, v in n.facts]}
        )
    for question, answer in n.quotes[:20]:
        body.append({"type": "TextBlock", "text": card_text(question, 300), "weight": "Bolder", "wrap": True})
        body.append({"type": "TextBlock", "text": card_text(answer), "wrap": True})
    if n.context:
        said = " · ".join(f"{label}: {card_text(value, 200)}" for label, value in n.context)
        body.append({"type": "TextBlock", "text": said, "isSubtle": True, "size": "Small", "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": cut(label, 75), "url": url} for label, url in n.links],
    }
    return {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": card}]}


def render(kind: str, ev) -> dict:
    """The body a Slack or Teams destination is posted for an event."""
    return slack(notice(ev)) if kind == "slack" else teams(notice(ev))
