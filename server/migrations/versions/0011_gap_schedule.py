"""when each project's gaps were last evaluated by the scheduler

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:30:00

Gap evaluation runs on a schedule in every server process; a process claims a project's pass by moving
its row on with a guarded UPDATE, so two processes never evaluate the same project in one period.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gap_schedule",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("day", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_gap_schedule_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_gap_schedule")),
    )


def downgrade() -> None:
    op.drop_table("gap_schedule")
