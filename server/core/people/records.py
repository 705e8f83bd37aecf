"""People for the admin API: the filtered list, one person, everything held about them, and erasure (GDPR).

Erasure removes the person's rows from every table that holds them (events and their ids, survey
displays and responses, rollups, welcome goals, anonymous ids, webhook deliveries announcing their
responses) in one transaction, then drops the stored gap snapshots of the project, so every figure
that counted them is measured again without them.
"""

from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from ...db import begin_write
from ...errors import NotFound
from ...models import (
    Account,
    Activity,
    Display,
    Event,
    EventId,
    FeatureUsage,
    GapSnapshot,
    GapWindow,
    Person,
    PersonAlias,
    PersonGoal,
    Response,
    Survey,
    WebhookDelivery,
)
from ..gaps import people as gap_people
from ..ingest import tombstones
from ..projects import config_cache
from ..segments import definitions as segments
from ..storage.pagination import page
from ..storage.sql import member_of, rowcount

_IDS_PER_STATEMENT = 10_000
# What a person leaves in each table, erased in this order (children before the person).
_HELD: dict[str, type[Event | Display | Response | FeatureUsage | Activity | PersonGoal | PersonAlias]] = {
    "events": Event,
    "displays": Display,
    "responses": Response,
    "featureUsage": FeatureUsage,
    "activity": Activity,
    "goals": PersonGoal,
    "anonymousIds": PersonAlias,
}


@dataclass
class PersonView:
    """A person with their anonymous ids and account, as the API shows them."""

    person: Person
    anonymous_ids: list[str]
    account: Account | None

    def __getattr__(self, name):
        return getattr(self.person, name)


def list_people(session: Session, project_id: int, args: dict) -> tuple[list[PersonView], str | None]:
    """One page of the project's people matching the filters, in id order."""
    rows, next_cursor = page(session, _matching(session, project_id, args), Person.id, args["limit"], args["cursor"])
    return _views(session, rows), next_cursor


# How the dashboard's list may be sorted: (order, tie-breaker).
SORTS = {
    "recent": (Person.last_seen.desc(), Person.id.desc()),
    "first_seen": (Person.first_seen.asc(), Person.id.asc()),
    "newest": (Person.first_seen.desc(), Person.id.desc()),
    "user": (Person.user_id.is_(None), Person.user_id.asc(), Person.id.asc()),
}


def search_people(
    session: Session, project_id: int, args: dict, sort: str, offset: int, limit: int
) -> tuple[list[PersonView], int]:
    """One page of the people matching the filters (and `q`: the start of a user id, an email or an anonymous
    id), in the order `sort` names, and how many match in all."""
    stmt = _matching(session, project_id, args)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(*SORTS.get(sort, SORTS["recent"])).offset(offset).limit(limit)))
    return _views(session, rows), total


def _matching(session: Session, project_id: int, args: dict):
    """The project's people matching the filters of PeopleQuerySchema (and `q`), unordered."""
    stmt = select(Person).where(Person.project_id == project_id)
    if args.get("q"):
        text = args["q"][:200]
        stmt = stmt.where(
            or_(
                Person.user_id.startswith(text, autoescape=True),
                func.lower(Person.traits["email"].as_string()).startswith(text.lower(), autoescape=True),
                Person.id.in_(
                    select(PersonAlias.person_id).where(
                        PersonAlias.project_id == project_id,
                        PersonAlias.anonymous_id.startswith(text, autoescape=True),
                    )
                ),
            )
        )
    if args.get("userId"):
        stmt = stmt.where(Person.user_id == args["userId"])
    if args.get("anonymousId"):
        stmt = stmt.where(
            Person.id.in_(
                select(PersonAlias.person_id).where(
                    PersonAlias.project_id == project_id, PersonAlias.anonymous_id == args["anonymousId"]
                )
            )
        )
    if args.get("stage"):
        stmt = stmt.where(Person.stage == args["stage"])
    if args.get("segment"):
        rules = segments.get_segment(session, project_id, args["segment"]).rules
        stmt = stmt.where(Person.id.in_(segments.person_ids_statement(project_id, rules)))
    if args.get("account"):
        stmt = stmt.where(
            Person.account_id.in_(
                select(Account.id).where(Account.project_id == project_id, Account.external_id == args["account"])
            )
        )
    if args.get("gap"):
        stmt = stmt.where(member_of(Person.id, gap_people.affected(session, project_id, args["gap"])))
    if args.get("seenSince"):
        stmt = stmt.where(Person.last_seen >= args["seenSince"])
    if args.get("seenUntil"):
        stmt = stmt.where(Person.first_seen < args["seenUntil"])
    return stmt


def get_person(session: Session, project_id: int, person_id: int) -> PersonView:
    """One person of the project, or NotFound (also for another project's person)."""
    return _views(session, [_person(session, project_id, person_id)])[0]


