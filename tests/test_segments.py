"""Segments: rules validated with the bad path named, two evaluators (Python and SQL) that agree, /api/v1/segments."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, insert

from gapwise.core.features import definitions as features
from gapwise.core.projects import keys
from gapwise.core.segments import definitions as segments
from gapwise.db import db
from gapwise.models import Account, Event, Feature, Person
from gapwise.schemas.segments import GroupSchema
from tests.helpers import AdminApi

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DAY, SECOND = timedelta(days=1), timedelta(seconds=1)


class Population:
    """Accounts, people, events and features of one project, written straight to the database."""

    def __init__(self, app, project_id):
        self.app, self.project_id, self.people = app, project_id, {}

    def add(self, table, **row) -> int:
        with self.app.app_context():
            new_id = db.session.scalar(insert(table).values(project_id=self.project_id, **row).returning(table.id))
            db.session.commit()
            return new_id

    def account(self, external_id, traits=None, **columns) -> int:
        return self.add(Account, external_id=external_id, traits=traits or {}, **columns)

    def person(self, name, traits=None, account=None, first_seen=NOW) -> int:
        self.people[name] = self.add(
            Person, user_id=name, traits=traits or {}, account_id=account, first_seen=first_seen, last_seen=NOW
        )
        return self.people[name]

    def events(self, name, event_name, ages, kind="track", properties=None) -> None:
        rows = [
            {
                "project_id": self.project_id,
                "message_id": str(uuid.uuid4()),
                "person_id": self.people[name],
                "type": kind,
                "name": event_name,
                "properties": properties or {},
                "timestamp": NOW - age,
            }
            for age in ages
        ]
        with self.app.app_context():
            db.session.execute(insert(Event), rows)
            db.session.commit()

    def feature(self, key, event_name=None) -> None:
        self.add(Feature, key=key, name=key, event=event_name)

    def judge(self, rules) -> set[str]:
        """The names of the people the rules match, after checking that both evaluators agree."""
        rules = GroupSchema().load(rules)
        with self.app.app_context():
            by_python = {
                name
                for name, pid in self.people.items()
                if segments.matches(db.session, self.project_id, pid, rules, NOW)
            }
            by_sql = segments.matching_person_ids(db.session, self.project_id, rules, NOW)
            assert by_python == {name for name, pid in self.people.items() if pid in by_sql}
            assert segments.count_matching(db.session, self.project_id, rules, NOW) == len(by_sql)
        return by_python


@pytest.fixture
def town(app, project, other_project):
    """Four people with traits, accounts and usage chosen to sit on either side of each rule."""
    town = Population(app, project.id)
    acme = town.account(
        "acme",
        name="Acme",
        plan="pro",
        tier="gold",
        mrr=Decimal("1200.50"),
        traits={"industry": "saas", "seats": 40, "name": "ignored: the column wins"},
    )
    tiny = town.account("tiny", name="Tiny", plan="free", traits={"seats": "40"})
    town.person(
        "alice",
        {"plan": "trial", "seats": 5, "beta": True, "email": "Alice@acme.com", "tags": ["x"], "score": 7.5},
        acme,
        NOW - 3 * DAY + SECOND,
    )
    town.person("bob", {"plan": "pro", "seats": "5", "beta": False, "email": "bob@example.org"}, tiny, NOW - 14 * DAY)
    town.person("carol", {"plan": None, "seats": 0}, None, NOW - 15 * DAY + timedelta(microseconds=1))
    town.person("dan", {}, None, NOW)
    town.feature("export", "Report Exported")
    town.feature("share")
    town.feature("5")
    town.events("alice", "Report Exported", [DAY, 2 * DAY, 30 * DAY, 30 * DAY + SECOND])
    town.events("alice", "feature_used", [DAY], properties={"feature": "share"})
    town.events("bob", "Report Exported", [DAY], kind="page")
    town.events("bob", "report exported", [DAY])
    town.events("bob", "feature_used", [2 * DAY], properties={"feature": "export"})
    town.events("carol", "feature_seen", [DAY], properties={"feature": "export"})
    town.events("carol", "feature_used", [DAY], properties={"feature": 5})
    town.events("dan", "Report Exported", [SECOND, SECOND, SECOND, -SECOND])
    town.events("dan", "feature_used", [SECOND], properties={"feature": "5"})
    # Someone just like alice in another project is never counted.
    twin = Population(app, other_project.id)
    twin.person("alice", {"plan": "trial"})
    return town


def trait(key, op, value=None, field="trait"):
    return {"field": field, "key": key, "op": op, **({} if value is None else {"value": value})}


EVERYONE = {"alice", "bob", "carol", "dan"}


def all_but(*names):
    return EVERYONE - set(names)


@pytest.mark.parametrize(
    "condition, expected",
    [
        (trait("plan", "eq", "trial"), {"alice"}),
        (trait("seats", "eq", 5), {"alice"}),  # bob's "5" is a string, not a number
        (trait("seats", "eq", "5"), {"bob"}),
        (trait("seats", "eq", 5.0), {"alice"}),
        (trait("beta", "eq", True), {"alice"}),
        (trait("beta", "eq", False), {"bob"}),
        (trait("beta", "eq", 1), set()),  # booleans are not numbers
        (trait("seats", "eq", 0), {"carol"}),
        (trait("plan", "neq", "trial"), all_but("alice")),  # a missing or null trait matches neq
        (trait("plan", "in", ["trial", "pro"]), {"alice", "bob"}),
        (trait("seats", "in", [5, "x"]), {"alice"}),
        (trait("plan", "not_in", ["trial", "nope"]), all_but("alice")),
        (trait("email", "contains", "acme"), {"alice"}),
        (trait("email", "contains", "alice"), set()),  # case-sensitive on every backend
        (trait("seats", "contains", "5"), {"bob"}),  # strings only
        (trait("plan", "exists"), {"alice", "bob"}),  # carol's plan is null
        (trait("tags", "exists"), {"alice"}),
        (trait("plan", "not_exists"), {"carol", "dan"}),
        (trait("seats", "gt", 4), {"alice"}),
        (trait("seats", "gte", 5), {"alice"}),
        (trait("seats", "lt", 5), {"carol"}),
        (trait("seats", "lte", 0), {"carol"}),
        (trait("score", "gt", 7.25), {"alice"}),
        (trait("score", "lte", 7.5), {"alice"}),
        (trait("email", "gt", 0), set()),  # numeric comparisons need a number
        (trait("name", "eq", "Acme", "account"), {"alice"}),
        (trait("plan", "eq", "free", "account"), {"bob"}),
        (trait("tier", "eq", "gold", "account"), {"alice"}),
        (trait("tier", "neq", "gold", "account"), all_but("alice")),  # no tier, or no account at all
        (trait("tier", "exists", field="account"), {"alice"}),
        (trait("tier", "not_exists", field="account"), all_but("alice")),
        (trait("mrr", "gte", 1200.5, "account"), {"alice"}),
        (trait("mrr", "gt", 1200.5, "account"), set()),
        (trait("mrr", "eq", 1200.5, "account"), {"alice"}),
        (trait("mrr", "lt", 5000, "account"), {"alice"}),  # bob's account has no mrr
        (trait("name", "contains", "cm", "account"), {"alice"}),
        (trait("plan", "in", ["pro", "free"], "account"), {"alice", "bob"}),
        (trait("plan", "not_in", ["pro"], "account"), all_but("alice")),
        (trait("industry", "eq", "saas", "account"), {"alice"}),
        (trait("seats", "eq", 40, "account"), {"alice"}),
        (trait("seats", "eq", "40", "account"), {"bob"}),
        (trait("seats", "gte", 40, "account"), {"alice"}),
        ({"field": "stage", "op": "eq", "value": "trial"}, EVERYONE),
        ({"field": "stage", "op": "neq", "value": "trial"}, set()),
        ({"field": "stage", "op": "in", "value": ["aha", "trial"]}, EVERYONE),
        ({"field": "stage", "op": "not_in", "value": ["aha"]}, EVERYONE),
        ({"field": "stage", "op": "eq", "value": "adoption"}, set()),
        ({"field": "days_since_first_seen", "op": "eq", "value": 14}, {"bob", "carol"}),
        ({"field": "days_since_first_seen", "op": "eq", "value": 0}, {"dan"}),
        ({"field": "days_since_first_seen", "op": "gt", "value": 2}, {"bob", "carol"}),
        ({"field": "days_since_first_seen", "op": "gte", "value": 2}, all_but("dan")),
        ({"field": "days_since_first_seen", "op": "lt", "value": 14}, {"alice", "dan"}),
        ({"field": "days_since_first_seen", "op": "lte", "value": 14}, EVERYONE),
        (
            {"field": "event_count", "event": "Report Exported", "within_days": 30, "op": "gte", "value": 3},
            {"alice", "dan"},
        ),  # the window includes its first instant, and no future event counts
        ({"field": "event_count", "event": "Report Exported", "within_days": 30, "op": "gt", "value": 3}, set()),
        (
            {"field": "event_count", "event": "Report Exported", "within_days": 30, "op": "eq", "value": 0},
            {"bob", "carol"},
        ),  # a page view or another spelling is not the event
        ({"field": "event_count", "event": "Report Exported", "within_days": 1, "op": "eq", "value": 1}, {"alice"}),
        (
            {"field": "event_count", "event": "Report Exported", "within_days": 2, "op": "lt", "value": 3},
            {"alice", "bob", "carol"},
        ),
        (
            {"field": "event_count", "event": "Report Exported", "within_days": 365, "op": "lte", "value": 3},
            all_but("alice"),
        ),
        (
            {"field": "feature_count", "feature": "export", "within_days": 30, "op": "gte", "value": 1},
            {"alice", "bob", "dan"},
        ),  # its event, or feature_used; feature_seen is not a use
        ({"field": "feature_count", "feature": "export", "within_days": 30, "op": "eq", "value": 1}, {"bob"}),
        ({"field": "feature_count", "feature": "share", "within_days": 30, "op": "gte", "value": 1}, {"alice"}),
        ({"field": "feature_count", "feature": "share", "within_days": 30, "op": "eq", "value": 0}, all_but("alice")),
        ({"field": "feature_count", "feature": "5", "within_days": 7, "op": "gte", "value": 1}, {"dan"}),  # not 5
    ],
)
def test_each_field_and_op(town, condition, expected):
    assert town.judge({"match": "all", "conditions": [condition]}) == expected


@pytest.mark.parametrize(
    "rules, expected",
    [
        ({"match": "all", "conditions": []}, EVERYONE),
        ({"match": "any", "conditions": []}, EVERYONE),
        ({"match": "any", "conditions": [{"match": "all", "conditions": []}, trait("plan", "eq", "nope")]}, EVERYONE),
        ({"match": "all", "conditions": [{"match": "any", "conditions": []}, trait("plan", "eq", "trial")]}, {"alice"}),
        (
            {
                "match": "any",
                "conditions": [
                    trait("plan", "eq", "trial"),
                    {"field": "event_count", "event": "Report Exported", "within_days": 30, "op": "gte", "value": 3},
                ],
            },
            {"alice", "dan"},
        ),
        (
            {
                "match": "all",
                "conditions": [
                    trait("plan", "eq", "trial"),
                    {
                        "match": "any",
                        "conditions": [
                            trait("plan", "eq", "free", "account"),
                            {"field": "days_since_first_seen", "op": "lte", "value": 3},
                        ],
                    },
                ],
            },
            {"alice"},
        ),
        (
            {
                "match": "all",
                "conditions": [
                    {
                        "match": "any",
                        "conditions": [
                            {"match": "all", "conditions": [trait("plan", "exists"), trait("plan", "neq", "trial")]},
                            {"field": "days_since_first_seen", "op": "eq", "value": 0},
                        ],
                    },
                    {"field": "stage", "op": "eq", "value": "trial"},
                ],
            },
            {"bob", "dan"},
        ),
        (
            {
                "match": "any",
                "conditions": [
                    {"match": "all", "conditions": [trait("seats", "gte", 5), trait("beta", "eq", True)]},
                    {"match": "all", "conditions": [trait("seats", "eq", "5"), trait("beta", "eq", True)]},
                ],
            },
            {"alice"},
        ),
    ],
)
def test_nested_groups(town, rules, expected):
    assert town.judge(rules) == expected


def test_people_of_other_projects_and_unknown_people_never_match(app, town, other_project):
    everyone = {"match": "all", "conditions": []}
    with app.app_context():
        assert segments.count_matching(db.session, other_project.id, everyone) == 1
        assert not segments.matches(db.session, other_project.id, town.people["alice"], everyone)
        assert not segments.matches(db.session, town.project_id, 10**9, everyone)


def selects(app, call) -> int:
    """How many SELECT statements `call()` runs."""
    statements = []
    with app.app_context():
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            call()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    return len([s for s in statements if s.startswith("SELECT")])


def test_matches_reads_the_person_and_account_in_one_statement(app, town):
    rules = GroupSchema().load(
        {
            "match": "all",
            "conditions": [
                trait("plan", "eq", "trial"),
                trait("mrr", "gt", 100, "account"),
                {"field": "stage", "op": "eq", "value": "trial"},
                {"field": "days_since_first_seen", "op": "lt", "value": 7},
            ],
        }
    )
    assert selects(app, lambda: segments.matches(db.session, town.project_id, town.people["alice"], rules, NOW)) == 1


def test_counting_is_one_statement_whatever_the_rules(app, town):
    rules = GroupSchema().load(
        {
            "match": "any",
            "conditions": [
                trait("plan", "eq", "trial"),
                {"match": "all", "conditions": [COUNT, {**COUNT, "within_days": 7}]},
                {"field": "feature_count", "feature": "export", "within_days": 30, "op": "gte", "value": 1},
            ],
        }
    )
    assert selects(app, lambda: segments.count_matching(db.session, town.project_id, rules, NOW)) == 1


def test_a_feature_counts_by_its_current_event(app, town):
    rules = {
        "match": "all",
        "conditions": [{"field": "feature_count", "feature": "export", "within_days": 30, "op": "gte", "value": 1}],
    }
    assert town.judge(rules) == {"alice", "bob", "dan"}
    with app.app_context():
        features.update_feature(db.session, town.project_id, "export", {"event": None, "selector": "#export"})
    assert town.judge(rules) == {"bob"}  # feature_used still counts; "Report Exported" no longer does


# --- agreement of the two evaluators, on random people and random rules ---------------------------------

# Few keys and values, shared by people and rules, so that rules often hit (and often just miss) someone.
KEYS = ["plan", "seats", "ü.ñ"]
DAYS = [0, 1, 2, 7, 14, 30]
numbers = st.one_of(
    st.integers(-2, 6),
    st.sampled_from([0.5, 5.0, 2.25, 1200.5]),
    st.integers(-2, 6),
    st.floats(-1e6, 1e6, allow_nan=False),
)
scalars = st.sampled_from(["trial", "Trial", "5", "", "tri al"]) | numbers | st.booleans()
traits = st.dictionaries(
    st.sampled_from(KEYS), st.none() | scalars | st.sampled_from([[], ["trial"], {"a": 1}]), max_size=3
)
# Whole days, then exactly on, just before, just after, or well inside the day boundary.
ages = st.builds(
    lambda days, micros: days * DAY + timedelta(microseconds=micros),
    st.sampled_from(DAYS),
    st.sampled_from([-1, 0, 1, 3_600_000_000]),
)
accounts = st.fixed_dictionaries(
    {
        "name": st.sampled_from([None, "trial", "Trial"]),
        "plan": st.sampled_from([None, "pro", "trial"]),
        "tier": st.sampled_from([None, "5", "gold"]),
        "mrr": st.sampled_from([None, Decimal("0"), Decimal("5"), Decimal("499.99"), Decimal("1200.50")]),
        "traits": traits,
    }
)
events = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["track", "track", "page"]),
        "name": st.sampled_from(["Report Exported", "feature_used", "feature_seen"]),
        "properties": st.sampled_from(
            [{}, {"feature": "export"}, {"feature": "share"}, {"feature": 5}, {"feature": "5"}]
        ),
        "age": ages,
    }
)
people = st.lists(
    st.fixed_dictionaries(
        {
            "traits": traits,
            "account": st.none() | st.integers(0, 2),
            "age": ages,
            "events": st.lists(events, max_size=4),
        }
    ),
    min_size=4,
    max_size=10,
)

numeric_ops = st.sampled_from(["eq", "gt", "gte", "lt", "lte"])
value_tests = st.one_of(
    st.builds(lambda op, v: {"op": op, "value": v}, st.sampled_from(["eq", "neq"]), scalars),
    st.builds(
        lambda op, v: {"op": op, "value": v},
        st.sampled_from(["in", "not_in"]),
        st.lists(scalars, min_size=1, max_size=3),
    ),
    st.builds(lambda v: {"op": "contains", "value": v}, st.sampled_from(["t", "T", "5", "al"])),
    st.builds(lambda op, v: {"op": op, "value": v}, st.sampled_from(["gt", "gte", "lt", "lte"]), numbers),
    st.builds(lambda op: {"op": op}, st.sampled_from(["exists", "not_exists"])),
)
stages = st.sampled_from(["trial", "aha", "activation", "adoption"])
windows = st.sampled_from(DAYS[1:])
traits_tests = st.builds(lambda key, test: {"field": "trait", "key": key, **test}, st.sampled_from(KEYS), value_tests)
account_tests = st.builds(
    lambda key, test: {"field": "account", "key": key, **test},
    st.sampled_from([*KEYS, "name", "plan", "tier", "mrr"]),
    value_tests,
)
stage_tests = st.sampled_from(["eq", "neq", "in", "not_in"]).flatmap(
    lambda op: st.builds(
        lambda v: {"field": "stage", "op": op, "value": v},
        st.lists(stages, min_size=1, max_size=2) if "in" in op else stages,
    )
)
days_tests = st.builds(
    lambda op, v: {"field": "days_since_first_seen", "op": op, "value": v}, numeric_ops, st.sampled_from(DAYS)
)
event_tests = st.builds(
    lambda name, days, op, v: {"field": "event_count", "event": name, "within_days": days, "op": op, "value": v},
    st.sampled_from(["Report Exported", "feature_used"]),
    windows,
    numeric_ops,
    st.integers(0, 2),
)
feature_tests = st.builds(
    lambda key, days, op, v: {"field": "feature_count", "feature": key, "within_days": days, "op": op, "value": v},
    st.sampled_from(["export", "share", "5"]),
    windows,
    numeric_ops,
    st.integers(0, 2),
)
# Weighted towards the fields with the most ways to disagree.
conditions = st.one_of(
    traits_tests,
    traits_tests,
    traits_tests,
    account_tests,
    account_tests,
    stage_tests,
    days_tests,
    days_tests,
    event_tests,
    feature_tests,
    feature_tests,
)


def groups(depth=1):
    """Rules trees of at most three levels and 3 + 9 + 27 entries, within the schema's limits."""
    entries = conditions if depth == 3 else conditions | st.deferred(lambda: groups(depth + 1))
    return st.fixed_dictionaries(
        {"match": st.sampled_from(["all", "any"]), "conditions": st.lists(entries, min_size=depth == 1, max_size=3)}
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    crowd=people,
    shared_accounts=st.lists(accounts, min_size=3, max_size=3),
    probes=st.lists(conditions, min_size=16, max_size=32),
    trees=st.lists(groups(), min_size=1, max_size=2),
)
def test_python_and_sql_evaluators_agree(app, crowd, shared_accounts, probes, trees):
    with app.app_context():
        project_id = keys.create_project(db.session, "Agreement")[0].id
    town = Population(app, project_id)
    town.feature("export", "Report Exported")
    town.feature("share")
    town.feature("5")
    account_ids = [town.account(f"a{i}", **a) for i, a in enumerate(shared_accounts)]
    for n, p in enumerate(crowd):
        account = None if p["account"] is None else account_ids[p["account"]]
        town.person(f"p{n}", p["traits"], account, NOW - p["age"])
        for e in p["events"]:
            town.events(f"p{n}", e["name"], [e["age"]], kind=e["kind"], properties=e["properties"])
    # judge() asserts that matches() and matching_person_ids() agree: on single conditions, then on trees.
    for condition in probes:
        town.judge({"match": "all", "conditions": [condition]})
    for rules in trees:
        town.judge(rules)


