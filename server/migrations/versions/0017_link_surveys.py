"""link surveys: a public id per survey for its hosted page, a link secret per project for signed identities

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 12:00:00

Every survey gets an unguessable public id (its page is /s/<public id>) and every project a link secret
(the key of the HMAC that signs `uid` in a link). The secret is held in the clear, as webhook secrets are:
the server must compute the same HMAC to check a signature.
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN on both databases: on SQLite a table rebuild would drop `surveys` and
    # `projects`, and with them (by cascade) their responses and events.
    op.add_column("surveys", sa.Column("public_id", sa.String(32), nullable=True))
    op.add_column("projects", sa.Column("link_secret", sa.String(64), nullable=True))
    conn = op.get_bind()
    surveys, projects = (
        sa.table("surveys", sa.column("id"), sa.column("public_id")),
        sa.table("projects", sa.column("id"), sa.column("link_secret")),
    )
    for (survey_id,) in conn.execute(sa.select(surveys.c.id)).all():
        conn.execute(surveys.update().where(surveys.c.id == survey_id).values(public_id=secrets.token_urlsafe(16)))
    for (project_id,) in conn.execute(sa.select(projects.c.id)).all():
        conn.execute(
            projects.update().where(projects.c.id == project_id).values(link_secret="lks_" + secrets.token_urlsafe(32))
        )
    op.create_index("ix_surveys_public_id", "surveys", ["public_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_surveys_public_id", table_name="surveys")
    op.drop_column("projects", "link_secret")
    op.drop_column("surveys", "public_id")
