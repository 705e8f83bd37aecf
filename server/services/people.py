"""Who sent each message: people, their anonymous ids and accounts, resolved in bulk per batch."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import bindparam, case, delete, select, update
from sqlalchemy.orm import Session

from ..db import UTCDateTime
from ..models import Account, Event, Person, PersonAlias
from .sql import insert_ignoring_conflicts

ACCOUNT_FIELDS = ("name", "plan", "tier", "mrr")


def resolve_people(session: Session, project_id: int, messages: list[dict]) -> list[int]:
    """Return the person id of each message, creating people and linking anonymous ids as needed.

    Rows are locked in a stable order, so concurrent batches about the same person wait for
    each other instead of creating that person twice.
    """
    anon_ids = sorted({m["anonymousId"] for m in messages if m["anonymousId"]})
    user_ids = sorted({m["userId"] for m in messages if m["userId"]})
    aliases = _lock_aliases(session, project_id, anon_ids)
    users = _lock_users(session, project_id, user_ids)
    first_ts = _first_timestamps(messages)

    _claim_or_create_users(session, project_id, messages, aliases, users, first_ts)
    _link_new_anonymous_ids(session, project_id, messages, aliases, users, first_ts)
    for m in messages:
        anon, user = m["anonymousId"], m["userId"]
        if anon and user:
            anon_person, anon_user = aliases[anon]
            if anon_person != users[user] and anon_user is None:
                merge_person(session, anon_person, users[user])
                for key, (person, _) in list(aliases.items()):
                    if person == anon_person:
                        aliases[key] = (users[user], user)
    return [users[m["userId"]] if m["userId"] else aliases[m["anonymousId"]][0] for m in messages]


def _lock_aliases(session, project_id, anon_ids) -> dict[str, tuple[int, str | None]]:
    if not anon_ids:
        return {}
    rows = session.execute(
        select(PersonAlias.anonymous_id, PersonAlias.person_id, Person.user_id)
        .join(Person, Person.id == PersonAlias.person_id)
        .where(PersonAlias.project_id == project_id, PersonAlias.anonymous_id.in_(anon_ids))
        .order_by(PersonAlias.anonymous_id)
        .with_for_update(of=PersonAlias)
    )
    return {r.anonymous_id: (r.person_id, r.user_id) for r in rows}


def _lock_users(session, project_id, user_ids) -> dict[str, int]:
    if not user_ids:
        return {}
    rows = session.execute(
        select(Person.user_id, Person.id)
        .where(Person.project_id == project_id, Person.user_id.in_(user_ids))
        .order_by(Person.user_id)
        .with_for_update()
    )
    return {r.user_id: r.id for r in rows}


def _first_timestamps(messages) -> dict[str, datetime]:
    first: dict[str, datetime] = {}
    for m in messages:
        for key in (m["anonymousId"], m["userId"]):
            if key and (key not in first or m["timestamp"] < first[key]):
                first[key] = m["timestamp"]
    return first


def _claim_or_create_users(session, project_id, messages, aliases, users, first_ts) -> None:
    """A new user id takes over the unidentified person of its anonymous id, or gets a new person."""
    claims: dict[str, int] = {}
    for m in messages:
        anon, user = m["anonymousId"], m["userId"]
        if user and user not in users and user not in claims and anon in aliases:
            person, person_user = aliases[anon]
            if person_user is None and person not in claims.values():
                claims[user] = person
                aliases[anon] = (person, user)
    if claims:
        session.execute(update(Person), [{"id": p, "user_id": u} for u, p in claims.items()])
        users.update(claims)
    new_users = [u for u in sorted({m["userId"] for m in messages if m["userId"]}) if u not in users]
    if new_users:
        rows = [{"project_id": project_id, "user_id": u, "traits": {}, "first_seen": first_ts[u],
                 "last_seen": first_ts[u]} for u in new_users]
        insert_ignoring_conflicts(session, Person.__table__, rows, ["project_id", "user_id"])
        users.update(_lock_users(session, project_id, new_users))


def _link_new_anonymous_ids(session, project_id, messages, aliases, users, first_ts) -> None:
    """Point each unseen anonymous id at its message's user, or at a new anonymous person."""
    targets: dict[str, int | None] = {}
    for m in messages:
        anon = m["anonymousId"]
        if anon and anon not in aliases and anon not in targets:
            targets[anon] = users[m["userId"]] if m["userId"] else None
    if not targets:
        return
    orphans = [a for a, person in targets.items() if person is None]
    if orphans:
        created = session.scalars(
            Person.__table__.insert().returning(Person.__table__.c.id, sort_by_parameter_order=True),
            [{"project_id": project_id, "traits": {}, "first_seen": first_ts[a], "last_seen": first_ts[a]}
             for a in orphans],
        ).all()
        targets.update(zip(orphans, created))
    linked = insert_ignoring_conflicts(
        session, PersonAlias.__table__,
        [{"project_id": project_id, "anonymous_id": a, "person_id": p} for a, p in targets.items()],
        ["project_id", "anonymous_id"], returning=PersonAlias.__table__.c.anonymous_id)
    lost = [a for a in targets if a not in set(linked)]
    if lost:
        # Another batch linked these ids first: drop the people made for them here and use theirs.
        unused = [targets[a] for a in lost if targets[a] is not None and a in orphans]
        if unused:
            session.execute(delete(Person).where(Person.id.in_(unused)))
    for a in linked:
        person = targets[a]
        aliases[a] = (person, next((u for u, p in users.items() if p == person), None))
    aliases.update(_lock_aliases(session, project_id, lost))


