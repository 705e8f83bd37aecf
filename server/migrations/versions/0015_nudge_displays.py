"""what each assigned person did with a nudge: last shown, finished (dismissed or completed), checklist steps done

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 18:30:00

Ingest keeps these on the assignment, so GET /v1/config reads one row a nudge for a person instead of
searching their events, and a nudge display counts against the project cooldown like a survey display.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("nudge_assignments", sa.Column("shown_at", Timestamp, nullable=True))
    op.add_column("nudge_assignments", sa.Column("finished_at", Timestamp, nullable=True))
    op.add_column("nudge_assignments", sa.Column("steps", JSONDoc, nullable=True))


def downgrade() -> None:
    op.drop_column("nudge_assignments", "steps")
    op.drop_column("nudge_assignments", "finished_at")
    op.drop_column("nudge_assignments", "shown_at")
