"""Property-based: no body, however odd, makes /v1/batch answer 5xx; every message is accounted for."""

import os

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import message

# A longer run: GAPWISE_FUZZ_EXAMPLES=10000 .venv/bin/python -m pytest tests/test_ingest_fuzz.py
FUZZ = settings(
    max_examples=int(os.environ.get("GAPWISE_FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(autouse=True)
def unlimited(app):
    """The fuzz run floods one key on purpose: every body must reach the parser, not the rate limit."""
    app.extensions["gapwise.ratelimit"].limits["ingest"] = None


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=20
)
odd_values = json_values | st.sampled_from(
    ["", "x" * 201, "nul\x00", {"k": ["\x00"]}, "2026-13-45T99:00:00Z", "2026-11-23T10:00:00Z", 0, -1]
)
field_names = st.sampled_from(
    [
        "type",
        "messageId",
        "anonymousId",
        "userId",
        "timestamp",
        "event",
        "properties",
        "traits",
        "groupId",
        "surveyId",
        "action",
        "answers",
        "context",
        "name",
    ]
)
messages = st.one_of(
    st.builds(
        lambda kind, changes: {**message(kind), **changes},
        st.sampled_from(["track", "identify", "group", "page", "survey", "other"]),
        st.dictionaries(field_names, odd_values, max_size=4),
    ),
    json_values,
)


@FUZZ
@given(body=json_values)
def test_arbitrary_json_bodies_never_produce_a_5xx(batches, body):
    response = batches.post_raw(orjson.dumps(body))
    assert response.status_code in (200, 400, 401, 413)


@FUZZ
@given(batch=st.lists(messages, max_size=8), sent_at=st.none() | st.sampled_from(["2026-11-23T10:00:00Z", "later"]))
def test_arbitrary_messages_are_each_accepted_or_rejected_alone(batches, project, batch, sent_at):
    body = {"writeKey": project.write_key, "batch": batch}
    if sent_at:
        body["sentAt"] = sent_at
    response = batches.post_raw(orjson.dumps(body))
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code == 200:
        result = response.get_json()
        assert result["accepted"] + result["duplicates"] + len(result["rejected"]) == len(batch)


@FUZZ
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_never_produce_a_5xx(batches, data):
    assert batches.post_raw(data).status_code in (400, 401)
    assert batches.post_raw(data, headers={"Content-Encoding": "gzip"}).status_code in (400, 401, 413)
