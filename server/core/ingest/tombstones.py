"""Tombstones of erased people: a replay of their old batches must not bring them back.

At erasure the SHA-256 digests of their user id, anonymous ids and message ids are kept (never the ids
themselves) for ERASURE_TOMBSTONE_DAYS; the writer drops any message that names one of them.
"""

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from ...models import Erasure
from ...models.base import utcnow
from ..storage.sql import insert_ignoring_conflicts, rowcount

_ERASURES = Erasure.__table__
_IN_CHUNKS = 5_000
IDENTITY_KINDS = (("user", "userId"), ("anon", "anonymousId"), ("anon", "previousId"), ("message", "messageId"))


def digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()


def bury(
    session: Session, project_id: int, user_id: str | None, anonymous_ids: Iterable[str], message_ids: Iterable[str]
):
    """Keep the tombstones of one erased person (inside the erasure's transaction)."""
    digests = {digest("anon", a) for a in anonymous_ids} | {digest("message", m) for m in message_ids}
    if user_id:
        digests.add(digest("user", user_id))
    now = utcnow()
    rows = [{"project_id": project_id, "digest": d, "erased_at": now} for d in sorted(digests)]
    for start in range(0, len(rows), _IN_CHUNKS):
        insert_ignoring_conflicts(session, _ERASURES, rows[start : start + _IN_CHUNKS], ["project_id", "digest"])


def drop_erased(session: Session, project_id: int, messages: list[dict]) -> list[dict]:
    """The messages that name no erased identity or message id."""
    if not messages or not session.scalar(select(exists().where(_ERASURES.c.project_id == project_id))):
        return messages
    names = [[digest(kind, m[key]) for kind, key in IDENTITY_KINDS if m.get(key)] for m in messages]
    wanted = sorted({d for digests in names for d in digests})
    buried: set[str] = set()
    for start in range(0, len(wanted), _IN_CHUNKS):
        buried.update(
            session.scalars(
                select(_ERASURES.c.digest).where(
                    _ERASURES.c.project_id == project_id, _ERASURES.c.digest.in_(wanted[start : start + _IN_CHUNKS])
                )
            )
        )
    if not buried:
        return messages
    return [m for m, digests in zip(messages, names, strict=True) if buried.isdisjoint(digests)]


def forget_expired(session: Session, days: int, now: datetime | None = None) -> int:
    """Remove tombstones older than `days`; return how many went."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    return rowcount(session.execute(delete(_ERASURES).where(_ERASURES.c.erased_at < cutoff)))
