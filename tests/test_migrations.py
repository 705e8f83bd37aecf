"""Migrations build, on an empty database of each kind, exactly the schema the models describe."""

import os
import subprocess
import sys
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from gapwise.core.storage import migrate
from gapwise.db import make_engine
from gapwise.models import Base
from tests.helpers import BACKENDS, PG_URL


@pytest.fixture
def empty_database(backend, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"gapwise_migrations_{uuid.uuid4().hex[:8]}"
    # CREATE and DROP DATABASE wait for a checkpoint: on a busy machine that outlasts the usual 10 s limit.
    admin = make_engine(make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False), 120_000)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrating_an_empty_database_matches_the_models(empty_database):
    migrate.upgrade(empty_database)
    engine = make_engine(empty_database)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True, "include_object": migrate.include_object}
        )
        assert compare_metadata(context, Base.metadata) == []
        assert set(inspect(conn).get_table_names()) >= {t.name for t in Base.metadata.sorted_tables}
    engine.dispose()
    assert migrate.is_current(empty_database)


@pytest.mark.parametrize("backend", BACKENDS)
def test_downgrade_to_base_and_back_up(empty_database):
    migrate.upgrade(empty_database)
    migrate.downgrade(empty_database, "base")
    engine = make_engine(empty_database)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    assert not migrate.is_current(empty_database)
    migrate.upgrade(empty_database)
    assert migrate.is_current(empty_database)


def test_sqlite_runs_in_wal_mode(tmp_path):
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_events_stored_before_partitioning_are_kept_with_their_ids(empty_database, backend):
    """0006 → 0007 keeps every event and its id, fills event_ids, and on PostgreSQL gives each month
    with events its partition; the way back restores the plain table with its unique messageIds."""
    from datetime import UTC, datetime

    from sqlalchemy import column, insert, select, table
    from sqlalchemy.orm import Session

    from gapwise.core.storage import partitions
    from gapwise.db import UTCDateTime
    from gapwise.models import Event, EventId

    migrate.upgrade(empty_database, "0006")
    engine = make_engine(empty_database)
    stamps = [
        datetime(2024, 1, 15, tzinfo=UTC),
        datetime(2024, 3, 1, tzinfo=UTC),
        datetime(2012, 5, 1, tzinfo=UTC),
        datetime.now(UTC),
    ]
    with Session(engine) as session:
        # The projects table as 0006 made it (later revisions add columns the model names).
        old_projects = table(
            "projects",
            *(column(c) for c in ("id", "name", "write_key", "allowed_origins")),
            column("created_at", UTCDateTime()),
        )
        project_id = session.execute(
            insert(old_projects)
            .values(name="p", write_key="wk_" + uuid.uuid4().hex, allowed_origins="[]", created_at=stamps[3])
            .returning(old_projects.c.id)
        ).scalar_one()
        # The people table as 0006 made it: later columns are not there yet.
        old_people = table(
            "people",
            *(column(c) for c in ("id", "project_id", "traits", "stage")),
            *(column(c, UTCDateTime()) for c in ("first_seen", "last_seen")),
        )
        values = {"project_id": project_id, "traits": "{}", "stage": "trial"}
        person_id = session.execute(
            insert(old_people).values(**values, first_seen=stamps[2], last_seen=stamps[3]).returning(old_people.c.id)
        ).scalar_one()
        session.execute(
            insert(Event),
            [
                {
                    "project_id": project_id,
                    "message_id": f"m{i}",
                    "person_id": person_id,
                    "type": "track",
                    "name": "e",
                    "properties": {"i": i},
                    "timestamp": ts,
                    "received_at": stamps[3],
                }
                for i, ts in enumerate(stamps)
            ],
        )
        session.commit()
        before = session.execute(select(Event.id, Event.message_id, Event.timestamp).order_by(Event.id)).all()
    made = migrate.upgrade(empty_database)
    with engine.connect() as conn:
        assert conn.execute(select(Event.id, Event.message_id, Event.timestamp).order_by(Event.id)).all() == before
        ids = conn.execute(select(EventId.message_id, EventId.timestamp).order_by(EventId.message_id)).all()
        assert ids == sorted((m, ts) for _, m, ts in before)
        if backend == "postgresql":
            where = dict(conn.execute(text("SELECT message_id, tableoid::regclass::text FROM events")).all())
            now = partitions.name_of(partitions.month_of(stamps[3]))
            assert where == {"m0": "events_2024_01", "m1": "events_2024_03", "m2": "events_default", "m3": now}
            assert [p.name for p in made] == [
                partitions.name_of(partitions.add_months(partitions.month_of(stamps[3]), n)) for n in (1, 2, 3)
            ]
            fresh = conn.execute(
                text(
                    "INSERT INTO events (project_id, message_id, person_id, type, properties, "
                    "timestamp, received_at) SELECT project_id, 'm9', person_id, type, properties, "
                    "timestamp, received_at FROM events WHERE message_id = 'm0' RETURNING id"
                )
            )
            assert fresh.scalar() == before[-1].id + 1  # the id sequence carried over
            conn.rollback()
    migrate.downgrade(empty_database, "0006")
    with engine.connect() as conn:
        assert conn.execute(select(Event.id, Event.message_id, Event.timestamp).order_by(Event.id)).all() == before
        assert "event_ids" not in inspect(conn).get_table_names()
        assert any(
            u["column_names"] == ["project_id", "message_id"] for u in inspect(conn).get_unique_constraints("events")
        )
    engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only: SQLite's own write lock already serialises migrations")
def test_replicas_migrating_at_once_take_turns(tmp_path):
    """Several processes starting together each run `gapwise db upgrade`; all succeed, the schema is made once."""
    name = f"gapwise_migrations_{uuid.uuid4().hex[:8]}"
    # CREATE and DROP DATABASE wait for a checkpoint: on a busy machine that outlasts the usual 10 s limit.
    admin = make_engine(make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False), 120_000)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        env = {**os.environ, "GAPWISE_DATABASE_URL": url}
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "gapwise", "db", "upgrade"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(3)
        ]
        outputs = [run.communicate(timeout=120)[0] for run in runs]
        assert [run.returncode for run in runs] == [0, 0, 0], outputs
        assert migrate.is_current(url)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
