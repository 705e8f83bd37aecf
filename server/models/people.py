"""People (identified or anonymous), their anonymous ids, and the accounts they belong to."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, JSONDoc, UTCDateTime
from .base import Base, utcnow

# The journey stages in order (a person's `stage` is one of them); core.journey keeps them current.
STAGES = ("trial", "aha", "activation", "adoption")


class Account(Base):
    """A customer company, from `group` calls; its MRR weighs the gaps that touch it."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("project_id", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(200))
    plan: Mapped[str | None] = mapped_column(String(100))
    tier: Mapped[str | None] = mapped_column(String(100))
    mrr: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    traits: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Person(Base):
    """Someone using the tracked product; `user_id` is set once they are identified."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("project_id", "user_id"),
        Index("ix_people_project_id_stage", "project_id", "stage"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), index=True)
    traits: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The journey: the furthest stage reached and when each was reached (see core.journey.stages).
    stage: Mapped[str] = mapped_column(String(16), default="trial", server_default="trial")
    aha_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who counts in the gap engine's population (core.gaps.population): when the person was first seen in the
    # product (a tagged feature, a mobile screen, a page matching the project's product URLs), and whether
    # they behaved like a robot (more distinct features in a minute than a person uses).
    product_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    robot: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class PersonAlias(Base):
    """An anonymous id (one per browser) pointing at the person it belongs to."""

    __tablename__ = "person_aliases"
    __table_args__ = (
        UniqueConstraint("project_id", "anonymous_id"),
        Index("ix_person_aliases_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    anonymous_id: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
