"""nudges and their assignments

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 16:30:00

A nudge is an in-app message aimed at a gap's people (or a segment or stage); each eligible person is
assigned once to treatment or holdout, and the assignment is kept whether or not the nudge was shown.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "nudges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("gap_id", BigId, nullable=True),
        sa.Column("target", JSONDoc, nullable=False),
        sa.Column("content", JSONDoc, nullable=False),
        sa.Column("appearance", JSONDoc, nullable=False),
        sa.Column("holdout", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("metric", JSONDoc, nullable=False),
        sa.Column("min_effect", sa.Float(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("started_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(["gap_id"], ["gaps.id"], name=op.f("fk_nudges_gap_id_gaps"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_nudges_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudges")),
    )
    op.create_index(op.f("ix_nudges_project_id"), "nudges", ["project_id"])
    op.create_table(
        "nudge_assignments",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("nudge_id", sa.Integer(), nullable=False),
        sa.Column("person_id", BigId, nullable=False),
        sa.Column("arm", sa.String(16), nullable=False),
        sa.Column("assigned_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["nudge_id"], ["nudges.id"], name=op.f("fk_nudge_assignments_nudge_id_nudges"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_nudge_assignments_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_nudge_assignments_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge_assignments")),
        sa.UniqueConstraint("nudge_id", "person_id", name=op.f("uq_nudge_assignments_nudge_id_person_id")),
    )
    op.create_index("ix_nudge_assignments_person_id", "nudge_assignments", ["person_id"])


def downgrade() -> None:
    op.drop_table("nudge_assignments")
    op.drop_table("nudges")
