"""Tagged features: what the tracker watches and what the gap engine reasons about."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import JSONDoc, UTCDateTime
from .base import Base, utcnow


class Feature(Base):
    """A product feature, recognised by a CSS selector (clicks and exposure) and/or a tracked event name."""

    __tablename__ = "features"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    selector: Mapped[str | None] = mapped_column(String(500))
    event: Mapped[str | None] = mapped_column(String(200))
    # Journey rules: core features count towards activation and adoption; aha features mark the aha moment.
    core: Mapped[bool] = mapped_column(Boolean, default=False)
    aha: Mapped[bool] = mapped_column(Boolean, default=False)
    # Promised features are expected by everyone; goals map welcome-screen answers to the feature.
    promised: Mapped[bool] = mapped_column(Boolean, default=False)
    goals: Mapped[list] = mapped_column(JSONDoc, default=list)
    # 1 (easy) to 5 (hard): divides the priority of the gaps this feature has.
    effort: Mapped[int] = mapped_column(Integer, default=3)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
