"""Hostile input gets a clear 4xx, never a 5xx: every field of every dashboard form, the query parameters of every
page and endpoint, the admin API's JSON bodies and the tracker's endpoints, on each database.

A row sends one kind of hostile value to every field of one form, or to every parameter of one page or endpoint:
NUL characters, bytes that are not UTF-8 (%ED%A0%80 is a lone surrogate, UTF-8 encoded), numbers past 64 bits,
negative and fractional numbers, very long text; JSON with "\\u0000" and "\\ud800", wrong types, arrays for
objects. The site is shared by the rows of one database; it counts what they send and, when torn down, prints
"hostile input on <database>: n requests, k answered 5xx" (see it with pytest -s).
"""

from collections import Counter
from urllib.parse import quote, urlencode

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from gapwise.db import db
from gapwise.models import Event, Gap
from tests.helpers import BACKENDS, AdminApi, Batches, ProjectKeys, app_for_tests, database_url, message
from tests.test_segments import TRIALS
from tests.test_surveys_api import CSAT
from tests.ui import Browser, FormFields, make_user

NUL, NOT_UTF8, RAW_BYTE = "nul", "not UTF-8", "raw byte"
# What each kind of value looks like in a form body or query string, already percent-encoded where it must be.
ENCODED = {
    NUL: "a%00b",
    NOT_UTF8: "%ED%A0%80",  # a lone surrogate, encoded as UTF-8 would (were it allowed)
    RAW_BYTE: "\xff",  # a byte sent as is, which is no UTF-8 on its own
    "64 bits": str(2**64),
    "negative": "-1",
    "fraction": "1.5",
    "exponent": "1e309",
    "word": "abc",
    "long": "x" * 20_000,
}
UNSTORABLE = (NUL, NOT_UTF8, RAW_BYTE)  # refused wherever they are sent


class Site:
    """One project on one database, seeded with one of everything a form or endpoint names, and its visitors:
    `owner` (signed in, may use every form), `visitor` (nobody signed in) and `client` (for the APIs)."""

    def __init__(self, app, backend: str):
        self.app, self.backend = app, backend
        self.project = ProjectKeys(app)
        self.client = app.test_client()
        self.api = {"Authorization": f"Bearer {self.project.secret_key}"}
        segment = AdminApi(self.client, self.project.secret_key, "segments").post(json=TRIALS)
        feature = AdminApi(self.client, self.project.secret_key, "features").post(
            json={"key": "export", "name": "Export", "event": "Report Exported"}
        )
        survey = AdminApi(self.client, self.project.secret_key, "surveys").post(json={**CSAT, "status": "active"})
        webhook = AdminApi(self.client, self.project.secret_key, "webhooks").post(
            json={"url": "https://hooks.example.com/gapwise", "events": ["response.created"]}
        )
        assert {r.status_code for r in (segment, feature, survey, webhook)} == {201}
        batches = Batches(app, self.client, self.project)
        assert batches.post([message("identify", userId="u1", traits={"plan": "trial"})]).status_code == 200
        with app.app_context():
            gap = Gap(
                project_id=self.project.id, key="delivery:export:all", type="delivery", subject="export", cohort="all"
            )
            db.session.add(gap)
            db.session.commit()
            gap_id = gap.id
        self.ids = {
            "p": self.project.id,
            "survey": survey.get_json()["id"],
            "webhook": webhook.get_json()["id"],
            "gap": gap_id,
            "person": 1,
        }
        make_user(app, "owner@example.com", self.project.id, "owner")
        self.owner = Browser(app.test_client())
        assert self.owner.login("owner@example.com").status_code == 302
        self.visitor = Browser(app.test_client())
        self.statuses: Counter = Counter()
        self.server_errors: list[str] = []

    def send(self, who: str, method: str, path: str, **kwargs):
        """One request by `who` ("owner", "visitor" or "api"), counted; `path` may name the site's ids ({survey})."""
        client = {"owner": self.owner.client, "visitor": self.visitor.client, "api": self.client}[who]
        if who == "api":
            kwargs["headers"] = {**self.api, **kwargs.get("headers", {})}
        response = client.open(path.format(**self.ids), method=method, **kwargs)
        response.get_data()  # read a streamed answer (a CSV, an export) whole, and let its request context go
        response.close()
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            query = kwargs.get("environ_overrides", {}).get("QUERY_STRING", "")
            self.server_errors.append(f"{method} {path} {query[:100]}".strip())
        return response

    def token(self) -> str:
        """The owner's CSRF token."""
        return self.owner.token(f"/app/p/{self.project.id}/settings")

    def form(self, who: str, page: str, action: str) -> list[tuple[str, str]]:
        """The fields (name, value) of the form posting to `action` on `page`, as a browser would send them."""
        html = self.send(who, "GET", page).get_data(as_text=True)
        reader = FormFields(action.format(**self.ids))
        reader.feed(html)
        assert reader.fields, f"no form posting to {action} on {page}"
        return reader.fields


