"""Who sent each message: people, their anonymous ids and accounts, resolved in bulk per batch.

Locks, taken in the same order by every batch so that concurrent batches wait instead of deadlocking:
the people the batch is about (by id), then its accounts (by external id). An anonymous id only moves
to another person in a merge, which holds the lock of the person it moves from.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import orjson
from sqlalchemy import String, bindparam, case, delete, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ...db import UTCDateTime
from ...models import Account, Display, Event, Person, PersonAlias, PersonGoal, Response
from ...models.base import utcnow
from ..journey import stages as journey
from ..storage.sql import insert_ignoring_conflicts, member_of
from . import nudges, rollups

_PEOPLE, _ALIASES, _ACCOUNTS, _EVENTS = Person.__table__, PersonAlias.__table__, Account.__table__, Event.__table__
_DISPLAYS, _RESPONSES, _GOALS = Display.__table__, Response.__table__, PersonGoal.__table__
ACCOUNT_FIELDS = ("name", "plan", "tier", "mrr")


@dataclass
class _Resolution:
    """What one batch knows about its people while resolving them."""

    project_id: int
    aliases: dict[str, tuple[int, str | None]] = field(default_factory=dict)  # anonymous id -> (person, user id)
    users: dict[str, int] = field(default_factory=dict)  # user id -> person
    first_seen: dict[str, datetime] = field(default_factory=dict)  # any id -> its earliest timestamp


def merge_traits(current: dict | None, patch: dict) -> dict:
    """Apply a traits patch: a value sets a trait, a null removes it."""
    merged = dict(current or {})
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def resolve_people(session: Session, project_id: int, messages: list[dict]) -> list[int]:
    """Return the person id of each message, creating people and linking anonymous ids as needed."""
    r = _Resolution(project_id)
    for m in messages:
        for key in (m["anonymousId"], m["userId"]):
            if key and (key not in r.first_seen or m["timestamp"] < r.first_seen[key]):
                r.first_seen[key] = m["timestamp"]
    _lock_people(
        session,
        r,
        sorted({m["anonymousId"] for m in messages if m["anonymousId"]}),
        sorted({m["userId"] for m in messages if m["userId"]}),
    )
    _claim_or_create_users(session, r, messages)
    _link_new_anonymous_ids(session, r, messages)
    merges: dict[int, int] = {}  # anonymous person -> the identified person it joins
    for m in messages:
        anon, user = m["anonymousId"], m["userId"]
        if anon and user:
            anon_person, anon_user = r.aliases[anon]
            if anon_person != r.users[user] and anon_user is None:
                merges[anon_person] = r.users[user]
                for key, (person, _) in list(r.aliases.items()):
                    if person == anon_person:
                        r.aliases[key] = (r.users[user], user)
    merge_people(session, r.project_id, merges)
    return [r.users[m["userId"]] if m["userId"] else r.aliases[m["anonymousId"]][0] for m in messages]


def _lock_people(session, r: _Resolution, anon_ids: list[str], user_ids: list[str]) -> None:
    """Find the people behind the batch's ids and lock them in id order; re-read until nothing moved."""
    locked: set[int] = set()
    for _ in range(5):
        r.aliases = _read_aliases(session, r.project_id, anon_ids)
        r.users = _read_users(session, r.project_id, user_ids)
        wanted = {p for p, _ in r.aliases.values()} | set(r.users.values())
        if wanted <= locked:
            return
        session.execute(
            select(_PEOPLE.c.id)
            .where(member_of(_PEOPLE.c.id, sorted(wanted - locked)))
            .order_by(_PEOPLE.c.id)
            .with_for_update()
        )
        locked |= wanted
    raise OperationalError("people kept moving while being locked", None, Exception("retry"))


def _read_aliases(session, project_id, anon_ids) -> dict[str, tuple[int, str | None]]:
    if not anon_ids:
        return {}
    rows = session.execute(
        select(_ALIASES.c.anonymous_id, _ALIASES.c.person_id, _PEOPLE.c.user_id)
        .join(_PEOPLE, _PEOPLE.c.id == _ALIASES.c.person_id)
        .where(_ALIASES.c.project_id == project_id, member_of(_ALIASES.c.anonymous_id, anon_ids, String))
    )
    return {row.anonymous_id: (row.person_id, row.user_id) for row in rows}


def _read_users(session, project_id, user_ids) -> dict[str, int]:
    if not user_ids:
        return {}
    rows = session.execute(
        select(_PEOPLE.c.user_id, _PEOPLE.c.id).where(
            _PEOPLE.c.project_id == project_id, member_of(_PEOPLE.c.user_id, user_ids, String)
        )
    )
    return {row.user_id: row.id for row in rows}


