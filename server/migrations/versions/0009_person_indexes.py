"""indexes on person_id of feature_usage, activity and person_goals

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00

Deleting people (a merge of an anonymous person into an identified one, an erasure) cascades to these
tables by person_id; without an index each deleted person scanned the whole table.
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_feature_usage_person_id", "feature_usage"),
    ("ix_activity_person_id", "activity"),
    ("ix_person_goals_person_id", "person_goals"),
)


def upgrade() -> None:
    for name, table in INDEXES:
        op.create_index(name, table, ["person_id"])


def downgrade() -> None:
    for name, table in INDEXES:
        op.drop_index(name, table_name=table)
