"""A project's team: members and their roles, invitations, and passwords changed or reset.

There is no mail server by default, so invitations and password resets are one-time links handed over by
hand: `gapwise user …` prints them, the dashboard shows an invitation's link once, when it is made. A link
keeps only a SHA-256 digest of its token, works once, and expires (invitations after 7 days, resets after
24 hours). A project always keeps an owner: the last one can be neither removed nor demoted.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ...errors import Conflict, NotFound, Unprocessable
from ...models import Membership, OneTimeLink, Project, User
from ...models.base import utcnow
from ...models.users import ROLES
from . import users

INVITE_DAYS = 7
RESET_HOURS = 24


@dataclass(frozen=True)
class Member:
    user_id: int
    email: str
    role: str
    last_login_at: datetime | None


@dataclass(frozen=True)
class Invitation:
    id: int
    email: str
    role: str
    expires_at: datetime


def members(session: Session, project_id: int) -> list[Member]:
    """The project's members, owners first, then by email."""
    rows = session.execute(
        select(User.id, User.email, Membership.role, User.last_login_at)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project_id)
    )
    found = [Member(*row) for row in rows]
    return sorted(found, key=lambda m: (-ROLES.index(m.role), m.email))


def pending(session: Session, project_id: int, now: datetime | None = None) -> list[Invitation]:
    """Invitations not yet accepted nor expired, newest first."""
    now = now or utcnow()
    rows = session.scalars(
        select(OneTimeLink)
        .where(
            OneTimeLink.project_id == project_id,
            OneTimeLink.purpose == "invite",
            OneTimeLink.used_at.is_(None),
            OneTimeLink.expires_at > now,
        )
        .order_by(OneTimeLink.id.desc())
    )
    return [Invitation(r.id, r.email, r.role or "viewer", r.expires_at) for r in rows]


def add_member(session: Session, project_id: int, email: str, role: str) -> Member:
    """Give an existing user a role in the project (a member already: their role changes)."""
    user = _user(session, email)
    users.grant(session, user.id, project_id, _role(role))
    return Member(user.id, user.email, role, user.last_login_at)


def invite(session: Session, project_id: int, email: str, role: str, by: int | None = None) -> tuple[str, str]:
    """Invite `email` with `role`: ("added", "") when they have an account already (they are a member at once),
    else ("invited", token) for the one-time link /app/invite/<token>."""
    email, role = _email(email), _role(role)
    if session.get(Project, project_id) is None:
        raise NotFound(f"No project with id {project_id}.")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        add_member(session, project_id, email, role)
        return "added", ""
    session.execute(  # a new invitation replaces any earlier one for the same person and project
        update(OneTimeLink)
        .where(
            OneTimeLink.project_id == project_id,
            OneTimeLink.purpose == "invite",
            OneTimeLink.email == email,
            OneTimeLink.used_at.is_(None),
        )
        .values(expires_at=utcnow())
    )
    token = _link(session, "invite", email, timedelta(days=INVITE_DAYS), project_id=project_id, role=role, by=by)
    return "invited", token


def revoke_invitation(session: Session, project_id: int, invitation_id: int) -> None:
    link = session.scalar(
        select(OneTimeLink).where(
            OneTimeLink.id == invitation_id, OneTimeLink.project_id == project_id, OneTimeLink.purpose == "invite"
        )
    )
    if link is None or link.used_at is not None:
        raise NotFound(f"No pending invitation with id {invitation_id}.")
    link.expires_at = utcnow()
    session.commit()


def invitation(session: Session, token: str) -> OneTimeLink:
    """The invitation a link names, while it may still be used."""
    return _usable(session, "invite", token)


def reset_request(session: Session, token: str) -> OneTimeLink:
    """The password reset a link names, while it may still be used."""
    return _usable(session, "reset", token)


def accept(session: Session, token: str, password: str) -> User:
    """Create the invited person's account with `password` and make them a member; the link is spent."""
    link = _usable(session, "invite", token)
    if session.scalar(select(User.id).where(User.email == link.email)) is not None:
        raise Conflict(f"{link.email} has an account already: sign in, and ask an owner to add you.")
    user = users.create_user(session, link.email, password)
    assert link.project_id is not None and link.role is not None
    users.grant(session, user.id, link.project_id, link.role)
    link.used_at = utcnow()
    session.commit()
    return user