def _claim_or_create_users(session, r: _Resolution, messages) -> None:
    """A new user id takes over the unidentified person of its anonymous id, or gets a new person."""
    claims: dict[str, int] = {}
    for m in messages:
        anon, user = m["anonymousId"], m["userId"]
        if user and user not in r.users and user not in claims and anon in r.aliases:
            person, person_user = r.aliases[anon]
            if person_user is None and person not in claims.values():
                claims[user] = person
                r.aliases[anon] = (person, user)
    if claims:
        session.execute(update(Person), [{"id": p, "user_id": u} for u, p in claims.items()])
        r.users.update(claims)
    new_users = sorted({m["userId"] for m in messages if m["userId"] and m["userId"] not in r.users})
    if new_users:
        rows = [
            {
                "project_id": r.project_id,
                "user_id": u,
                "traits": {},
                "first_seen": r.first_seen[u],
                "last_seen": r.first_seen[u],
            }
            for u in new_users
        ]
        insert_ignoring_conflicts(session, _PEOPLE, rows, ["project_id", "user_id"])
        r.users.update(_read_users(session, r.project_id, new_users))


def _link_new_anonymous_ids(session, r: _Resolution, messages) -> None:
    """Point each unseen anonymous id at its message's user, or at a new anonymous person."""
    targets: dict[str, int | None] = {}
    for m in messages:
        anon = m["anonymousId"]
        if anon and anon not in r.aliases and anon not in targets:
            targets[anon] = r.users[m["userId"]] if m["userId"] else None
    if not targets:
        return
    orphans = [a for a, person in targets.items() if person is None]
    if orphans:
        created = session.scalars(
            _PEOPLE.insert().returning(_PEOPLE.c.id, sort_by_parameter_order=True),
            [
                {"project_id": r.project_id, "traits": {}, "first_seen": r.first_seen[a], "last_seen": r.first_seen[a]}
                for a in orphans
            ],
        ).all()
        targets.update(zip(orphans, created, strict=True))
    linked = set(
        insert_ignoring_conflicts(
            session,
            _ALIASES,
            [{"project_id": r.project_id, "anonymous_id": a, "person_id": p} for a, p in targets.items()],
            ["project_id", "anonymous_id"],
            returning=_ALIASES.c.anonymous_id,
        )
    )
    lost = [a for a in targets if a not in linked]
    unused = [targets[a] for a in lost if a in orphans]
    if unused:
        # Another batch linked these ids first: drop the people made for them here and use theirs.
        session.execute(delete(_PEOPLE).where(_PEOPLE.c.id.in_(unused)))
    user_of = {p: u for u, p in r.users.items()}
    for a in linked:
        person = targets[a]
        assert person is not None  # each orphan got its new person above
        r.aliases[a] = (person, user_of.get(person))
    r.aliases.update(_read_aliases(session, r.project_id, lost))


def merge_people(session: Session, project_id: int, merges: dict[int, int]) -> None:
    """Fold anonymous people into identified ones (source -> target): ids, events, survey rows, goals and
    traits move; the sources go. A statement per table for the whole chunk, then one rebuild of the
    targets' rollups and journey stages from the events they now hold."""
    if not merges:
        return
    sources, targets = sorted(merges), sorted(set(merges.values()))
    columns = (
        *(_PEOPLE.c.id, _PEOPLE.c.traits, _PEOPLE.c.first_seen, _PEOPLE.c.last_seen, _PEOPLE.c.account_id),
        *(_PEOPLE.c.product_at, _PEOPLE.c.robot),
    )
    rows = {row.id: row for row in session.execute(select(*columns).where(member_of(_PEOPLE.c.id, sources + targets)))}
    merges = {s: t for s, t in merges.items() if s in rows and t in rows}
    if not merges:
        return
    moved = case(merges, value=_ALIASES.c.person_id)
    session.execute(update(_ALIASES).where(member_of(_ALIASES.c.person_id, merges)).values(person_id=moved))
    for table in (_EVENTS, _DISPLAYS, _RESPONSES):  # everything that belongs to a person moves with them
        session.execute(
            update(table)
            .where(member_of(table.c.person_id, merges))
            .values(person_id=case(merges, value=table.c.person_id))
        )
    joined: dict[int, dict] = {t: rows[t]._asdict() for t in set(merges.values())}
    for source, target in sorted(merges.items()):
        s, t = rows[source], joined[target]
        t["traits"] = merge_traits(s.traits, t["traits"] or {})
        t["first_seen"], t["last_seen"] = min(s.first_seen, t["first_seen"]), max(s.last_seen, t["last_seen"])
        t["account_id"] = t["account_id"] or s.account_id
        seen_in_product = [at for at in (s.product_at, t["product_at"]) if at is not None]
        t["product_at"], t["robot"] = min(seen_in_product, default=None), t["robot"] or s.robot
    session.execute(update(Person), [dict(t) for _, t in sorted(joined.items())])
    goals = [
        {"project_id": row.project_id, "person_id": merges[row.person_id], "goal": row.goal, "chosen_at": row.chosen_at}
        for row in session.execute(
            select(_GOALS.c.project_id, _GOALS.c.person_id, _GOALS.c.goal, _GOALS.c.chosen_at).where(
                member_of(_GOALS.c.person_id, merges)
            )
        )
    ]
    insert_ignoring_conflicts(session, _GOALS, goals, ["project_id", "person_id", "goal"])
    nudges.move_assignments(session, merges)
    session.execute(delete(_PEOPLE).where(member_of(_PEOPLE.c.id, merges)))
    # The sources' rollups went with them; the targets' are rebuilt from the events they now hold.
    rollups.rebuild(session, project_id, person_ids=sorted(joined))
    journey.recompute(session, project_id, person_ids=sorted(joined))


