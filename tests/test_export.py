"""Exports: the same rows in CSV, NDJSON and Parquet, filters, resuming by id, isolation, the CLI, flat memory."""

import csv
import io
import json
import subprocess
import sys
import tracemalloc
from datetime import datetime
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError

from gapwise.core.exports.query import EVENT_COLUMNS, RESPONSE_COLUMNS
from gapwise.db import db
from gapwise.models import Event, Person
from tests.helpers import AdminApi, message, utc
from tests.story import Story

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("csv", "ndjson", "parquet")
COLUMNS = {"events": EVENT_COLUMNS, "responses": RESPONSE_COLUMNS}
NPS = {
    "name": "NPS",
    "kind": "nps",
    "questions": [
        {"id": "score", "type": "nps", "text": "Recommend us?"},
        {"id": "why", "type": "text", "text": "Why?"},
    ],
}
CSAT = {"name": "CSAT", "kind": "csat", "questions": [{"id": "csat", "type": "rating", "scale": 5, "text": "Happy?"}]}
AWKWARD = {"note": 'commas, "quotes",\nnewlines and ünïcödé', "n": 1.5, "nested": {"list": [1, None]}}


@pytest.fixture
def api(client, project):
    return AdminApi(client, project.secret_key, "export")


@pytest.fixture
def history(client, project, batches):
    """Five people who answer NPS (two still on trial, three after their aha moment) and an anonymous visitor."""
    admin = lambda resource: AdminApi(client, project.secret_key, resource)  # noqa: E731
    admin("features").post(json={"key": "export", "name": "Export", "event": "Report Exported", "aha": True})
    nps, csat = (admin("surveys").post(json={**body, "status": "active"}).get_json()["id"] for body in (NPS, CSAT))
    story = Story(batches, utc(2026, 11, 1))
    for day, (user, score) in enumerate([("ann", 10), ("bob", 3), ("cat", 9), ("dan", 6), ("eve", 10)]):
        story.person(user, day=day, traits={"plan": "pro"})
        story.page(user, day=day)
        aha_first = day >= 2
        story.track(user, "Report Exported", day=day, hours=1 if aha_first else 5)
        story.answer(user, nps, {"score": score, "why": f"because, {user}"}, day=day, hours=3)
    story.answer("ann", csat, {"csat": 4}, day=6)
    story.send()
    batches.post(
        [
            message(
                "track",
                anonymousId="anon-z",
                event="Signed Up",
                properties=AWKWARD,
                context={"locale": "fr-FR"},
                timestamp="2026-11-08T12:00:00.123456Z",
            )
        ],
        sent_at=None,
    )
    return {"nps": nps, "csat": csat}


def export(api, dataset, fmt="ndjson", **query) -> bytes:
    response = api.get(f"/{dataset}", query_string={"format": fmt, **query})
    assert response.status_code == 200, response.get_json()
    return response.data


def rows(data: bytes, fmt: str, dataset: str) -> list[dict]:
    """Read an export back into plain Python values, whatever its format."""
    columns = COLUMNS[dataset]
    if fmt == "parquet":
        table = pq.read_table(io.BytesIO(data))
        read = table.to_pylist()
    elif fmt == "csv":
        reader = csv.DictReader(io.StringIO(data.decode()))
        read = [{c.name: _from_csv(c.kind, r[c.name]) for c in columns} for r in reader]
    else:
        read = [orjson.loads(line) for line in data.splitlines()]
    for r in read:
        for c in columns:
            if c.kind == "time" and isinstance(r[c.name], str):
                r[c.name] = datetime.fromisoformat(r[c.name])
            if c.kind == "json" and isinstance(r[c.name], str):
                r[c.name] = orjson.loads(r[c.name])
    return read


def _from_csv(kind: str, value: str):
    if value == "":
        return None
    return {"int": int, "float": float, "bool": {"true": True, "false": False}.get}.get(kind, str)(value)


