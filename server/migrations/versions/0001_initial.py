"""Projects, keys, people, accounts and events.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("write_key", sa.String(64), nullable=False),
        sa.Column("allowed_origins", JSONDoc, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        sa.UniqueConstraint("write_key", name="uq_projects_write_key"),
    )
    op.create_table(
        "secret_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_secret_keys_project_id_projects", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_secret_keys"),
        sa.UniqueConstraint("key_hash", name="uq_secret_keys_key_hash"),
    )
    op.create_index("ix_secret_keys_project_id", "secret_keys", ["project_id"])
    op.create_table(
        "accounts",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("plan", sa.String(100), nullable=True),
        sa.Column("tier", sa.String(100), nullable=True),
        sa.Column("mrr", sa.Numeric(14, 2), nullable=True),
        sa.Column("traits", JSONDoc, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_accounts_project_id_projects", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("project_id", "external_id", name="uq_accounts_project_id_external_id"),
    )
    op.create_table(
        "people",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=True),
        sa.Column("account_id", BigId, nullable=True),
        sa.Column("traits", JSONDoc, nullable=False),
        sa.Column("first_seen", Timestamp, nullable=False),
        sa.Column("last_seen", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_people_account_id_accounts", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_people_project_id_projects", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.UniqueConstraint("project_id", "user_id", name="uq_people_project_id_user_id"),
    )
    op.create_index("ix_people_account_id", "people", ["account_id"])
    op.create_table(
        "person_aliases",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("anonymous_id", sa.String(200), nullable=False),
        sa.Column("person_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_person_aliases_person_id_people", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_person_aliases_project_id_projects", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_person_aliases"),
        sa.UniqueConstraint("project_id", "anonymous_id", name="uq_person_aliases_project_id_anonymous_id"),
    )
    op.create_index("ix_person_aliases_person_id", "person_aliases", ["person_id"])
    op.create_table(
        "events",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(100), nullable=False),
        sa.Column("person_id", BigId, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("properties", JSONDoc, nullable=False),
        sa.Column("context", JSONDoc, nullable=True),
        sa.Column("timestamp", Timestamp, nullable=False),
        sa.Column("received_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_events_person_id_people", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_events_project_id_projects", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.UniqueConstraint("project_id", "message_id", name="uq_events_project_id_message_id"),
    )
    op.create_index("ix_events_project_id_timestamp", "events", ["project_id", "timestamp"])
    op.create_index("ix_events_person_id_timestamp", "events", ["person_id", "timestamp"])


def downgrade() -> None:
    for table in ("events", "person_aliases", "people", "accounts", "secret_keys", "projects"):
        op.drop_table(table)
