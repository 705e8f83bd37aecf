"""Projects and their keys."""

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import JSONDoc, UTCDateTime
from .base import Base, utcnow


def new_link_secret() -> str:
    """A project's link secret: `lks_` and 43 URL-safe characters (256 bits)."""
    return "lks_" + secrets.token_urlsafe(32)


class Project(Base):
    """A tracked product. Its write key is public (it ships in page source)."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    write_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Origins allowed to send from a browser; empty means any origin.
    allowed_origins: Mapped[list] = mapped_column(JSONDoc, default=list)
    # Hours after any survey was shown to a person before another may be shown to them.
    survey_cooldown_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    # An IANA time zone: how the dashboard shows dates (figures are computed in UTC days).
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # Journey rules and gap thresholds as the project set them; defaults fill the rest (core.journey.rules).
    journey_rules: Mapped[dict] = mapped_column(JSONDoc, default=dict, server_default="{}")
    gap_thresholds: Mapped[dict] = mapped_column(JSONDoc, default=dict, server_default="{}")
    # Signs the `uid` of survey links (core.surveys.links). Held in the clear, like webhook secrets: the server
    # computes the same HMAC to check a signature. Owners see and rotate it on the settings page.
    link_secret: Mapped[str | None] = mapped_column(String(64), default=new_link_secret)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    secret_keys: Mapped[list["SecretKey"]] = relationship(back_populates="project")


class SecretKey(Base):
    """A key for the admin API. Only its SHA-256 is stored; the key itself is shown once."""

    __tablename__ = "secret_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="default")
    # The first characters, so a person can tell keys apart without the secret.
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship(back_populates="secret_keys")
