"""notifications: webhooks of kind slack or teams, a name, and filters on what they are sent

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 10:00:00

Every existing webhook becomes kind "webhook" without filters: it goes on receiving what it received.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(16), server_default="webhook", nullable=False))
        batch_op.add_column(sa.Column("name", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("filters", JSONDoc, server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.drop_column("filters")
        batch_op.drop_column("name")
        batch_op.drop_column("kind")
