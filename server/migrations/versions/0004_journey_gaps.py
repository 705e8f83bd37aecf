"""journey and gaps

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 23:26:57.981157
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gaps",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("cohort", sa.String(length=100), nullable=False),
        sa.Column("feature_id", sa.Integer(), nullable=True),
        sa.Column("first_flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feature_id"], ["features.id"], name=op.f("fk_gaps_feature_id_features"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_gaps_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gaps")),
        sa.UniqueConstraint("project_id", "key", name=op.f("uq_gaps_project_id_key")),
    )
    with op.batch_alter_table("gaps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gaps_feature_id"), ["feature_id"], unique=False)

    op.create_table(
        "activity",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("person_id", BigId, nullable=False),
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_activity_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_activity_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("project_id", "person_id", "day", name=op.f("pk_activity")),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index("ix_activity_project_id_day", ["project_id", "day"], unique=False)

    op.create_table(
        "feature_usage",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("person_id", BigId, nullable=False),
        sa.Column("feature_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["feature_id"], ["features.id"], name=op.f("fk_feature_usage_feature_id_features"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_feature_usage_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_feature_usage_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("project_id", "person_id", "feature_id", "day", name=op.f("pk_feature_usage")),
    )
    with op.batch_alter_table("feature_usage", schema=None) as batch_op:
        batch_op.create_index("ix_feature_usage_project_id_day", ["project_id", "day"], unique=False)

    op.create_table(
        "gap_snapshots",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("gap_id", BigId, nullable=False),
        sa.Column("window_end", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("evidence", JSONDoc, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gap_id"], ["gaps.id"], name=op.f("fk_gap_snapshots_gap_id_gaps"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_gap_snapshots_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gap_snapshots")),
        sa.UniqueConstraint("gap_id", "window_end", name=op.f("uq_gap_snapshots_gap_id_window_end")),
    )
    with op.batch_alter_table("gap_snapshots", schema=None) as batch_op:
        batch_op.create_index("ix_gap_snapshots_project_id_window_end", ["project_id", "window_end"], unique=False)

    op.create_table(
        "gap_windows",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("window_end", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("window_days", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_gap_windows_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("project_id", "window_end", "window_days", name=op.f("pk_gap_windows")),
    )
    op.create_table(
        "person_goals",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("person_id", BigId, nullable=False),
        sa.Column("goal", sa.String(length=100), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_person_goals_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_person_goals_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("project_id", "person_id", "goal", name=op.f("pk_person_goals")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage", sa.String(length=16), server_default="trial", nullable=False))
        batch_op.add_column(sa.Column("aha_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_people_project_id_stage", ["project_id", "stage"], unique=False)

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("journey_rules", JSONDoc, server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("gap_thresholds", JSONDoc, server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("gap_thresholds")
        batch_op.drop_column("journey_rules")

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index("ix_people_project_id_stage")
        batch_op.drop_column("adopted_at")
        batch_op.drop_column("activated_at")
        batch_op.drop_column("aha_at")
        batch_op.drop_column("stage")

    op.drop_table("person_goals")
    op.drop_table("gap_windows")
    with op.batch_alter_table("gap_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_gap_snapshots_project_id_window_end")

    op.drop_table("gap_snapshots")
    with op.batch_alter_table("feature_usage", schema=None) as batch_op:
        batch_op.drop_index("ix_feature_usage_project_id_day")

    op.drop_table("feature_usage")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_project_id_day")

    op.drop_table("activity")
    with op.batch_alter_table("gaps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gaps_feature_id"))

    op.drop_table("gaps")