# --- /api/v1/segments ------------------------------------------------------------------------------

TRIALS = {
    "key": "trials",
    "name": "People on trial",
    "rules": {"match": "all", "conditions": [trait("plan", "eq", "trial")]},
}


Api = partial(AdminApi, resource="segments")


@pytest.fixture
def api(client, project):
    return Api(client, project.secret_key)


def test_create_list_get_update_delete_with_live_counts(api, town):
    created = api.post(json=TRIALS)
    assert created.status_code == 201
    body = created.get_json()
    assert (body["key"], body["name"], body["rules"], body["count"]) == ("trials", TRIALS["name"], TRIALS["rules"], 1)
    assert [(s["key"], s["count"]) for s in api.get().get_json()["segments"]] == [("trials", 1)]
    renamed = api.patch("/trials", json={"name": "Trials"})
    assert (renamed.status_code, renamed.get_json()["name"], renamed.get_json()["count"]) == (200, "Trials", 1)
    widened = api.patch(
        "/trials",
        json={"rules": {"match": "any", "conditions": [trait("plan", "eq", "trial"), trait("plan", "eq", "pro")]}},
    )
    assert widened.get_json()["count"] == 2
    assert api.get("/trials").get_json()["count"] == 2
    assert api.delete("/trials").status_code == 204
    assert api.get("/trials").status_code == 404


