"""Tagged features.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "features",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("selector", sa.String(500), nullable=True),
        sa.Column("event", sa.String(200), nullable=True),
        sa.Column("core", sa.Boolean(), nullable=False),
        sa.Column("aha", sa.Boolean(), nullable=False),
        sa.Column("promised", sa.Boolean(), nullable=False),
        sa.Column("goals", JSONDoc, nullable=False),
        sa.Column("effort", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_features_project_id_projects", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_features"),
        sa.UniqueConstraint("project_id", "key", name="uq_features_project_id_key"),
    )


def downgrade() -> None:
    op.drop_table("features")
