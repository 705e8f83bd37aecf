"""event_ids for idempotent ingest; events partitioned by month on PostgreSQL

A partitioned table can only hold unique indexes that include its partition key, and a retried
message carries a different corrected timestamp, so the unique (project_id, message_id) moves from
`events` to the narrow `event_ids`, which ingest writes first.

On PostgreSQL `events` becomes `PARTITION BY RANGE (timestamp)` with primary key (id, timestamp), a
partition per calendar month (UTC) that holds events, and a default partition. The months ahead are
made by core.storage.partitions, which `gapwise db upgrade` runs after migrating. SQLite keeps one table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 02:00:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Months older than this, or more than AHEAD months after the current one, stay in the default
# partition rather than each getting one of their own.
HISTORY_MONTHS = 120
AHEAD = 3
COLUMNS = "id, project_id, message_id, person_id, type, name, properties, context, timestamp, received_at"
OLD_INDEXES = (
    "pk_events",
    "uq_events_project_id_message_id",
    "ix_events_project_id_timestamp",
    "ix_events_person_id_timestamp",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL statement_timeout = 0")  # copying every event may take longer than 10 minutes
    op.create_table(
        "event_ids",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(100), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_event_ids_project_id_projects", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("project_id", "message_id", name="pk_event_ids"),
    )
    op.execute(
        "INSERT INTO event_ids (project_id, message_id, timestamp) SELECT project_id, message_id, timestamp FROM events"
    )
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("events") as batch:
            batch.drop_constraint("uq_events_project_id_message_id", type_="unique")
        return
    op.execute("ALTER TABLE events RENAME TO events_unpartitioned")
    for index in OLD_INDEXES:
        op.execute(f"ALTER INDEX {index} RENAME TO {index}_unpartitioned")
    op.execute("""
        CREATE TABLE events (
            id bigint NOT NULL DEFAULT nextval('events_id_seq'::regclass),
            project_id integer NOT NULL,
            message_id varchar(100) NOT NULL,
            person_id bigint NOT NULL,
            type varchar(16) NOT NULL,
            name varchar(200),
            properties jsonb NOT NULL,
            context jsonb,
            timestamp timestamptz NOT NULL,
            received_at timestamptz NOT NULL,
            CONSTRAINT pk_events PRIMARY KEY (id, timestamp),
            CONSTRAINT fk_events_project_id_projects FOREIGN KEY (project_id)
                REFERENCES projects (id) ON DELETE CASCADE,
            CONSTRAINT fk_events_person_id_people FOREIGN KEY (person_id)
                REFERENCES people (id) ON DELETE CASCADE
        ) PARTITION BY RANGE (timestamp)""")
    op.execute("ALTER SEQUENCE events_id_seq OWNED BY events.id")
    op.execute("CREATE INDEX ix_events_project_id_timestamp ON events (project_id, timestamp)")
    op.execute("CREATE INDEX ix_events_person_id_timestamp ON events (person_id, timestamp)")
    op.execute("CREATE TABLE events_default PARTITION OF events DEFAULT")
    for month in _months_holding_events():
        following = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
        op.execute(
            f"CREATE TABLE events_{month:%Y_%m} PARTITION OF events "
            f"FOR VALUES FROM ('{month.isoformat()}') TO ('{following.isoformat()}')"
        )
    op.execute(f"INSERT INTO events ({COLUMNS}) SELECT {COLUMNS} FROM events_unpartitioned")
    op.execute("DROP TABLE events_unpartitioned")


def _months_holding_events() -> list[datetime]:
    now = datetime.now(UTC)
    current = now.year * 12 + now.month - 1
    since = datetime((current - HISTORY_MONTHS) // 12, (current - HISTORY_MONTHS) % 12 + 1, 1, tzinfo=UTC)
    until = datetime((current + AHEAD + 1) // 12, (current + AHEAD + 1) % 12 + 1, 1, tzinfo=UTC)
    rows = op.get_bind().execute(
        sa.text(
            "SELECT DISTINCT date_trunc('month', timestamp AT TIME ZONE 'UTC') FROM events_unpartitioned "
            "WHERE timestamp >= :since AND timestamp < :until"
        ),
        {"since": since, "until": until},
    )
    return sorted(m.replace(tzinfo=UTC) for (m,) in rows)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL statement_timeout = 0")
        op.execute("ALTER TABLE events RENAME TO events_partitioned")
        for index in ("pk_events", "ix_events_project_id_timestamp", "ix_events_person_id_timestamp"):
            op.execute(f"ALTER INDEX {index} RENAME TO {index}_partitioned")
        op.execute("CREATE TABLE events (LIKE events_partitioned INCLUDING DEFAULTS)")
        op.execute("ALTER SEQUENCE events_id_seq OWNED BY events.id")
        op.execute(f"INSERT INTO events ({COLUMNS}) SELECT {COLUMNS} FROM events_partitioned")
        op.execute("DROP TABLE events_partitioned")
        op.create_primary_key("pk_events", "events", ["id"])
        op.create_foreign_key(
            "fk_events_project_id_projects", "events", "projects", ["project_id"], ["id"], ondelete="CASCADE"
        )
        op.create_foreign_key(
            "fk_events_person_id_people", "events", "people", ["person_id"], ["id"], ondelete="CASCADE"
        )
        op.create_index("ix_events_project_id_timestamp", "events", ["project_id", "timestamp"])
        op.create_index("ix_events_person_id_timestamp", "events", ["person_id", "timestamp"])
        op.create_unique_constraint("uq_events_project_id_message_id", "events", ["project_id", "message_id"])
    else:
        with op.batch_alter_table("events") as batch:
            batch.create_unique_constraint("uq_events_project_id_message_id", ["project_id", "message_id"])
    op.drop_table("event_ids")
