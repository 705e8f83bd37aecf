"""Alembic environment: runs against the connection or URL given by gapwise.core.storage.migrate."""

from alembic import context
from sqlalchemy import text

from gapwise.core.storage.migrate import include_object
from gapwise.db import make_engine
from gapwise.models import Base

# An advisory lock key of its own ("gapwise migrate"), apart from the partition upkeep's.
MIGRATION_LOCK = 0x6761707769736531
config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None  # core.storage.migrate.alembic_config always sets it
    engine = make_engine(url, timeout_ms=600_000)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas that start together each run `gapwise db upgrade`: one migrates, the others wait
            # for it and then find nothing left to do. The lock is the session's, so it outlives commits.
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            connection.commit()
        try:
            _run(connection)
        finally:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                connection.commit()
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
