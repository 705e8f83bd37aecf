"""Usage rollups kept at ingest time, and the goals people chose on the welcome screen.

Days are whole days since 1970-01-01 UTC (an integer), so window and week arithmetic is the same
plain integer SQL on SQLite and PostgreSQL.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, UTCDateTime
from .base import Base


class FeatureUsage(Base):
    """One person's use of one feature on one day: clicks, exposures and mapped events."""

    __tablename__ = "feature_usage"
    # person_id alone: erasing or merging a person finds their rows (and the cascade from people does)
    # without scanning the project's.
    __table_args__ = (
        Index("ix_feature_usage_project_id_day", "project_id", "day"),
        Index("ix_feature_usage_person_id", "person_id"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    feature_id: Mapped[int] = mapped_column(ForeignKey("features.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # feature_used messages, feature_seen messages, and track messages named after the feature's event.
    used: Mapped[int] = mapped_column(Integer, default=0)
    seen: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)
    # The first use (a click or a mapped event) that day: journey stages are reached at exact times.
    first_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Activity(Base):
    """How many messages one person sent on one day: who was active in a window."""

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_project_id_day", "project_id", "day"),
        Index("ix_activity_person_id", "person_id"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    events: Mapped[int] = mapped_column(Integer, default=0)


class PersonGoal(Base):
    """A goal a person chose on a welcome screen; features name the goals they serve."""

    __tablename__ = "person_goals"
    __table_args__ = (Index("ix_person_goals_person_id", "person_id"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    goal: Mapped[str] = mapped_column(String(100), primary_key=True)
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime)
