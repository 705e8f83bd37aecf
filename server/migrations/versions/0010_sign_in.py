"""session versions of dashboard users; sign-in attempts shared by every process

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:00:00

A signed session cookie names the user and their session version; signing out raises the version, so
a cookie copied before sign-out no longer signs anyone in. Sign-in attempts are counted in the
database (when Redis is not configured), so every process and machine counts the same attempts.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bucket", sa.String(80), nullable=False),
        sa.Column("attempted_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_sign_in_attempts_bucket", "sign_in_attempts", ["bucket", "attempted_at"])
    op.create_index("ix_sign_in_attempts_attempted_at", "sign_in_attempts", ["attempted_at"])


def downgrade() -> None:
    op.drop_table("sign_in_attempts")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
