"""Gaps the engine flagged, their remediation, and what each window measured."""

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, JSONDoc, UTCDateTime
from .base import Base, utcnow


class Gap(Base):
    """A gap as the team tracks it: one per (type, subject, cohort), kept across windows."""

    __tablename__ = "gaps"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    # "<type>:<subject>:<cohort>", e.g. "communication:export:all" or "stall:trial:segment:self-serve".
    key: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(120))
    cohort: Mapped[str] = mapped_column(String(100))
    feature_id: Mapped[int | None] = mapped_column(ForeignKey("features.id", ondelete="CASCADE"), index=True)
    first_flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Remediation: who owns it, where it stands, and when it was last resolved or reopened.
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | acknowledged | in_progress | resolved
    owner: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(2000))
    due_date: Mapped[date | None] = mapped_column(Date)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GapWindow(Base):
    """A window the engine measured, flags or not, so its snapshots are known to be complete."""

    __tablename__ = "gap_windows"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    window_end: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    window_days: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The rules everyone's cohort could not test yet, too few people behind them (flags.waiting).
    not_enough_data: Mapped[list | None] = mapped_column(JSONDoc, default=list)


class GapSnapshot(Base):
    """What one window measured for one gap, so trends survive later changes to the data."""

    __tablename__ = "gap_snapshots"
    __table_args__ = (
        UniqueConstraint("gap_id", "window_end"),
        Index("ix_gap_snapshots_project_id_window_end", "project_id", "window_end"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    gap_id: Mapped[int] = mapped_column(BigId, ForeignKey("gaps.id", ondelete="CASCADE"))
    # The window is [window_end - window_days, window_end), in whole UTC days.
    window_end: Mapped[int] = mapped_column(Integer)
    window_days: Mapped[int] = mapped_column(Integer)
    flagged: Mapped[bool] = mapped_column(default=True)
    severity: Mapped[float] = mapped_column(Float, default=0.0)
    value: Mapped[float] = mapped_column(Float, default=0.0)
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GapPeople(Base):
    """The people a gap touches, as its latest evaluation found them: exactly those failing its condition
    (core.gaps.flags), so the people a gap links to are the ones it counts. One row a gap, the ids as a list:
    an evaluation writes a few rows, not one per person."""

    __tablename__ = "gap_people"

    gap_id: Mapped[int] = mapped_column(BigId, ForeignKey("gaps.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    person_ids: Mapped[list] = mapped_column(JSONDoc, default=list)


class GapSchedule(Base):
    """When the scheduler last evaluated a project's gaps; a process claims a pass by moving it on."""

    __tablename__ = "gap_schedule"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The UTC day (days since 1970-01-01) of that pass: a later day means a window ended since.
    day: Mapped[int | None] = mapped_column(Integer)
