"""who counts in the gap engine: when a person was first seen in the product, and robots by behaviour

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 15:30:00

People seen only on marketing pages, and robots, no longer count as the product's active people. A person
already stored counts as seen in the product from their first use of a tagged feature.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN on both databases: on SQLite a table rebuild would drop `people`, and
    # with it (by cascade) every event.
    op.add_column("people", sa.Column("product_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("people", sa.Column("robot", sa.Boolean(), nullable=False, server_default=sa.text("false")))
    op.execute(
        "UPDATE people SET product_at = (SELECT MIN(u.first_used_at) FROM feature_usage u "
        "WHERE u.person_id = people.id AND u.project_id = people.project_id)"
    )


def downgrade() -> None:
    op.drop_column("people", "robot")
    op.drop_column("people", "product_at")
