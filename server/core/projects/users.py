"""Dashboard users: create, authenticate, and their roles in projects."""

import hmac

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ...errors import Conflict, NotFound, Unprocessable
from ...models import Membership, Project, User
from ...models.base import utcnow
from ...models.users import ROLES

MIN_PASSWORD = 10
# Checked against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("gapwise-timing-equaliser")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(session: Session, email: str, password: str) -> User:
    """A new user; the email must be unused and the password at least 10 characters."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise Unprocessable(f"{email!r} is not an email address.", {"email": ["Not an email address."]})
    if len(password) < MIN_PASSWORD:
        raise Unprocessable(
            f"The password must have at least {MIN_PASSWORD} characters.",
            {"password": [f"Use at least {MIN_PASSWORD} characters."]},
        )
    user = User(email=email, password_hash=generate_password_hash(password))
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"A user with email {email!r} already exists.") from None
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user with this email and password, or None (in the same time either way)."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    session.commit()
    return user


def end_sessions(session: Session, user_id: int) -> None:
    """Sign the user out everywhere: every session cookie and remember-me cookie issued so far stops working."""
    session.execute(update(User).where(User.id == user_id).values(session_version=User.session_version + 1))
    session.commit()


def session_user(session: Session, user_id: str) -> User | None:
    """The user a session cookie names ("id:version"), if that session has not been ended."""
    number, _, version = user_id.partition(":")
    if not (number.isdigit() and version.isdigit() and len(number) < 19):
        return None
    user = session.get(User, int(number))
    if user is None or not hmac.compare_digest(str(user.session_version), version):
        return None
    return user


def grant(session: Session, user_id: int, project_id: int, role: str) -> Membership:
    """Give a user a role in a project (replacing the role they had)."""
    if role not in ROLES:
        raise Unprocessable(errors={"role": [f"One of {', '.join(ROLES)}."]})
    if session.get(Project, project_id) is None:
        raise NotFound(f"No project with id {project_id}.")
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.project_id == project_id)
    )
    if membership is None:
        membership = Membership(user_id=user_id, project_id=project_id, role=role)
        session.add(membership)
    membership.role = role
    session.commit()
    return membership


def role_in(session: Session, user_id: int, project_id: int) -> str | None:
    """The user's role in the project, or None when they are not a member."""
    return session.scalar(
        select(Membership.role).where(Membership.user_id == user_id, Membership.project_id == project_id)
    )


def projects_of(session: Session, user_id: int) -> list[tuple[Project, str]]:
    """The projects a user belongs to, with their role, by name."""
    rows = session.execute(
        select(Project, Membership.role)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == user_id)
        .order_by(Project.name, Project.id)
    )
    return [(p, role) for p, role in rows]


def at_least(role: str | None, needed: str) -> bool:
    return role is not None and ROLES.index(role) >= ROLES.index(needed)
