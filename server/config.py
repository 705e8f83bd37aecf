"""Default settings; every one can be overridden by a GAPWISE_* environment variable."""


class Config:
    """Defaults for a single-machine install on SQLite."""

    # Filled in by create_app() with a SQLite file under the instance folder when unset.
    DATABASE_URL = None
    SECRET_KEY = "dev-only-change-me"
    REDIS_URL = None

    # Ingestion caps (the public contract of POST /v1/batch).
    MAX_BODY_BYTES = 512 * 1024
    MAX_MESSAGE_BYTES = 32 * 1024
    MAX_BATCH_MESSAGES = 500

    # Seconds a write key -> project lookup is cached in each process.
    KEY_CACHE_SECONDS = 5.0

    # Milliseconds a statement may wait (for SQLite's write lock, for PostgreSQL's locks or work)
    # before the request is answered 503 and the client retries.
    DB_TIMEOUT_MS = 10_000