@pytest.fixture(scope="module", params=BACKENDS)
def site(request, tmp_path_factory):
    url = database_url(request, request.param, tmp_path_factory.mktemp("hostile"))
    config = {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test", "DB_TIMEOUT_MS": 2000}
    app = app_for_tests({**config, "LOGIN_ATTEMPTS": 1_000_000})
    limits = app.extensions["gapwise.ratelimit"].limits
    limits["api"] = limits["ingest"] = None  # every request must reach the code under test, not the rate limit
    site = Site(app, request.param)
    yield site
    print(
        f"\nhostile input on {request.param}: {sum(site.statuses.values())} requests, "
        f"{len(site.server_errors)} answered 5xx; statuses {dict(sorted(site.statuses.items()))}"
    )
    for failed in site.server_errors:
        print(f"  5xx: {failed}")
    app.extensions["gapwise.db"].sessions.remove()
    app.extensions["gapwise.db"].engine.dispose()


def problem(response, what: str, refused: bool) -> str | None:
    """What is wrong with an answer: a 5xx always; anything but a clear 4xx where the input is `refused` (in the
    one JSON error shape outside the dashboard, a page inside it)."""
    status = response.status_code
    if status >= 500 or (refused and not 400 <= status < 500):
        return f"{what}: {status}"
    if refused and response.mimetype == "application/json" and not response.request.path.startswith("/app/"):
        body = response.get_json()
        if not (body.get("status") == status and body.get("code") and body.get("message")):
            return f"{what}: {status} {body}"
    return None


# --- dashboard forms -----------------------------------------------------------------------------------------

# (who, the page holding the form, where it posts): every form of the dashboard that changes something, and sign-in.
FORMS = {
    "sign-in": ("visitor", "/app/login", "/app/login"),
    "survey status": ("owner", "/app/p/{p}/surveys/{survey}", "/app/p/{p}/surveys/{survey}/status"),
    "new survey": ("owner", "/app/p/{p}/surveys/new", "/app/p/{p}/surveys/new"),
    "survey builder": ("owner", "/app/p/{p}/surveys/{survey}/edit", "/app/p/{p}/surveys/{survey}/edit"),
    "new segment": ("owner", "/app/p/{p}/segments/new", "/app/p/{p}/segments/new"),
    "segment": ("owner", "/app/p/{p}/segments/trials/edit", "/app/p/{p}/segments/trials/edit"),
    "new feature": ("owner", "/app/p/{p}/features/new", "/app/p/{p}/features/new"),
    "feature": ("owner", "/app/p/{p}/features/export/edit", "/app/p/{p}/features/export/edit"),
    "journey": ("owner", "/app/p/{p}/journey", "/app/p/{p}/journey"),
    "project settings": ("owner", "/app/p/{p}/settings", "/app/p/{p}/settings"),
    "gap thresholds": ("owner", "/app/p/{p}/settings", "/app/p/{p}/settings/thresholds"),
    "new secret key": ("owner", "/app/p/{p}/settings", "/app/p/{p}/settings/keys"),
    "remediation": ("owner", "/app/p/{p}/gaps", "/app/p/{p}/gaps/{gap}/remediation"),
}
# The remediation form shows only beside a flagged gap; the site's gap is not flagged, so its fields are given.
REMEDIATION = [("status", "acknowledged"), ("owner", "ada"), ("note", "on it"), ("dueDate", "2026-12-01"), ("at", "")]


def form_body(fields: list[tuple[str, str]], field: str, encoded: str) -> bytes:
    """The urlencoded body of `fields`, with `field`'s value replaced by `encoded` (sent as it is)."""
    parts = [f"{quote(name)}={encoded}" if name == field else urlencode({name: value}) for name, value in fields]
    return "&".join(parts).encode("latin-1")


@pytest.mark.parametrize("kind", [*UNSTORABLE, "long", "64 bits", "negative", "fraction"])
@pytest.mark.parametrize("form", list(FORMS))
def test_every_form_field_refuses_unstorable_text(site, form, kind):
    who, page, action = FORMS[form]
    if form == "remediation":
        fields = [("csrf_token", site.token()), *REMEDIATION]
    else:
        fields = site.form(who, page, action)
    problems = []
    for name, _ in fields:
        body = form_body(fields, name, ENCODED[kind])
        response = site.send(who, "POST", action, data=body, content_type="application/x-www-form-urlencoded")
        problems.append(problem(response, f"{form}: {kind} in {name}", refused=kind in UNSTORABLE))
        if kind == NUL and name != "csrf_token" and "NUL" not in response.get_data(as_text=True):
            problems.append(f"{form}: {kind} in {name}: the answer does not name the NUL")
    assert not [p for p in problems if p]


# --- query parameters ----------------------------------------------------------------------------------------

DASHBOARD_PAGES = {
    "/app/login": ["next"],
    "/app/p/{p}/": ["weeks"],
    "/app/p/{p}/gaps": ["at"],
    "/app/p/{p}/people": ["q", "stage", "segment", "cursor"],
    "/app/p/{p}/people/{person}": ["show"],
    "/app/p/{p}/surveys": [],
    "/app/p/{p}/surveys/new": ["kind"],
    "/app/p/{p}/surveys/{survey}": ["stage", "completed", "since", "until", "cursor"],
    "/app/p/{p}/surveys/{survey}/responses.csv": ["stage", "completed", "since", "until"],
    "/app/p/{p}/surveys/{survey}/why": ["person"],
    "/app/p/{p}/segments": [],
    "/app/p/{p}/features": [],
    "/app/p/{p}/journey": [],
    "/app/p/{p}/settings": [],
}
API_ENDPOINTS = {
    "/api/v1/surveys": ["status", "limit", "cursor"],
    "/api/v1/surveys/{survey}/eligibility": ["person"],
    "/api/v1/people": ["limit", "cursor", "userId", "anonymousId", "stage", "segment", "seenSince", "seenUntil"],
    "/api/v1/accounts": ["limit", "cursor", "plan", "tier", "q"],
    "/api/v1/accounts/health": ["at"],
    "/api/v1/responses": ["limit", "cursor", "survey", "stage", "completed", "since", "until", "person"],
    "/api/v1/keys": ["limit", "cursor"],
    "/api/v1/webhooks/{webhook}/deliveries": ["limit", "cursor"],
    "/api/v1/scores": ["since", "until", "stage", "segment", "survey", "period"],
    "/api/v1/funnel": ["since", "until", "segment", "cohorts"],
    "/api/v1/gaps": ["at"],
    "/api/v1/export/events": ["format", "since", "until", "event", "after", "limit"],
    "/api/v1/export/responses": ["format", "since", "until", "survey", "after", "limit"],
}
# Parameters that take a bounded whole number: anything else there is refused.
WHOLE_NUMBERS = {"limit", "survey", "after"}


def send_query(site, who: str, path: str, name: str, encoded: str):
    """GET path?name=encoded, the query string sent byte for byte (the test client would encode a raw byte)."""
    return site.send(who, "GET", path, environ_overrides={"QUERY_STRING": f"{quote(name)}={encoded}"})


@pytest.mark.parametrize("kind", list(ENCODED))
@pytest.mark.parametrize("path", list(DASHBOARD_PAGES))
def test_dashboard_query_parameters(site, path, kind):
    who = "owner" if "{p}" in path else "visitor"
    answers = {name: send_query(site, who, path, name, ENCODED[kind]) for name in [*DASHBOARD_PAGES[path], "unknown"]}
    problems = [problem(a, f"{path}?{name}= {kind}", refused=kind in UNSTORABLE) for name, a in answers.items()]
    assert not [p for p in problems if p]


@pytest.mark.parametrize("kind", list(ENCODED))
@pytest.mark.parametrize("path", list(API_ENDPOINTS))
def test_api_query_parameters(site, path, kind):
    answers = {name: send_query(site, "api", path, name, ENCODED[kind]) for name in [*API_ENDPOINTS[path], "unknown"]}
    problems = [
        problem(answer, f"{path}?{name}= {kind}", refused=kind in UNSTORABLE or name in WHOLE_NUMBERS)
        for name, answer in answers.items()
    ]
    assert not [p for p in problems if p]


CONFIG_PARAMETERS = ["writeKey", "anonymousId", "userId", "locale", "unknown"]


@pytest.mark.parametrize("kind", list(ENCODED))
def test_config_query_parameters(site, kind):
    problems = []
    for name in CONFIG_PARAMETERS:
        query = {"writeKey": site.project.write_key, "anonymousId": "visitor"}
        query.pop(name, None)
        encoded = f"{urlencode(query)}&{name}={ENCODED[kind]}"
        response = site.send("visitor", "GET", "/v1/config", environ_overrides={"QUERY_STRING": encoded})
        refused = kind in UNSTORABLE or (kind == "long" and name != "unknown")
        problems.append(problem(response, f"/v1/config?{name}= {kind}", refused))
    assert not [p for p in problems if p]


KEY_PATHS = [
    "/api/v1/segments/{}",
    "/api/v1/features/{}",
    "/app/p/{{p}}/segments/{}/edit",
    "/app/p/{{p}}/features/{}/edit",
]


@pytest.mark.parametrize("kind", [NUL, NOT_UTF8, "long"])
@pytest.mark.parametrize("path", KEY_PATHS)
def test_keys_in_paths(site, path, kind):
    response = site.send("api" if path.startswith("/api") else "owner", "GET", path.format(ENCODED[kind]))
    assert not problem(response, f"{path} {kind}", refused=True)


# Ids past what a column holds: no row has them, so no page either.
ID_PATHS = [
    "/app/p/{}/",
    "/app/p/{}/surveys",
    "/app/p/{}/settings",
    "/app/p/{{p}}/surveys/{}",
    "/app/p/{{p}}/people/{}",
    "/api/v1/people/{}",
    "/api/v1/surveys/{}",
    "/api/v1/gaps/{}",
]


@pytest.mark.parametrize("number", [2**31, 2**63, 2**64, 10**40])
@pytest.mark.parametrize("path", ID_PATHS)
def test_ids_in_paths(site, path, number):
    response = site.send("api" if path.startswith("/api") else "owner", "GET", path.format(number))
    assert not problem(response, f"{path} {number}", refused=number >= 2**63 or "/api/" in path)


# --- JSON bodies ---------------------------------------------------------------------------------------------

# Each write with a body that is right but for the value at @ (JSON), where a text and, if it has one, a bounded
# number go.
QUESTION = b'{"id": "q", "type": "rating", "scale": 5, "text": "Happy?"}'
RULES = b'{"match": "all", "conditions": [{"field": "trait", "key": @, "op": "eq", "value": "x"}]}'
WRITES = {
    "POST /api/v1/surveys": (b'{"name": @, "kind": "csat", "questions": [' + QUESTION + b"]}", None),
    "PATCH /api/v1/surveys/{survey}": (b'{"name": @}', b'{"targeting": {"recontactDays": @}}'),
    "POST /api/v1/segments": (b'{"key": "k2", "name": "N", "rules": ' + RULES + b"}", None),
    "PATCH /api/v1/segments/trials": (b'{"name": @}', None),
    "POST /api/v1/features": (b'{"key": "k2", "name": @}', b'{"key": "k3", "name": "N", "effort": @}'),
    "PATCH /api/v1/features/export": (b'{"name": @}', b'{"effort": @}'),
    "PUT /api/v1/journey": (b'{"ahaEvents": [@]}', b'{"activation": {"withinDays": @}}'),
    "PUT /api/v1/gaps/thresholds": (b'{"windowDays": 30, "stallDays": @}', b'{"windowDays": @}'),
    "PATCH /api/v1/gaps/{gap}": (b'{"owner": @}', None),
    "POST /api/v1/keys": (b'{"name": @}', None),
    "POST /api/v1/webhooks": (b'{"url": @, "events": ["response.created"]}', None),
    "PATCH /api/v1/webhooks/{webhook}": (b'{"url": @}', None),
    "POST /app/p/{p}/segments/count": (b'{"rules": ' + RULES + b"}", None),
}
TEXTS = {
    "NUL": b'"a\\u0000b"',
    "lone surrogate": b'"\\ud800"',
    "encoded surrogate": b'"\xed\xa0\x80"',
    "not UTF-8": b'"\xff"',
    "long": b'"' + b"x" * 200_000 + b'"',
    "number for text": b"12",
    "list for text": b'["x"]',
}
NUMBERS = {
    "64 bits": b"18446744073709551616",
    "negative": b"-1",
    "fraction": b"1.5",
    "huge": b"1e309",
    "text for number": b'"abc"',
    "true for number": b"true",
}
DOCUMENTS = {
    "NUL in a key": b'{"a\\u0000b": 1}',
    "array": b'[{"name": "x"}]',
    "string": b'"x"',
    "null": b"null",
    "number": b"12",
    "empty": b"",
    "not JSON": b"{",
    "deep": b"[" * 100_000,
}


def bodies(write: str) -> list[tuple[str, bytes]]:
    text, number = WRITES[write]
    out = [(name, text.replace(b"@", value)) for name, value in TEXTS.items()]
    out += [(name, number.replace(b"@", value)) for name, value in NUMBERS.items() if number]
    return out + list(DOCUMENTS.items())


@pytest.mark.parametrize("write", list(WRITES))
def test_json_bodies(site, write):
    method, path = write.split(" ")
    if path.startswith("/app/"):
        headers, who = {"X-CSRFToken": site.token()}, "owner"
    else:
        headers, who = {}, "api"
    problems = []
    for name, body in bodies(write):
        response = site.send(who, method, path, data=body, content_type="application/json", headers=headers)
        problems.append(problem(response, f"{write}: {name}", refused=True))  # 1.5 is not cut to 1
    assert not [p for p in problems if p]


# --- the tracker ---------------------------------------------------------------------------------------------


def stored_events(site, *sent: dict) -> list[Event]:
    with site.app.app_context():
        ids = [m["messageId"] for m in sent]
        return list(db.session.scalars(select(Event).where(Event.message_id.in_(ids)).order_by(Event.id)))


def test_a_nul_in_a_tracked_string_refuses_that_message_alone(site):
    good = message(userId="u1")
    sent = [message(event="a\x00b"), message(properties={"k": ["x\x00"]}), message(userId="u\x00"), good]
    response = site.send("visitor", "POST", "/v1/batch", json={"writeKey": site.project.write_key, "batch": sent})
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["accepted"] == 1 and [r["index"] for r in answer["rejected"]] == [0, 1, 2]
    assert [e.message_id for e in stored_events(site, *sent)] == [good["messageId"]]


def test_a_lone_surrogate_in_a_tracked_string_loses_nothing(site):
    """A browser's JSON.stringify writes half an emoji as "\\ud83d": the batch lands, that half as U+FFFD."""
    good, halved = message(), message(properties={"title": "Exports @@"})
    body = orjson.dumps({"writeKey": site.project.write_key, "batch": [good, halved]}).replace(b"@@", b"\\ud83d")
    response = site.send("visitor", "POST", "/v1/batch", data=body, content_type="text/plain")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["accepted"] == 2
    assert [e.properties.get("title") for e in stored_events(site, good, halved)] == [None, "Exports \ufffd"]


# --- fuzzing the forms ---------------------------------------------------------------------------------------

# Text of every kind a browser can send: any code point UTF-8 can carry (and NUL), up to a few hundred characters.
texts = st.text(st.characters(codec="utf-8"), max_size=300) | st.sampled_from(["", " ", "0", "-1", str(2**64), "1e309"])


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(form=st.sampled_from([f for f in FORMS if f not in ("sign-in", "remediation")]), data=st.data())
def test_fuzzed_form_submissions_never_produce_a_5xx(site, form, data):
    who, page, action = FORMS[form]
    fields = site.form(who, page, action)
    chosen = data.draw(st.lists(st.sampled_from([n for n, _ in fields if n != "csrf_token"]), min_size=1, max_size=4))
    values = {name: data.draw(texts) for name in chosen}
    body = urlencode([(name, values.get(name, value)) for name, value in fields])
    response = site.send(who, "POST", action, data=body, content_type="application/x-www-form-urlencoded")
    assert not problem(response, f"{form}: {values}", refused=any("\x00" in v for v in values.values()))