@pytest.mark.parametrize("dataset", ["events", "responses"])
def test_csv_ndjson_and_parquet_hold_the_same_rows_in_the_documented_columns(api, history, dataset):
    exported = {fmt: export(api, dataset, fmt) for fmt in FORMATS}
    names = [c.name for c in COLUMNS[dataset]]
    assert exported["csv"].decode().splitlines()[0] == ",".join(names)
    assert list(orjson.loads(exported["ndjson"].splitlines()[0])) == names
    schema = pq.read_schema(io.BytesIO(exported["parquet"]))
    assert [(f.name, str(f.type)) for f in schema] == [(c.name, _ARROW[c.kind]) for c in COLUMNS[dataset]]
    read = {fmt: rows(data, fmt, dataset) for fmt, data in exported.items()}
    assert read["csv"] == read["ndjson"] == read["parquet"]
    assert [r["id"] for r in read["csv"]] == sorted(r["id"] for r in read["csv"]) and len(read["csv"]) > 5


_ARROW = {
    "int": "int64",
    "text": "string",
    "float": "double",
    "bool": "bool",
    "time": "timestamp[us, tz=UTC]",
    "json": "string",
}


def test_values_keep_their_types_timestamps_in_utc_and_json_as_json(api, history):
    [line] = export(api, "events", "ndjson", event="Signed Up").splitlines()
    event = orjson.loads(line)
    assert event["properties"] == AWKWARD and event["context"] == {"locale": "fr-FR"}
    assert event["timestamp"] == "2026-11-08T12:00:00.123456Z" and event["user_id"] is None
    [answer] = rows(export(api, "responses", "csv", person="bob"), "csv", "responses")
    assert answer | {"id": 0, "survey_id": 0, "person_id": 0, "created_at": 0, "updated_at": 0} == {
        "id": 0,
        "survey_id": 0,
        "survey_name": "NPS",
        "kind": "nps",
        "person_id": 0,
        "user_id": "bob",
        "display_id": answer["display_id"],
        "stage": "trial",
        "score": 3.0,
        "completed": True,
        "locale": None,
        "answers": {"score": 3, "why": "because, bob"},
        "created_at": 0,
        "updated_at": 0,
    }
    assert answer["created_at"] == utc(2026, 11, 2, 3, 0, 36)  # day 1, 3 h + 0.01 h


@pytest.mark.parametrize(
    "dataset, query, expected",
    [
        ("events", {"since": "2026-11-03T00:00:00Z"}, lambda r: r["timestamp"] >= utc(2026, 11, 3)),
        ("events", {"until": "2026-11-03T00:00:00+01:00"}, lambda r: r["timestamp"] < utc(2026, 11, 2, 23)),
        ("events", {"event": "Report Exported"}, lambda r: r["name"] == "Report Exported"),
        ("events", {"person": "cat"}, lambda r: r["user_id"] == "cat"),
        ("events", {"person": "anon-z"}, lambda r: r["name"] == "Signed Up"),
        ("events", {"person": "nobody"}, lambda r: False),
        (
            "events",
            {"event": "Report Exported", "since": "2026-11-02T00:00:00Z", "until": "2026-11-04T00:00:00Z"},
            lambda r: r["name"] == "Report Exported" and utc(2026, 11, 2) <= r["timestamp"] < utc(2026, 11, 4),
        ),
        ("responses", {"survey": "csat"}, lambda r: r["kind"] == "csat"),
        ("responses", {"person": "ann", "survey": "nps"}, lambda r: r["user_id"] == "ann" and r["kind"] == "nps"),
        ("responses", {"since": "2026-11-03T00:00:00Z"}, lambda r: r["created_at"] >= utc(2026, 11, 3)),
    ],
)
def test_filters(api, history, dataset, query, expected):
    query = {k: history.get(v, v) for k, v in query.items() if v is not None}
    everything = rows(export(api, dataset), "ndjson", dataset)
    wanted = [r for r in everything if expected(r)]
    assert rows(export(api, dataset, **query), "ndjson", dataset) == wanted
    assert wanted or query.get("person") == "nobody"


