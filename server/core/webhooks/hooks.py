"""Webhook subscriptions and the outbox: events become delivery rows in the transaction that caused them.

A destination is a signed webhook or a Slack or Teams channel (`kind`); an event its filters turn away is
never queued for it, and a Slack or Teams destination's row holds the message written for it (messages).

A delivery row written beside the change it announces is committed or rolled back with it, so nothing
is sent for a write that did not happen and nothing is lost if the process dies before sending; the
worker in webhook_delivery sends the rows later. Events that may be announced twice (a gap measured
again, a response stored again) get a message id derived from what they are about, and a webhook
never gets two deliveries with the same message id.
"""

import hashlib
import secrets
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ...db import begin_write
from ...errors import Conflict, NotFound, Unprocessable
from ...models import Person, Response, Webhook, WebhookDelivery
from ...models.base import utcnow
from ...schemas.pagination import decode_cursor, encode_cursor
from . import messages, notifications, targets
from .signing import new_secret

TEST_EVENT = "webhook.test"
_DELIVERIES = WebhookDelivery.__table__
# Seconds registration waits for the resolver; a name not resolved by then is checked again at delivery.
RESOLVE_SECONDS = 2.0


def create_webhook(session: Session, project_id: int, data: dict) -> Webhook:
    """Subscribe a URL to some events, as a signed webhook or a Slack or Teams channel, with filters; the secret
    is generated unless one is given."""
    kind = data.get("kind") or "webhook"
    check_url(data["url"], kind)
    filters = notifications.check_filters(session, project_id, data["events"], data.get("filters") or {})
    webhook = Webhook(
        project_id=project_id,
        kind=kind,
        name=(data.get("name") or "").strip(),
        url=data["url"],
        events=list(data["events"]),
        filters=filters,
        secret=data.get("secret") or new_secret(),
        active=data.get("active", True),
    )
    session.add(webhook)
    session.commit()
    return webhook


def check_url(url: str, kind: str = "webhook") -> None:
    """Unprocessable (422, on `url`) when the URL's host is, or resolves to, an address webhooks never go to, or
    when a Slack or Teams URL is not https."""
    allowed = targets.allowed_networks(current_app.config["WEBHOOK_ALLOWED_PRIVATE_NETWORKS"])
    try:
        targets.check_url(url, allowed, RESOLVE_SECONDS)
    except targets.BlockedTarget as refused:
        raise Unprocessable(errors={"url": [str(refused)]}) from None
    notifications.check_scheme(kind, url, allowed, RESOLVE_SECONDS)


def list_webhooks(session: Session, project_id: int) -> list[Webhook]:
    """The project's webhooks, oldest first."""
    return list(session.scalars(select(Webhook).where(Webhook.project_id == project_id).order_by(Webhook.id)))


def get_webhook(session: Session, project_id: int, webhook_id: int) -> Webhook:
    """One of the project's webhooks, or NotFound."""
    webhook = session.scalar(select(Webhook).where(Webhook.project_id == project_id, Webhook.id == webhook_id))
    if webhook is None:
        raise NotFound(f"No webhook with id {webhook_id}.")
    return webhook


def update_webhook(session: Session, project_id: int, webhook_id: int, changes: dict) -> Webhook:
    """Change the URL, kind, name, events, filters or whether it is active (pending retries go to the new URL)."""
    webhook = get_webhook(session, project_id, webhook_id)
    if "url" in changes or "kind" in changes:
        check_url(changes.get("url", webhook.url), changes.get("kind", webhook.kind))
    if "events" in changes or "filters" in changes:
        events, filters = changes.get("events", webhook.events), changes.get("filters", webhook.filters)
        webhook.filters = notifications.check_filters(session, project_id, events, filters or {})
    for field in ("url", "kind", "name", "events", "active"):
        if field in changes:
            setattr(webhook, field, list(changes[field]) if field == "events" else changes[field])
    session.commit()
    return webhook


def delete_webhook(session: Session, project_id: int, webhook_id: int) -> None:
    """Remove a webhook and its delivery log."""
    webhook = get_webhook(session, project_id, webhook_id)
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id))
    session.delete(webhook)
    session.commit()


