"""Schema migrations (Alembic), run by `gapwise db upgrade` and by the tests."""

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"  # gapwise/migrations


def alembic_config(url: str) -> AlembicConfig:
    """An Alembic config pointing at the packaged migrations and the given database."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> list:
    """Migrate the database at `url` to `revision`, then make the monthly partitions of events that are
    due (PostgreSQL); return the partitions made."""
    command.upgrade(alembic_config(url), revision)
    from sqlalchemy.orm import Session

    from ...db import make_engine
    from . import partitions

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return partitions.ensure(session, datetime.now(UTC))
    finally:
        engine.dispose()


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave the monthly partitions of events out of model comparisons: the models describe the parent."""
    from . import partitions

    return not (type_ == "table" and reflected and compare_to is None and partitions.is_partition_name(name or ""))


def revision(url: str, message: str) -> None:
    """Write a new migration from the difference between the models and the database (developers only)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)


def is_current(url: str) -> bool:
    """Whether the database at `url` is migrated to the latest revision."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from ...db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_heads()
    finally:
        engine.dispose()
    return set(current) == set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def downgrade(url: str, revision: str) -> None:
    """Migrate the database at `url` down to `revision` ("base" removes every table)."""
    command.downgrade(alembic_config(url), revision)