@pytest.mark.parametrize("fmt", FORMATS)
def test_pages_of_limit_rows_resumed_after_the_last_id_give_every_row_once(api, history, fmt):
    everything = rows(export(api, "events", fmt), fmt, "events")
    walked, after = [], 0
    while page := rows(export(api, "events", fmt, limit=4, after=after), fmt, "events"):
        assert len(page) <= 4
        walked += page
        after = page[-1]["id"]
    assert walked == everything


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_a_cut_transfer_resumes_after_the_last_complete_row(api, history, fmt):
    whole = export(api, "events", fmt)
    cut = whole[: len(whole) // 2]  # somewhere inside a row
    if fmt == "csv":  # the last record read may be cut short: drop it
        kept = [int(record[0]) for record in list(csv.reader(io.StringIO(cut.decode(errors="ignore"))))[1:-1]]
    else:  # a line is complete when its newline came
        kept = [orjson.loads(line)["id"] for line in cut.split(b"\n")[:-1]]
    rest = rows(export(api, "events", fmt, after=kept[-1]), fmt, "events")
    everything = rows(whole, fmt, "events")
    assert kept + [r["id"] for r in rest] == [r["id"] for r in everything]
    assert rest == everything[len(kept) :]


def test_another_projects_key_exports_nothing_of_this_project(client, history, other_project):
    other = AdminApi(client, other_project.secret_key, "export")
    assert export(other, "events", "csv").decode().splitlines() == [",".join(c.name for c in EVENT_COLUMNS)]
    assert export(other, "events", "ndjson", person="ann") == b""
    assert pq.read_table(io.BytesIO(export(other, "responses", "parquet", survey=history["nps"]))).num_rows == 0
    assert client.get("/api/v1/export/events").status_code == 401


@pytest.mark.parametrize(
    "dataset, query, field",
    [
        ("events", "format=xml", "format"),
        ("events", "since=yesterday", "since"),
        ("events", "since=2026-11-05T00:00:00Z&until=2026-11-01T00:00:00Z", "until"),
        ("events", "after=-1", "after"),
        ("events", "limit=0", "limit"),
        ("events", "limit=ten", "limit"),
        ("events", "survey=1", "survey"),  # a filter of the other dataset is refused, not ignored
        ("responses", "event=x", "event"),
        ("responses", "survey=abc", "survey"),
        ("events", "evnt=Signed+Up", "evnt"),
    ],
)
def test_bad_arguments_get_422_naming_the_argument(api, dataset, query, field):
    response = api.get(f"/{dataset}?{query}")
    assert response.status_code == 422
    body = response.get_json()
    assert (body["code"], body["status"]) == ("validation_error", 422) and field in body["errors"]


def test_a_database_that_fails_at_once_answers_503_not_a_cut_file(api, monkeypatch):
    from gapwise.core.exports import stream as service

    def unavailable(*args, **kwargs):
        raise OperationalError("SELECT …", {}, Exception("the server closed the connection"))
        yield

    monkeypatch.setattr(service, "chunks", unavailable)
    response = api.get("/events?format=parquet")
    assert response.status_code == 503 and response.get_json()["code"] == "storage_unavailable"


def test_headers_name_the_file_and_its_type(api):
    response = api.get("/responses?format=parquet")
    assert response.headers["Content-Type"] == "application/vnd.apache.parquet"
    assert response.headers["Content-Disposition"] == 'attachment; filename="gapwise-responses.parquet"'
    assert api.get("/events").headers["Content-Type"] == "text/csv; charset=utf-8"


def test_the_cli_writes_the_same_file_atomically(api, gapwise, history, project, tmp_path):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "events.parquet"
    result = gapwise(
        "export", "events", "--project", project.id, "--format", "parquet", "--out", out, "--event", "Report Exported"
    )
    assert result.exit_code == 0, result.output
    assert "5 events written to" in result.output
    assert (
        pq.read_table(out).to_pylist()
        == pq.read_table(io.BytesIO(export(api, "events", "parquet", event="Report Exported"))).to_pylist()
    )
    assert [p.name for p in out.parent.iterdir()] == ["events.parquet"]


def test_a_failed_cli_export_leaves_the_previous_file_alone(gapwise, history, project, tmp_path, monkeypatch):
    from gapwise.cli import export as cli_export

    def failing(*args, **kwargs):
        yield b"id,"
        raise RuntimeError("the database went away")

    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "events.csv"
    out.write_text("yesterday's export")
    monkeypatch.setattr(cli_export.export, "stream", failing)
    assert gapwise("export", "events", "--project", project.id, "--out", out).exit_code != 0
    assert out.read_text() == "yesterday's export" and [p.name for p in out.parent.iterdir()] == ["events.csv"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["events", "--project", "1", "--out", "x.csv", "--since", "soon"], "since: Not an ISO 8601 timestamp."),
        (["responses", "--project", "1", "--out", "x.csv", "--format", "xls"], "'xls' is not one of"),
        (["responses", "--project", "999", "--out", "x.csv"], "no project with id 999"),
    ],
)
def test_cli_bad_arguments_are_one_clear_line(gapwise, args, message, project):
    result = gapwise("export", *args)
    assert result.exit_code == 2 and message in result.output