def test_match_defaults_to_all_and_exists_drops_an_empty_value(api):
    body = api.post(
        json={
            "key": "k",
            "name": "K",
            "rules": {"conditions": [{"field": "trait", "key": "plan", "op": "exists", "value": None}]},
        }
    ).get_json()
    assert body["rules"] == {"match": "all", "conditions": [{"field": "trait", "key": "plan", "op": "exists"}]}


def test_every_change_invalidates_the_config_cache(app, api, project):
    cache = app.extensions.setdefault("gapwise.config_cache", {})
    for change in (
        lambda: api.post(json=TRIALS),
        lambda: api.patch("/trials", json={"name": "T"}),
        lambda: api.delete("/trials"),
    ):
        cache[project.id] = "stale"
        assert change().status_code < 300
        assert project.id not in cache


def test_duplicate_keys_conflict(api):
    api.post(json=TRIALS)
    response = api.post(json=TRIALS)
    assert response.status_code == 409 and response.get_json()["code"] == "conflict"


def test_another_projects_key_sees_and_changes_nothing(client, api, other_project):
    api.post(json=TRIALS)
    theirs = Api(client, other_project.secret_key)
    assert theirs.get().get_json()["segments"] == []
    assert theirs.get("/trials").status_code == 404
    assert theirs.patch("/trials", json={"name": "Mine"}).status_code == 404
    assert theirs.delete("/trials").status_code == 404
    assert theirs.post(json=TRIALS).status_code == 201  # the same key is free in their project
    assert api.get("/trials").get_json()["name"] == TRIALS["name"]


