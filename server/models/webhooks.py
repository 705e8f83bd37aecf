"""Webhook subscriptions and the deliveries queued for them (an outbox written in the same transaction)."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, JSONDoc, UTCDateTime
from .base import Base, utcnow


class Webhook(Base):
    """A destination subscribed to some of a project's events: a signed webhook, or a Slack or Teams channel.

    Its signing secret is kept as given (whsec_…): the server must hold it to sign, as in Standard Webhooks.
    A Slack or Teams incoming-webhook URL is a secret too: whoever has it can post to the channel.
    """

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    # webhook (signed JSON) | slack (Block Kit) | teams (an Adaptive Card): how each event is written.
    kind: Mapped[str] = mapped_column(String(16), default="webhook", server_default="webhook")
    name: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSONDoc, default=list)  # response.created | gap.flagged | gap.closed
    # Which events are worth sending, checked when they are queued (schemas.webhooks.FiltersSchema).
    filters: Mapped[dict] = mapped_column(JSONDoc, default=dict, server_default="{}")
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One event for one webhook: pending until delivered, retried with backoff, failed after the last try."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    # The Standard Webhooks message id (msg_…): the same on every retry, so receivers can deduplicate.
    message_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSONDoc)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
