"""Nudges (in-app banners, tooltips, modals and checklists) and who was assigned to see them or be held out."""

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, JSONDoc, UTCDateTime
from .base import Base, utcnow


class Nudge(Base):
    """An in-app message with a target (a gap's people, a segment or a stage), a holdout share, and the
    measure it should move (core.nudges)."""

    __tablename__ = "nudges"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # banner | tooltip | modal | checklist
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | active | paused | ended
    gap_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("gaps.id", ondelete="SET NULL"))
    # {"gap": id} | {"segment": key} | {"stage": name}, validated by schemas.nudges.
    target: Mapped[dict] = mapped_column(JSONDoc)
    # Texts per locale, call to action, checklist steps, the anchoring feature, position, as schemas.nudges says.
    content: Mapped[dict] = mapped_column(JSONDoc)
    appearance: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    holdout: Mapped[float] = mapped_column(Float, default=0.2)
    unit: Mapped[str] = mapped_column(String(16), default="person")  # person | account
    # What success is: {"measure": "exposure"|"adoption"|"repeat"|"event", "feature"|"event": …}.
    metric: Mapped[dict] = mapped_column(JSONDoc)
    min_effect: Mapped[float] = mapped_column(Float, default=0.1)  # the smallest lift worth detecting
    priority: Mapped[int] = mapped_column(Integer, default=0)
    verdict: Mapped[str] = mapped_column(String(16), default="collecting")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NudgeAssignment(Base):
    """One person's arm for one nudge, stored when they first became eligible, whether or not it was ever
    shown: the comparison is intention-to-treat."""

    __tablename__ = "nudge_assignments"
    __table_args__ = (
        UniqueConstraint("nudge_id", "person_id"),
        Index("ix_nudge_assignments_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    nudge_id: Mapped[int] = mapped_column(ForeignKey("nudges.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("people.id", ondelete="CASCADE"))
    arm: Mapped[str] = mapped_column(String(16))  # treatment | holdout
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Kept by ingest from the person's nudge messages (core.ingest.nudges): the last display, when they
    # dismissed or completed it, and the checklist steps they ticked off.
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    steps: Mapped[list | None] = mapped_column(JSONDoc)
