"""Dashboard users and their roles in projects."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime
from .base import Base, utcnow

ROLES = ("viewer", "editor", "owner")  # each can do what the ones before it can


class User(UserMixin, Base):
    """Someone who signs in to the dashboard; only a salted hash of the password is kept."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session cookie's user id; signing out raises it, which ends every session of the user.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class Membership(Base):
    """A user's role in one project: viewer (read), editor (change surveys, segments, features), owner (all)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class SignInAttempt(Base):
    """One sign-in attempt against a bucket (a digest of an email and address, or an address), for the
    throttle of dashboard/signin.py when no Redis is configured; rows past the window are deleted."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_bucket", "bucket", "attempted_at"),
        Index("ix_sign_in_attempts_attempted_at", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(80))
    attempted_at: Mapped[float] = mapped_column(Float)


class OneTimeLink(Base):
    """A link sent to a person by hand (printed by the CLI, shown once in the dashboard): an invitation to a
    project with a role, or a password reset. Only a SHA-256 digest of its token is kept; it works once,
    until it expires."""

    __tablename__ = "one_time_links"
    __table_args__ = (Index("ix_one_time_links_project_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))  # invite | reset
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    role: Mapped[str | None] = mapped_column(String(16))
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