def test_the_analyst_example_reproduces_the_nps_by_stage_of_the_scores_api(client, api, history, project, tmp_path):
    by_stage = AdminApi(client, project.secret_key, "scores").get().get_json()["byStage"]
    assert by_stage["trial"]["nps"]["n"] == 2 and by_stage["aha"]["nps"]["n"] == 3
    for fmt in ("parquet", "csv"):
        path = tmp_path / f"responses.{fmt}"
        path.write_bytes(export(api, "responses", fmt))
        done = subprocess.run(
            [sys.executable, str(ROOT / "examples" / "analyst.py"), str(path), "--json"], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {stage: s["nps"] for stage, s in by_stage.items()}


def test_memory_does_not_grow_with_the_rows_exported(app, api, batches):
    """Peak traced memory (Python objects) of a 100k-row export stays within 3× that of a 10k-row one."""
    batches.post([message("identify", userId="bulk")])
    with app.app_context():
        person = db.session.scalar(select(Person.id).where(Person.user_id == "bulk"))
        project_id = db.session.scalar(select(Person.project_id).where(Person.id == person))
        at = utc(2026, 11, 23)
        db.session.execute(
            insert(Event.__table__),
            [
                {
                    "project_id": project_id,
                    "message_id": f"bulk-{i}",
                    "person_id": person,
                    "type": "track",
                    "name": "Bulk",
                    "properties": {"i": i, "format": "pdf"},
                    "context": {"locale": "en-GB"},
                    "timestamp": at,
                    "received_at": at,
                }
                for i in range(100_000)
            ],
        )
        db.session.commit()
    for fmt in FORMATS:
        small, large = (_peak(api, fmt, limit) for limit in (10_000, 100_000))
        assert large < 3 * small, (fmt, small, large)


def _peak(api, fmt: str, limit: int) -> int:
    tracemalloc.start()
    try:
        response = api.get(f"/events?format={fmt}&limit={limit}", buffered=False)
        size = sum(len(chunk) for chunk in response.response)
        response.close()
        assert size > limit
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_parquet_without_pyarrow_is_a_clear_422_and_csv_still_works(api, monkeypatch):
    """pyarrow is the optional `parquet` extra: a server without it says so before sending anything."""
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.delitem(sys.modules, "gapwise.core.exports.parquet", raising=False)
    answer = api.get("/events?format=parquet")
    assert answer.status_code == 422
    assert "pip install 'gapwise[parquet]'" in answer.get_json()["message"]
    assert api.get("/events?format=csv").status_code == 200


HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def test_csv_cells_a_spreadsheet_would_run_are_neutralised_and_a_bare_cr_stays_inside_its_field(
    api, batches, project, gapwise, tmp_path
):
    """Anyone with the public write key chooses these cells; a PM opens the export in a spreadsheet."""
    sent = [message(event=cell, anonymousId=f"a{n}", properties={"note": cell}) for n, cell in enumerate(HOSTILE)]
    sent.append(message(event="plain\rrow", anonymousId="a-plain", userId="split\rhere"))
    assert batches.post(sent).get_json()["accepted"] == len(sent)
    out = tmp_path / "events.csv"
    assert gapwise("export", "events", "--project", project.id, "--format", "csv", "--out", out).exit_code == 0
    for data in (export(api, "events", "csv"), out.read_bytes()):
        table = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
        assert len(table) == len(sent)  # no row split by a CR
        names = sorted(r["name"] for r in table if r["name"] != "plain\rrow")
        assert names == sorted("'" + cell for cell in HOSTILE)
        assert all(not r["name"].startswith(("=", "+", "-", "@", "\t", "\r")) for r in table)
        assert [r["user_id"] for r in table if r["name"] == "plain\rrow"] == ["split\rhere"]
    raw = [orjson.loads(line) for line in export(api, "events", "ndjson").splitlines()]
    assert sorted(r["name"] for r in raw if r["name"] != "plain\rrow") == sorted(
        HOSTILE
    )  # programs get the data as sent
