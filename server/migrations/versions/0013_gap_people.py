"""the people each gap touches, as its latest evaluation found them; the rules without enough data yet

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 16:00:00

A gap's "people" link lists exactly those failing its condition (low raters, non-finders, non-repeaters,
stalled people, respondents below their own expectation), stored when the gap is evaluated. A window also
keeps which rules had too few people to test, so "not enough data yet" reads apart from "no gap".
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "gap_people",
        sa.Column("gap_id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("person_ids", JSONDoc, nullable=False),
        sa.ForeignKeyConstraint(["gap_id"], ["gaps.id"], name=op.f("fk_gap_people_gap_id_gaps"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_gap_people_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("gap_id", name=op.f("pk_gap_people")),
    )
    op.create_index(op.f("ix_gap_people_project_id"), "gap_people", ["project_id"])
    op.add_column("gap_windows", sa.Column("not_enough_data", JSONDoc, nullable=True))


def downgrade() -> None:
    op.drop_column("gap_windows", "not_enough_data")
    op.drop_table("gap_people")