def set_role(session: Session, project_id: int, email: str, role: str) -> Member:
    """Change a member's role; the project's last owner stays an owner."""
    member = _member(session, project_id, email)
    role = _role(role)
    if member.role == "owner" and role != "owner" and _owners(session, project_id) == 1:
        raise Unprocessable(f"{member.email} is the project's only owner: make someone else an owner first.")
    users.grant(session, member.user_id, project_id, role)
    return Member(member.user_id, member.email, role, member.last_login_at)


def remove_member(session: Session, project_id: int, email: str) -> None:
    """Take a member out of the project; the last owner cannot be removed."""
    member = _member(session, project_id, email)
    if member.role == "owner" and _owners(session, project_id) == 1:
        raise Unprocessable(f"{member.email} is the project's only owner: make someone else an owner first.")
    session.execute(
        Membership.__table__.delete().where(Membership.user_id == member.user_id, Membership.project_id == project_id)
    )
    session.commit()


def change_password(session: Session, user_id: int, current: str, new: str) -> None:
    """Change one's password (the current one is asked); every other session ends."""
    user = session.get(User, user_id)
    if user is None or not check_password_hash(user.password_hash, current[:1000]):
        raise Unprocessable("The current password is wrong.", {"current": ["Wrong password."]})
    _set_password(session, user, new)


def reset_link(session: Session, email: str) -> str:
    """A one-time token for /app/reset/<token>, to choose a new password within 24 hours."""
    user = _user(session, email)
    return _link(session, "reset", user.email, timedelta(hours=RESET_HOURS))


def reset(session: Session, token: str, password: str) -> User:
    """Set a new password from a reset link; the link is spent and every session of the user ends."""
    link = _usable(session, "reset", token)
    user = _user(session, link.email)
    _set_password(session, user, password)
    link.used_at = utcnow()
    session.commit()
    return user


def _set_password(session: Session, user: User, password: str) -> None:
    if len(password) < users.MIN_PASSWORD:
        raise Unprocessable(
            f"The password must have at least {users.MIN_PASSWORD} characters.",
            {"password": [f"Use at least {users.MIN_PASSWORD} characters."]},
        )
    if len(password) > 1000:
        raise Unprocessable("The password must have at most 1,000 characters.", {"password": ["Too long."]})
    user.password_hash = generate_password_hash(password)
    user.session_version += 1  # signed out everywhere
    session.commit()


def _link(
    session: Session,
    purpose: str,
    email: str,
    lasts: timedelta,
    project_id: int | None = None,
    role: str | None = None,
    by: int | None = None,
) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        OneTimeLink(
            purpose=purpose,
            token_hash=_digest(token),
            email=email,
            project_id=project_id,
            role=role,
            invited_by=by,
            expires_at=utcnow() + lasts,
        )
    )
    session.commit()
    return token


def _usable(session: Session, purpose: str, token: str) -> OneTimeLink:
    link = session.scalar(
        select(OneTimeLink).where(OneTimeLink.token_hash == _digest(token[:200]), OneTimeLink.purpose == purpose)
    )
    if link is None:
        raise NotFound("This link is not valid. Ask for a new one.")
    if link.used_at is not None:
        raise NotFound("This link was used already. Ask for a new one.")
    if link.expires_at <= utcnow():
        raise NotFound("This link has expired. Ask for a new one.")
    return link


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _email(email: str) -> str:
    email = users.normalise_email(email or "")
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise Unprocessable(f"{email!r} is not an email address.", {"email": ["Not an email address."]})
    return email


def _role(role: str) -> str:
    if role not in ROLES:
        raise Unprocessable(f"The role must be one of {', '.join(ROLES)}.", {"role": [f"One of {', '.join(ROLES)}."]})
    return role


def _user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == _email(email)))
    if user is None:
        raise NotFound(f"No user with email {users.normalise_email(email)!r}.")
    return user


def _member(session: Session, project_id: int, email: str) -> Member:
    user = _user(session, email)
    role = users.role_in(session, user.id, project_id)
    if role is None:
        raise NotFound(f"{user.email} is not a member of project {project_id}.")
    return Member(user.id, user.email, role, user.last_login_at)


def _owners(session: Session, project_id: int) -> int:
    return (
        session.scalar(select(func.count()).where(Membership.project_id == project_id, Membership.role == "owner")) or 0
    )
