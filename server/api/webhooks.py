"""/api/v1/webhooks: destinations (signed webhooks, Slack and Teams channels), their filters and delivery log
(secret key)."""

from flask import Blueprint, g, request

from ..core.webhooks import hooks as webhooks
from ..db import db
from ..http.body import read_json_object
from ..schemas.webhooks import (
    DeliveryOutSchema,
    DeliveryQuerySchema,
    WebhookCreatedSchema,
    WebhookOutSchema,
    WebhookSchema,
)
from .openapi import INT_ID, doc, list_of

bp = Blueprint("webhooks", __name__)
_create, _update = WebhookSchema(), WebhookSchema(partial=True, exclude=("secret",))
_out, _created = WebhookOutSchema(), WebhookCreatedSchema()
_deliveries_query, _delivery = DeliveryQuerySchema(), DeliveryOutSchema()


@bp.get("")
@doc("List webhooks", response=list_of("webhooks", WebhookOutSchema, paginated=False))
def list_webhooks():
    """The project's webhooks, oldest first; their secrets only by prefix."""
    return {"webhooks": _out.dump(webhooks.list_webhooks(db.session, g.project_id), many=True)}


@bp.post("")
@doc("Create a webhook", body=WebhookSchema, response=WebhookCreatedSchema, status=201)
def create_webhook():
    """Subscribe a URL to response.created, gap.flagged, gap.closed and/or nudge.verdict. `kind` is `webhook`
    (signed JSON, the default), `slack` (a Block Kit message) or `teams` (an Adaptive Card); a Slack or Teams URL
    must be https and is shown afterwards only as https://host/…last4. `filters` choose what is sent: `surveyId`,
    `npsMax`, `ratingMax`, `textContains` for responses, `gapTypes`, `minPriority` for gaps (422 on `filters.…` when
    one cannot apply to the events). The answer is the only time the whole signing secret is shown (generated as
    whsec_… unless given). A URL whose host is, or resolves to, a loopback, private, link-local or other non-public
    address is refused (422 on `url`) unless the operator allows its network."""
    return _created.dump(webhooks.create_webhook(db.session, g.project_id, _create.load(read_json_object()))), 201


@bp.get(f"/<{INT_ID}:webhook_id>")
@doc("Get one webhook", response=WebhookOutSchema)
def get_webhook(webhook_id):
    return _out.dump(webhooks.get_webhook(db.session, g.project_id, webhook_id))


@bp.patch(f"/<{INT_ID}:webhook_id>")
@doc("Change a webhook", body=_update, response=WebhookOutSchema)
def update_webhook(webhook_id):
    """Change the URL, kind, name, events, filters or whether it is active; pending retries go to the new URL,
    which is checked as on creation, and the filters are checked against the events they will have."""
    changes = _update.load(read_json_object())
    return _out.dump(webhooks.update_webhook(db.session, g.project_id, webhook_id, changes))


@bp.delete(f"/<{INT_ID}:webhook_id>")
@doc("Delete a webhook", status=204)
def delete_webhook(webhook_id):
    """Remove a webhook and its delivery log."""
    webhooks.delete_webhook(db.session, g.project_id, webhook_id)
    return "", 204


@bp.get(f"/<{INT_ID}:webhook_id>/deliveries")
@doc("List a webhook's deliveries", query=DeliveryQuerySchema, response=list_of("deliveries", DeliveryOutSchema))
def list_deliveries(webhook_id):
    """The delivery log, newest first: event, message id, status, attempts, last status code or error."""
    rows, next_cursor = webhooks.deliveries(db.session, g.project_id, webhook_id, _deliveries_query.load(request.args))
    return {"deliveries": _delivery.dump(rows, many=True), "nextCursor": next_cursor}


@bp.post(f"/<{INT_ID}:webhook_id>/test")
@doc("Send a test event", response=DeliveryOutSchema, status=202, responses={409: "The webhook is disabled."})
def send_test(webhook_id):
    """Queue a webhook.test event for this webhook; its delivery shows in the log."""
    return _delivery.dump(webhooks.send_test(db.session, g.project_id, webhook_id)), 202
