"""GDPR erasure stays erased: a tracker replaying an erased person's old batches does not bring them back."""

import re

from gapwise.core.ingest import tombstones
from gapwise.core.people import records
from gapwise.db import db
from gapwise.models import Erasure, Event, Person
from tests.helpers import AdminApi, Batches, drain, message, utc


def erase(client, project, user_id: str) -> None:
    people = AdminApi(client, project.secret_key, "people")
    [person] = [p for p in people.get().get_json()["people"] if p["userId"] == user_id]
    assert people.delete(f"/{person['id']}").status_code == 200


def test_a_replay_of_an_erased_persons_batches_is_refused(app, client, project, batches):
    old = [
        message("page", anonymousId="laptop"),
        message("identify", anonymousId="laptop", userId="ada", traits={"email": "ada@example.com"}),
        message(anonymousId="phone", userId="ada"),
    ]
    batches.post(old)
    batches.post([message(anonymousId="someone-else")])
    erase(client, project, "ada")
    assert batches.count(Person) == 1

    batches.post(old)  # the tracker's queue, sent again
    batches.post([message(anonymousId="laptop")])  # the same browser, a new message
    batches.post([message(anonymousId="new-browser", userId="ada")])  # the same user id elsewhere
    replayed_id = message(anonymousId="fresh-anon", messageId=old[0]["messageId"])
    batches.post([replayed_id])  # an old messageId under an id never seen
    assert batches.count(Person) == 1 and batches.count(Event) == 1
    assert {d.digest for d in batches.all(Erasure)} >= {
        tombstones.digest("user", "ada"),
        tombstones.digest("anon", "laptop"),
        tombstones.digest("anon", "phone"),
    }
    # Digests only: SHA-256 in hex, never an id itself ("ada" may well occur inside a hex digest by chance).
    assert all(re.fullmatch(r"[0-9a-f]{64}", d.digest) for d in batches.all(Erasure))


def test_batches_captured_before_the_erasure_but_not_yet_stored_are_dropped(app, client, project, batches):
    batches.post([message(anonymousId="laptop", userId="ada")])
    waiting = Batches(app, app.test_client(drain=False), project)
    assert waiting.post([message(anonymousId="laptop", userId="ada")]).status_code == 200
    erase(client, project, "ada")
    drain(app)
    assert batches.count(Person) == 0 and batches.count(Event) == 0


def test_tombstones_expire_after_the_retention_period(app, project, batches):
    batches.post([message(anonymousId="laptop", userId="ada")])
    [person] = batches.all(Person)
    assert person.user_id == "ada"
    with app.app_context():
        records.delete_person(db.session, project.id, person.id)
        assert tombstones.forget_expired(db.session, 90, now=utc(2026, 1, 1)) == 0
        gone = tombstones.forget_expired(db.session, 90, now=utc(2099, 1, 1))
        db.session.commit()
    assert gone >= 2 and batches.count(Erasure) == 0
    batches.post([message(anonymousId="laptop", userId="ada")])  # a new sign-up with the id, years later
    assert batches.count(Person) == 1
