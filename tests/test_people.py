"""Who sent what: identify, anonymous ids becoming users, group and accounts."""

from decimal import Decimal

from gapwise.models import Account, Event, Person, PersonAlias
from tests.helpers import message, utc


def people(batches):
    return batches.all(Person, order_by=Person.id)


def test_identify_merges_traits_and_a_null_removes_one(batches):
    batches.post([message("identify", userId="u1", traits={"email": "a@example.com", "plan": "trial", "role": "pm"})])
    batches.post([message("identify", userId="u1", traits={"plan": "pro", "role": None})])
    [person] = people(batches)
    assert person.user_id == "u1"
    assert person.traits == {"email": "a@example.com", "plan": "pro"}


def test_traits_apply_in_message_order_within_a_batch(batches):
    batches.post(
        [
            message("identify", userId="u1", traits={"plan": "trial"}),
            message("identify", userId="u1", traits={"plan": "pro"}),
        ]
    )
    assert people(batches)[0].traits == {"plan": "pro"}


def test_a_retried_old_identify_does_not_undo_a_newer_one(batches):
    old = message("identify", userId="u1", traits={"plan": "trial"})
    batches.post([old])
    batches.post([message("identify", userId="u1", traits={"plan": "pro"})])
    assert batches.post([old]).get_json()["accepted"] == 1  # into the log; the writer finds it stored
    assert people(batches)[0].traits == {"plan": "pro"}
    assert batches.count(Event) == 2


def test_an_anonymous_visitor_who_signs_up_stays_one_person(batches):
    batches.post([message("page", anonymousId="browser-1"), message(anonymousId="browser-1")])
    [anonymous] = people(batches)
    assert anonymous.user_id is None
    batches.post([message("identify", anonymousId="browser-1", userId="u1")])
    batches.post([message(userId="u1", anonymousId=None)])
    [person] = people(batches)
    assert person.id == anonymous.id and person.user_id == "u1"
    assert {e.person_id for e in batches.all(Event)} == {person.id}
    assert batches.count(Event) == 4


def test_a_second_device_of_a_known_user_is_merged_into_them(batches):
    batches.post([message("identify", anonymousId="laptop", userId="u1", traits={"role": "pm"})])
    batches.post(
        [
            message("page", anonymousId="phone", traits=None, timestamp="2026-11-01T09:00:00Z"),
            message(anonymousId="phone"),
        ],
        sent_at=None,
    )
    assert len(people(batches)) == 2
    batches.post([message("identify", anonymousId="phone", userId="u1", traits={})])
    [person] = people(batches)
    assert person.user_id == "u1" and person.traits == {"role": "pm"}
    assert person.first_seen == utc(2026, 11, 1, 9)
    assert {a.anonymous_id for a in batches.all(PersonAlias)} == {"laptop", "phone"}
    assert {e.person_id for e in batches.all(Event)} == {person.id}


def test_a_shared_computer_keeps_two_users_apart(batches):
    batches.post([message("identify", anonymousId="kiosk", userId="alice")])
    batches.post([message("identify", anonymousId="kiosk", userId="bob")])
    batches.post([message(anonymousId="kiosk", userId="bob")])
    alice, bob = people(batches)
    assert (alice.user_id, bob.user_id) == ("alice", "bob")
    assert batches.count(Event, Event.person_id == bob.id) == 2


def test_a_user_id_alone_creates_an_identified_person(batches):
    batches.post([message(anonymousId=None, userId="server-side-user")])
    [person] = people(batches)
    assert person.user_id == "server-side-user"
    assert batches.count(PersonAlias) == 0


def test_numeric_user_ids_are_kept_as_text(batches):
    batches.post([message(anonymousId=None, userId=42)])
    assert people(batches)[0].user_id == "42"


def test_group_creates_an_account_and_links_the_person(batches):
    batches.post(
        [
            message("identify", userId="u1"),
            message(
                "group",
                userId="u1",
                groupId="acme",
                traits={"name": "Acme", "plan": "pro", "tier": "mid", "mrr": 1200.5, "seats": 12},
            ),
        ]
    )
    [account] = batches.all(Account)
    assert (account.external_id, account.name, account.plan, account.tier) == ("acme", "Acme", "pro", "mid")
    assert account.mrr == Decimal("1200.50")
    assert account.traits["seats"] == 12
    assert people(batches)[0].account_id == account.id


def test_a_later_group_call_updates_the_account(batches):
    batches.post([message("group", userId="u1", groupId="acme", traits={"name": "Acme", "plan": "trial", "mrr": 0})])
    batches.post([message("group", userId="u2", groupId="acme", traits={"plan": "pro", "mrr": 900})])
    [account] = batches.all(Account)
    assert (account.name, account.plan, account.mrr) == ("Acme", "pro", Decimal("900.00"))
    assert {p.account_id for p in people(batches)} == {account.id}


def test_a_person_who_moves_account_is_linked_to_the_latest(batches):
    batches.post(
        [
            message("group", userId="u1", groupId="acme", traits={}),
            message("group", userId="u1", groupId="globex", traits={}),
        ]
    )
    accounts = {a.external_id: a.id for a in batches.all(Account)}
    assert people(batches)[0].account_id == accounts["globex"]


def test_invalid_account_fields_reject_the_group_message(batches):
    body = batches.post(
        [message("group", traits={"mrr": "lots"}), message("group", traits={"mrr": -5}), message("group", groupId=None)]
    ).get_json()
    assert body["accepted"] == 0
    assert [list(r["errors"]) for r in body["rejected"]] == [["traits"], ["traits"], ["groupId"]]
    assert batches.count(Account) == 0


def test_first_and_last_seen_span_the_events(batches):
    batches.post([message(timestamp="2026-11-10T12:00:00Z"), message(timestamp="2026-11-03T08:00:00Z")], sent_at=None)
    batches.post([message(timestamp="2026-11-20T18:30:00Z")], sent_at=None)
    [person] = people(batches)
    assert (person.first_seen, person.last_seen) == (utc(2026, 11, 3, 8), utc(2026, 11, 20, 18, 30))


def test_many_people_in_one_server_side_batch(batches):
    sent = [message(anonymousId=None, userId=f"user-{n}") for n in range(40)]
    sent += [message("identify", anonymousId=f"anon-{n}", userId=f"user-{n}", traits={"n": n}) for n in range(40)]
    assert batches.post(sent).get_json()["accepted"] == 80
    found = people(batches)
    assert len(found) == 40
    assert sorted(p.traits["n"] for p in found) == list(range(40))
    assert batches.count(PersonAlias) == 40