def deliveries(session: Session, project_id: int, webhook_id: int, args: dict) -> tuple[list, str | None]:
    """One page of a webhook's delivery log, newest first; the cursor names the last id seen."""
    webhook = get_webhook(session, project_id, webhook_id)
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.project_id == project_id, WebhookDelivery.webhook_id == webhook.id
    )
    if args.get("status"):
        stmt = stmt.where(WebhookDelivery.status == args["status"])
    before = decode_cursor(args.get("cursor"))
    if before:
        stmt = stmt.where(WebhookDelivery.id < before)
    rows = list(session.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(args["limit"] + 1)))
    if len(rows) <= args["limit"]:
        return rows, None
    rows = rows[: args["limit"]]
    return rows, encode_cursor(rows[-1].id)


def send_test(session: Session, project_id: int, webhook_id: int) -> WebhookDelivery:
    """Queue a webhook.test event for one webhook, whatever events it subscribes to and whatever its filters;
    a Slack or Teams channel gets a sample of what it will be sent, marked as a test."""
    webhook = get_webhook(session, project_id, webhook_id)
    if not webhook.active:
        raise Conflict("The webhook is disabled; activate it first.")
    now = utcnow()
    if webhook.kind == "webhook":
        payload = _plain(TEST_EVENT, {"webhookId": webhook.id, "message": "A test event from Gapwise."}, now)
    else:
        payload = messages.render(webhook.kind, notifications.sample(session, webhook))
    begin_write(session)
    message_id = "msg_" + secrets.token_urlsafe(18)
    _insert(session, project_id, [(webhook.id, payload)], message_id, TEST_EVENT)
    session.commit()
    return session.execute(
        select(WebhookDelivery).where(
            WebhookDelivery.webhook_id == webhook.id, WebhookDelivery.message_id == message_id
        )
    ).scalar_one()


def enqueue(
    session: Session,
    project_id: int,
    event_type: str,
    data: dict,
    occurred_at: datetime,
    natural_key: str | None = None,
    hooks: list[int] | None = None,
) -> int:
    """Queue an event for every active webhook of the project subscribed to it, in the caller's transaction.

    With a `natural_key` (what the event is about), the message id is derived from it and a webhook
    that already has that message is skipped. `hooks` are the subscribers, when the caller already looked
    them up. Returns the number of deliveries queued.
    """
    hooks = subscribers(session, project_id, event_type) if hooks is None else hooks
    if not hooks:
        return 0
    if natural_key is None:
        message_id = "msg_" + secrets.token_urlsafe(18)
    else:
        digest = hashlib.sha256(f"{project_id}:{event_type}:{natural_key}".encode()).hexdigest()
        message_id = "msg_" + digest[:32]
        done = set(
            session.scalars(
                select(WebhookDelivery.webhook_id).where(
                    WebhookDelivery.webhook_id.in_(hooks), WebhookDelivery.message_id == message_id
                )
            )
        )
        hooks = [h for h in hooks if h not in done]
    rows = _addressed(session, project_id, hooks, event_type, data, occurred_at)
    _insert(session, project_id, rows, message_id, event_type)
    return len(rows)


def _addressed(session, project_id, hook_ids, event_type, data, occurred_at) -> list[tuple[int, dict]]:
    """(webhook id, body) for each destination whose filters let the event through: the signed event for a
    webhook, a message written for a Slack or Teams channel (once per kind)."""
    if not hook_ids:
        return []
    plain = _plain(event_type, data, occurred_at)
    found = session.execute(
        select(Webhook.id, Webhook.kind, Webhook.filters).where(Webhook.id.in_(hook_ids)).order_by(Webhook.id)
    ).all()
    if all(d.kind == "webhook" and not d.filters for d in found):
        return [(d.id, plain) for d in found]
    ev = notifications.event(session, project_id, event_type, data, occurred_at)
    written: dict[str, dict] = {"webhook": plain}
    rows = []
    for d in found:
        if notifications.matches(d.filters, ev):
            if d.kind not in written:
                written[d.kind] = messages.render(d.kind, ev)
            rows.append((d.id, written[d.kind]))
    return rows