def test_no_key_no_segments(client):
    assert client.get("/api/v1/segments").status_code == 401
    assert client.post("/api/v1/segments", json=TRIALS).status_code == 401


def group(*entries, match="all"):
    return {"match": match, "conditions": list(entries)}


def deep(levels):
    return group() if levels == 1 else group(deep(levels - 1))


LEAF = trait("plan", "eq", "trial")
COUNT = {"field": "event_count", "event": "Report Exported", "within_days": 30, "op": "gte", "value": 1}


@pytest.mark.parametrize(
    "rules, path",
    [
        (None, ()),
        ("all", ()),
        ({"match": "some", "conditions": []}, ("match",)),
        ({"conditions": [], "negate": True}, ("negate",)),
        ({"conditions": "x"}, ("conditions",)),
        (group(1), ("conditions", "0")),
        (group({"key": "plan"}), ("conditions", "0", "field")),
        (group({"field": "colour", "op": "eq", "value": 1}), ("conditions", "0", "field")),
        (group({"field": ["trait"], "op": "eq", "value": 1}), ("conditions", "0", "field")),
        (group({"field": "trait", "op": "eq", "value": "x"}), ("conditions", "0", "key")),
        (group(trait('a"b', "eq", "x")), ("conditions", "0", "key")),
        (group(trait("plan", "like", "x")), ("conditions", "0", "op")),
        (group(trait("plan", "eq")), ("conditions", "0", "value")),
        (group(trait("plan", "eq", {"a": 1})), ("conditions", "0", "value")),
        (group(trait("plan", "eq", "x" * 501)), ("conditions", "0", "value")),
        (group(trait("seats", "gt", "5")), ("conditions", "0", "value")),
        (group(trait("seats", "gt", True)), ("conditions", "0", "value")),
        (group(trait("plan", "in", [])), ("conditions", "0", "value")),
        (group(trait("plan", "in", "trial")), ("conditions", "0", "value")),
        (group(trait("plan", "in", [["trial"]])), ("conditions", "0", "value")),
        (group(trait("plan", "in", list(range(101)))), ("conditions", "0", "value")),
        (group(trait("plan", "contains", 5)), ("conditions", "0", "value")),
        (group(trait("plan", "contains", "")), ("conditions", "0", "value")),
        (group(trait("plan", "exists", 1)), ("conditions", "0", "value")),
        (group({"field": "stage", "op": "eq", "value": "paid"}), ("conditions", "0", "value")),
        (group({"field": "stage", "op": "in", "value": "trial"}), ("conditions", "0", "value")),
        (group({"field": "stage", "op": "contains", "value": "t"}), ("conditions", "0", "op")),
        (group({"field": "stage", "key": "x", "op": "eq", "value": "trial"}), ("conditions", "0", "key")),
        (group({"field": "days_since_first_seen", "op": "eq", "value": -1}), ("conditions", "0", "value")),
        (group({"field": "days_since_first_seen", "op": "eq", "value": 2.5}), ("conditions", "0", "value")),
        (group({"field": "days_since_first_seen", "op": "eq", "value": 36501}), ("conditions", "0", "value")),
        (group({"field": "days_since_first_seen", "op": "neq", "value": 2}), ("conditions", "0", "op")),
        (group({**COUNT, "within_days": 0}), ("conditions", "0", "within_days")),
        (group({**COUNT, "within_days": 366}), ("conditions", "0", "within_days")),
        (group({**COUNT, "within_days": "30"}), ("conditions", "0", "within_days")),
        (group({**COUNT, "event": ""}), ("conditions", "0", "event")),
        (group({**COUNT, "value": True}), ("conditions", "0", "value")),
        (group({key: v for key, v in COUNT.items() if key != "event"}), ("conditions", "0", "event")),
        (group({**COUNT, "within_day": 30}), ("conditions", "0", "within_day")),
        (
            group({"field": "feature_count", "feature": "Export!", "within_days": 30, "op": "gte", "value": 1}),
            ("conditions", "0", "feature"),
        ),
        (
            group({"field": "feature_count", "feature": "nope", "within_days": 30, "op": "gte", "value": 1}),
            ("conditions", "0", "feature"),
        ),  # no such feature in the project
        (group(LEAF, group(trait("plan", "bad", "x"), match="any")), ("conditions", "1", "conditions", "0", "op")),
        (
            group(
                LEAF,
                group(LEAF, {"field": "feature_count", "feature": "nope", "within_days": 1, "op": "eq", "value": 0}),
            ),
            ("conditions", "1", "conditions", "1", "feature"),
        ),
        (deep(4), ("conditions", "0", "conditions", "0", "conditions", "0")),
        (group(*[LEAF] * 51), ("conditions",)),
        (group(*[group(*[LEAF] * 16)] * 3), ("conditions",)),  # 3 groups + 48 conditions
    ],
)
def test_invalid_rules_are_refused_with_their_path(api, rules, path):
    response = api.post(json={"key": "s", "name": "S", **({} if rules is None else {"rules": rules})})
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]["rules"]
    for step in path:
        errors = errors[step]
    assert errors and all(isinstance(message, str) for message in errors), errors
    assert api.get().get_json()["segments"] == []


def test_the_largest_rules_are_accepted(api):
    assert api.post(json={"key": "deep", "name": "D", "rules": deep(3)}).status_code == 201
    assert api.post(json={"key": "wide", "name": "W", "rules": group(*[LEAF] * 50)}).status_code == 201


def test_an_invalid_update_changes_nothing(api):
    api.post(json=TRIALS)
    response = api.patch("/trials", json={"rules": group(trait("plan", "eq"))})
    assert response.status_code == 422 and "0" in response.get_json()["errors"]["rules"]["conditions"]
    assert api.get("/trials").get_json()["rules"] == TRIALS["rules"]


@pytest.mark.parametrize(
    "change, field",
    [({"key": "Has Spaces"}, "key"), ({"key": ""}, "key"), ({"name": ""}, "name"), ({"name": "x" * 201}, "name")],
)
def test_invalid_keys_and_names_are_refused(api, change, field):
    response = api.post(json={**TRIALS, **change})
    assert response.status_code == 422 and field in response.get_json()["errors"]
