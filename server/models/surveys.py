"""Segments, surveys, and what people were shown and answered."""

import secrets
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, JSONDoc, UTCDateTime
from .base import Base, utcnow


class Segment(Base):
    """A named rule over people: AND/OR conditions on traits, account, stage, age and usage."""

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    # {"match": "all"|"any", "conditions": [...]}, validated by schemas.segments.
    rules: Mapped[dict] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def new_public_id() -> str:
    """An unguessable id for a survey's hosted page (/s/<public id>): 22 URL-safe characters, 128 bits."""
    return secrets.token_urlsafe(16)


class Survey(Base):
    """A microsurvey: its questions and texts per locale, its look, and who should see it when."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names the survey's hosted page; every survey has one (null only in a database never migrated past 0017).
    public_id: Mapped[str | None] = mapped_column(String(32), default=new_public_id, index=True, unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # welcome | nps | csat | custom
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | active | paused | archived
    # Questions, thank-you text and translations, as validated by schemas.surveys.
    content: Mapped[dict] = mapped_column(JSONDoc)
    appearance: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    targeting: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="SET NULL"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    sample_rate: Mapped[float] = mapped_column(Float, default=1.0)
    response_limit: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Display(Base):
    """A survey shown to a person, stamped with their journey stage at that moment."""

    __tablename__ = "displays"
    __table_args__ = (
        UniqueConstraint("project_id", "display_id"),
        Index("ix_displays_person_id_survey_id", "person_id", "survey_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    display_id: Mapped[str] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(16), default="trial")
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Response(Base):
    """The answers given in one display; partial until `completed`."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("project_id", "display_id"),
        Index("ix_responses_survey_id_created_at", "survey_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    display_id: Mapped[str] = mapped_column(String(100))
    answers: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    # The NPS (0-10) or rating answer of the survey's first scored question, for scores by SQL.
    score: Mapped[float | None] = mapped_column(Float)
    locale: Mapped[str | None] = mapped_column(String(16))
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    stage: Mapped[str] = mapped_column(String(16), default="trial")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