def subscribers(session: Session, project_id: int, event_type: str) -> list[int]:
    """Ids of the project's active webhooks subscribed to an event type."""
    return subscriptions(session, project_id).get(event_type, [])


def subscriptions(session: Session, project_id: int) -> dict[str, list[int]]:
    """The project's active webhook ids by the event types they subscribe to."""
    found: dict[str, list[int]] = {}
    for row in session.execute(
        select(Webhook.id, Webhook.events).where(Webhook.project_id == project_id, Webhook.active.is_(True))
    ):
        for event_type in row.events or ():
            found.setdefault(event_type, []).append(row.id)
    return found


def _plain(event_type: str, data: dict, occurred_at: datetime) -> dict:
    """The signed JSON a webhook receives."""
    return {"type": event_type, "timestamp": iso(occurred_at), "data": data}


def _insert(session, project_id, rows: list[tuple[int, dict]], message_id, event_type) -> None:
    if not rows:
        return
    now = utcnow()
    session.execute(
        insert(_DELIVERIES),
        [
            {
                "project_id": project_id,
                "webhook_id": h,
                "message_id": message_id,
                "event_type": event_type,
                "payload": payload,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for h, payload in rows
        ],
    )


def iso(moment: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in UTC with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment is not None else None


def response_completed(session: Session, project_id: int, display_id: str, completed_at: datetime) -> None:
    """Announce `response.created` for a response that has just become complete."""
    hooks = subscribers(session, project_id, "response.created")
    if not hooks:
        return
    row = session.execute(
        select(
            Response.id,
            Response.survey_id,
            Response.person_id,
            Response.display_id,
            Response.answers,
            Response.score,
            Response.stage,
            Response.locale,
            Response.created_at,
            Person.user_id,
        )
        .join(Person, Person.id == Response.person_id)
        .where(Response.project_id == project_id, Response.display_id == display_id)
    ).first()
    if row is None:
        return
    data = {
        "id": row.id,
        "surveyId": row.survey_id,
        "personId": row.person_id,
        "userId": row.user_id,
        "displayId": row.display_id,
        "answers": row.answers,
        "score": row.score,
        "stage": row.stage,
        "locale": row.locale,
        "createdAt": iso(row.created_at),
        "completedAt": iso(completed_at),
    }
    enqueue(session, project_id, "response.created", data, completed_at, natural_key=display_id, hooks=hooks)


_GAP_FIELDS = (
    "id",
    "key",
    "type",
    "subject",
    "cohort",
    "feature",
    "severity",
    "previousSeverity",
    "priority",
    "affectedPeople",
    "affectedAccounts",
    "mrr",
    "valueBasis",
    "trend",
    "headline",
    "evidence",
)


def gap_changes(session: Session, project_id: int, window: dict, entries: list[dict], before: dict[str, bool]) -> None:
    """Announce gaps newly flagged (`gap.flagged`) or closed (`gap.closed`) in a window of the gap report.

    `before` maps each gap key to whether the window's stored snapshot flagged it before this
    measurement: a gap already flagged (or already closed) in this window is not announced again.
    """
    hooks = subscriptions(session, project_id)
    if not (hooks.get("gap.flagged") or hooks.get("gap.closed")):
        return
    now = utcnow()
    for e in entries:
        if e["trend"] == "new" and not before.get(e["key"]):
            event_type = "gap.flagged"
        elif e["trend"] == "closed" and before.get(e["key"]) is not False:
            event_type = "gap.closed"
        else:
            continue
        data = {
            **{k: e[k] for k in _GAP_FIELDS if k in e},
            "window": {"start": iso(window["start"]), "end": iso(window["end"]), "days": window["days"]},
        }
        enqueue(
            session,
            project_id,
            event_type,
            data,
            now,
            natural_key=f"{e['key']}@{iso(window['end'])}",
            hooks=hooks.get(event_type, []),
        )