_TOUCH = (
    update(_PEOPLE)
    .where(_PEOPLE.c.id == bindparam("pid"))
    .values(
        first_seen=case(
            (_PEOPLE.c.first_seen > bindparam("lo", type_=UTCDateTime), bindparam("lo")), else_=_PEOPLE.c.first_seen
        ),
        last_seen=case(
            (_PEOPLE.c.last_seen < bindparam("hi", type_=UTCDateTime), bindparam("hi")), else_=_PEOPLE.c.last_seen
        ),
        product_at=case(
            (bindparam("product", type_=UTCDateTime).is_(None), _PEOPLE.c.product_at),
            (_PEOPLE.c.product_at.is_(None), bindparam("product")),
            (_PEOPLE.c.product_at > bindparam("product"), bindparam("product")),
            else_=_PEOPLE.c.product_at,
        ),
    )
)


# On PostgreSQL one statement for the whole chunk, fed a JSON document (rows in id order, as locks are taken).
_PG_TOUCH = text("""
    UPDATE people SET first_seen = LEAST(people.first_seen, r.lo), last_seen = GREATEST(people.last_seen, r.hi),
        product_at = LEAST(people.product_at, r.product)
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(pid bigint, lo timestamptz, hi timestamptz, product timestamptz)
    WHERE people.id = r.pid AND (r.lo < people.first_seen OR r.hi > people.last_seen
        OR (r.product IS NOT NULL AND (people.product_at IS NULL OR r.product < people.product_at)))
""")


def touch_people(
    session: Session, seen: dict[int, tuple[datetime, datetime]], product: dict[int, datetime] | None = None
) -> None:
    """Widen each person's first/last seen to include this chunk's timestamps, and move when they were first
    seen in the product (`product`, core.ingest.population) earlier (in id order, one statement on PostgreSQL)."""
    if not seen:
        return
    product = product or {}
    rows = [{"pid": p, "lo": lo, "hi": hi, "product": product.get(p)} for p, (lo, hi) in sorted(seen.items())]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_PG_TOUCH, {"rows": orjson.dumps(rows).decode()})
    else:
        session.execute(_TOUCH, rows)


def apply_traits(session: Session, person_traits: dict[int, list[dict]]) -> None:
    """Merge identify traits into each person, in message order."""
    if not person_traits:
        return
    current = dict(
        session.execute(select(_PEOPLE.c.id, _PEOPLE.c.traits).where(member_of(_PEOPLE.c.id, person_traits))).all()
    )
    changes = []
    for person, patches in sorted(person_traits.items()):
        traits = current.get(person) or {}
        for patch in patches:
            traits = merge_traits(traits, patch)
        changes.append({"id": person, "traits": traits})
    session.execute(update(Person), changes)


def apply_groups(session: Session, project_id: int, groups: list[tuple[int, str, dict]]) -> None:
    """Create or update accounts from group calls, and link each person to their latest account."""
    if not groups:
        return
    now = utcnow()
    external_ids = sorted({g for _, g, _ in groups})
    insert_ignoring_conflicts(
        session,
        _ACCOUNTS,
        [
            {"project_id": project_id, "external_id": g, "traits": {}, "created_at": now, "updated_at": now}
            for g in external_ids
        ],
        ["project_id", "external_id"],
    )
    accounts = {
        row.external_id: row._asdict()
        for row in session.execute(
            select(
                _ACCOUNTS.c.id, _ACCOUNTS.c.external_id, _ACCOUNTS.c.traits, *(_ACCOUNTS.c[f] for f in ACCOUNT_FIELDS)
            )
            .where(_ACCOUNTS.c.project_id == project_id, _ACCOUNTS.c.external_id.in_(external_ids))
            .order_by(_ACCOUNTS.c.external_id)
            .with_for_update()
        )
    }
    for _, group_id, traits in groups:
        account = accounts[group_id]
        account["traits"] = merge_traits(account["traits"], traits)
        for name in ACCOUNT_FIELDS:
            if name in traits:
                value = traits[name]
                account[name] = Decimal(str(value)) if name == "mrr" and value is not None else value
    session.execute(
        update(Account),
        [
            {"id": a["id"], "traits": a["traits"], "updated_at": now, **{f: a[f] for f in ACCOUNT_FIELDS}}
            for a in accounts.values()
        ],
    )
    latest = {person: accounts[group_id]["id"] for person, group_id, _ in groups}
    session.execute(update(Person), [{"id": p, "account_id": a} for p, a in sorted(latest.items())])
