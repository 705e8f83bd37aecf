"""Projects and their keys: creation, hashing, lookup."""

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from ...db import begin_write, db
from ...errors import NotFound, Unprocessable
from ...models import Project, SecretKey
from ...models.base import utcnow
from ..storage.pagination import page

WRITE_PREFIX, SECRET_PREFIX = "pk_", "sk_"
# A key's last use is written at most this often, so authenticating does not write on every request.
LAST_USED_PRECISION = timedelta(minutes=1)
_WRITE_KEY_SHAPE = re.compile(r"pk_[A-Za-z0-9_-]{8,61}")


@dataclass(frozen=True)
class ProjectRef:
    """What ingestion needs to know about a project, cheap to cache."""

    id: int
    allowed_origins: tuple[str, ...]

    def allows_origin(self, origin: str | None) -> bool:
        return not origin or not self.allowed_origins or origin in self.allowed_origins


def is_write_key_shaped(value) -> bool:
    """Whether a value could be a write key at all; anything else is refused without a lookup."""
    return isinstance(value, str) and _WRITE_KEY_SHAPE.fullmatch(value) is not None


def hash_key(key: str) -> str:
    """SHA-256 of a key: keys are long and random, so a fast hash is enough to store them safely."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_write_key() -> str:
    return WRITE_PREFIX + secrets.token_urlsafe(24)


def check_project_name(name: str | None) -> str:
    """A project name, stripped; 1 to 200 characters."""
    name = (name or "").strip()
    if not name or len(name) > 200 or "\x00" in name:
        raise Unprocessable("A project name needs 1 to 200 characters.", errors={"name": ["1 to 200 characters."]})
    return name


def create_project(session: Session, name: str) -> tuple[Project, str]:
    """Create a project with a write key and a first secret key; return the project and that secret key."""
    name = check_project_name(name)
    project = Project(name=name, write_key=new_write_key(), allowed_origins=[])
    session.add(project)
    session.flush()
    secret = _add_secret_key(session, project.id, "default")
    session.commit()
    return project, secret


def create_secret_key(session: Session, project_id: int, name: str = "default") -> str:
    """Add a secret key to a project; the returned key is never stored and cannot be shown again."""
    return issue_secret_key(session, project_id, name)[1]


def issue_secret_key(session: Session, project_id: int, name: str) -> tuple[SecretKey, str]:
    """Add a secret key to a project; return its row and the key itself, which is never stored."""
    secret = _add_secret_key(session, project_id, name)
    session.commit()
    return session.execute(select(SecretKey).where(SecretKey.key_hash == hash_key(secret))).scalar_one(), secret


def _add_secret_key(session: Session, project_id: int, name: str) -> str:
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    session.add(SecretKey(project_id=project_id, name=name, prefix=secret[:10], key_hash=hash_key(secret)))
    return secret


def list_secret_keys(session: Session, project_id: int, limit: int, cursor: str | None) -> tuple[list, str | None]:
    """One page of a project's secret keys, revoked ones included, oldest first."""
    return page(session, select(SecretKey).where(SecretKey.project_id == project_id), SecretKey.id, limit, cursor)


def revoke_secret_key(session: Session, project_id: int, key_id: int) -> None:
    """Revoke one of a project's secret keys; it stops working at once."""
    key = session.scalar(select(SecretKey).where(SecretKey.project_id == project_id, SecretKey.id == key_id))
    if key is None:
        raise NotFound("No such secret key.")
    key.revoked_at = key.revoked_at or utcnow()
    session.commit()


def rotate_write_key(session: Session, project_id: int) -> str:
    """Give a project a new write key; the old one answers 401 from then on."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("No such project.")
    project.write_key = new_write_key()
    session.commit()
    _key_cache().clear()
    return project.write_key


def authenticate_secret_key(session: Session, key: str | None) -> tuple[Project, int] | None:
    """The project and key id of a live secret key, or None; records the key's use (at most once a minute)."""
    row = _live_key(session, key)
    if row is None:
        return None
    project = session.get(Project, row.project_id)
    assert project is not None  # a key goes with its project (ON DELETE CASCADE)
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        _record_use(session, row.id, now)
    return project, row.id


def _live_key(session: Session, key: str | None):
    """The row of a live secret key, or None; the stored hash is compared in constant time."""
    if not key or not key.startswith(SECRET_PREFIX) or len(key) > 100:
        return None
    digest = hash_key(key)
    row = session.execute(
        select(SecretKey.id, SecretKey.key_hash, SecretKey.project_id, SecretKey.last_used_at).where(
            SecretKey.key_hash == digest, SecretKey.revoked_at.is_(None)
        )
    ).first()
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        return None
    return row


def _record_use(session: Session, key_id: int, now) -> None:
    # Bookkeeping only: when the write lock is not to be had, the request goes on and a later one records it.
    stale = or_(SecretKey.last_used_at.is_(None), SecretKey.last_used_at <= now - LAST_USED_PRECISION)
    try:
        begin_write(session)
        session.execute(update(SecretKey).where(SecretKey.id == key_id, stale).values(last_used_at=now))
        session.commit()
    except OperationalError:
        session.rollback()


def project_for_write_key(write_key: str) -> ProjectRef | None:
    """The project a write key belongs to, cached for a few seconds in this process."""
    cache = _key_cache()
    hit = cache.get(write_key)
    now = time.monotonic()
    if hit and hit[0] > now:
        return hit[1]
    try:
        with db.engine.connect() as conn:
            row = conn.execute(
                select(Project.id, Project.write_key, Project.allowed_origins).where(Project.write_key == write_key)
            ).first()
    except (OperationalError, InterfaceError, PoolTimeout):
        if hit:  # the database is down: a key known a moment ago still captures into a log that does not need it
            return hit[1]
        raise
    ref = None
    if row is not None and hmac.compare_digest(row.write_key, write_key):
        ref = ProjectRef(row.id, tuple(row.allowed_origins or ()))
    if len(cache) > 10_000:
        cache.clear()
    cache[write_key] = (now + current_app.config["KEY_CACHE_SECONDS"], ref)
    return ref


def forget_cached_keys() -> None:
    """Forget this process's write key lookups, so a project's new allowed origins apply here at once."""
    _key_cache().clear()


def _key_cache() -> dict:
    return current_app.extensions.setdefault("gapwise.key_cache", {})


def list_projects(session: Session) -> list[Project]:
    """Every project, oldest first."""
    return list(session.scalars(select(Project).order_by(Project.id)))