def merge_person(session: Session, source_id: int, target_id: int) -> None:
    """Fold an anonymous person into an identified one: ids, events and traits move; the source goes."""
    source = session.execute(select(Person.traits, Person.first_seen).where(Person.id == source_id)).first()
    target = session.execute(select(Person.traits, Person.first_seen).where(Person.id == target_id)).first()
    if source is None or target is None:
        return
    session.execute(update(PersonAlias.__table__).where(PersonAlias.__table__.c.person_id == source_id).values(person_id=target_id))
    session.execute(update(Event.__table__).where(Event.__table__.c.person_id == source_id).values(person_id=target_id))
    session.execute(
        update(Person).where(Person.id == target_id).values(
            traits={**(source.traits or {}), **(target.traits or {})},
            first_seen=min(source.first_seen, target.first_seen)))
    session.execute(delete(Person).where(Person.id == source_id))


_PEOPLE = Person.__table__
_TOUCH = (
    update(_PEOPLE)
    .where(_PEOPLE.c.id == bindparam("pid"))
    .values(
        first_seen=case((_PEOPLE.c.first_seen > bindparam("lo", type_=UTCDateTime), bindparam("lo")),
                        else_=_PEOPLE.c.first_seen),
        last_seen=case((_PEOPLE.c.last_seen < bindparam("hi", type_=UTCDateTime), bindparam("hi")),
                       else_=_PEOPLE.c.last_seen),
    )
)


def touch_people(session: Session, seen: dict[int, tuple[datetime, datetime]]) -> None:
    """Widen each person's first/last seen to include this batch's timestamps (in id order, to avoid deadlocks)."""
    if seen:
        session.execute(_TOUCH, [{"pid": p, "lo": lo, "hi": hi} for p, (lo, hi) in sorted(seen.items())])


def apply_traits(session: Session, person_traits: dict[int, list[dict]]) -> None:
    """Merge identify traits into each person, in order; a null value removes the trait."""
    if not person_traits:
        return
    current = dict(session.execute(select(Person.id, Person.traits).where(Person.id.in_(person_traits))).all())
    changes = []
    for person, updates in person_traits.items():
        traits = dict(current.get(person) or {})
        for patch in updates:
            for key, value in patch.items():
                if value is None:
                    traits.pop(key, None)
                else:
                    traits[key] = value
        changes.append({"id": person, "traits": traits})
    session.execute(update(Person), changes)


def apply_groups(session: Session, project_id: int, groups: list[tuple[int, str, dict]]) -> None:
    """Create or update accounts from group calls and link each person to their latest account."""
    if not groups:
        return
    external_ids = sorted({g for _, g, _ in groups})
    accounts = {a.external_id: a for a in session.scalars(
        select(Account).where(Account.project_id == project_id, Account.external_id.in_(external_ids)))}
    for person_id, group_id, traits in groups:
        account = accounts.get(group_id)
        if account is None:
            account = accounts[group_id] = Account(project_id=project_id, external_id=group_id, traits={})
            session.add(account)
        merged = dict(account.traits or {})
        for key, value in traits.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        account.traits = merged
        for field in ACCOUNT_FIELDS:
            if field in traits:
                value = traits[field]
                setattr(account, field, Decimal(str(value)) if field == "mrr" and value is not None else value)
    session.flush()
    session.execute(update(Person), [{"id": p, "account_id": accounts[g].id} for p, g, _ in groups])