def export_person(session: Session, project_id: int, person_id: int) -> dict:
    """Everything Gapwise holds about one person, as one JSON document (the right of access)."""
    view = get_person(session, project_id, person_id)
    pid = view.person.id
    events = session.execute(
        select(
            Event.message_id,
            Event.type,
            Event.name,
            Event.properties,
            Event.context,
            Event.timestamp,
            Event.received_at,
        )
        .where(Event.person_id == pid)
        .order_by(Event.timestamp, Event.id)
    )
    displays = session.execute(
        select(
            Display.display_id,
            Survey.name.label("survey"),
            Display.stage,
            Display.shown_at,
            Display.dismissed_at,
            Display.answered_at,
        )
        .join(Survey, Survey.id == Display.survey_id)
        .where(Display.person_id == pid)
        .order_by(Display.shown_at)
    )
    responses = session.execute(
        select(
            Response.display_id,
            Survey.name.label("survey"),
            Response.answers,
            Response.score,
            Response.completed,
            Response.locale,
            Response.stage,
            Response.created_at,
            Response.updated_at,
        )
        .join(Survey, Survey.id == Response.survey_id)
        .where(Response.person_id == pid)
        .order_by(Response.created_at)
    )
    goals = session.execute(select(PersonGoal.goal, PersonGoal.chosen_at).where(PersonGoal.person_id == pid))
    return {
        "person": view,
        "events": [_camel(r) for r in events],
        "displays": [_camel(r) for r in displays],
        "responses": [_camel(r) for r in responses],
        "goals": [_camel(r) for r in goals],
    }


def delete_person(session: Session, project_id: int, person_id: int) -> dict[str, int]:
    """Erase a person and everything they left; return how many rows of each kind went."""
    begin_write(session)
    person = _person(session, project_id, person_id)
    pid, user_id = person.id, person.user_id
    # Held until commit: a batch about them waits, then finds them gone, instead of adding events between
    # the statements below.
    session.execute(select(Person.id).where(Person.id == pid).with_for_update())
    # The ids of their events go with the events, so event_ids keeps naming exactly the events stored.
    gone = list(session.scalars(delete(Event).where(Event.person_id == pid).returning(Event.message_id)))
    for chunk in range(0, len(gone), _IDS_PER_STATEMENT):
        session.execute(
            delete(EventId).where(
                EventId.project_id == project_id, EventId.message_id.in_(gone[chunk : chunk + _IDS_PER_STATEMENT])
            )
        )
    anonymous_ids = session.scalars(select(PersonAlias.anonymous_id).where(PersonAlias.person_id == pid)).all()
    # A replay of their old batches (a tracker keeps its queue and retries) must not bring them back.
    tombstones.bury(session, project_id, user_id, anonymous_ids, gone)
    counts = {"events": len(gone)}
    for name, model in _HELD.items():
        if name != "events":
            counts[name] = rowcount(session.execute(delete(model).where(model.person_id == pid)))
    counts["people"] = rowcount(session.execute(delete(Person).where(Person.id == pid)))
    # Webhook payloads announcing their responses carry their answers: the delivery log forgets them too.
    counts["webhookDeliveries"] = rowcount(
        session.execute(
            delete(WebhookDelivery).where(
                WebhookDelivery.project_id == project_id,
                WebhookDelivery.event_type == "response.created",
                WebhookDelivery.payload[("data", "personId")].as_integer() == pid,
            )
        )
    )
    # Gap figures stored for past windows counted this person: measure them again from what is left.
    session.execute(delete(GapSnapshot).where(GapSnapshot.project_id == project_id))
    session.execute(delete(GapWindow).where(GapWindow.project_id == project_id))
    session.commit()
    config_cache.invalidate(project_id)
    return counts


def _person(session: Session, project_id: int, person_id: int) -> Person:
    person = session.scalar(select(Person).where(Person.project_id == project_id, Person.id == person_id))
    if person is None:
        raise NotFound(f"No person with id {person_id}.")
    return person


def _views(session: Session, people: list[Person]) -> list[PersonView]:
    ids = [p.id for p in people]
    aliases: dict[int, list[str]] = {}
    for person_id, anonymous_id in session.execute(
        select(PersonAlias.person_id, PersonAlias.anonymous_id)
        .where(PersonAlias.person_id.in_(ids))
        .order_by(PersonAlias.id)
    ):
        aliases.setdefault(person_id, []).append(anonymous_id)
    account_ids = {p.account_id for p in people if p.account_id}
    # Keyed by int | None so a person without an account looks up None and finds none.
    accounts: dict[int | None, Account] = {
        a.id: a for a in session.scalars(select(Account).where(Account.id.in_(account_ids)))
    }
    return [PersonView(p, aliases.get(p.id, []), accounts.get(p.account_id)) for p in people]


def _camel(row) -> dict:
    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(part.title() for part in rest)

    return {camel(k): v for k, v in row._asdict().items()}
