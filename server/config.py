"""Default settings; every one can be overridden by a GAPWISE_* environment variable."""


import os

# The checkout this package runs from: sdk_js/dist and widgets/dist hold the built browser files.
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Config:
    """Defaults for a single-machine install on SQLite."""

    # Filled in by create_app() with a SQLite file under the instance folder when unset.
    DATABASE_URL = None
    SECRET_KEY = "dev-only-change-me"
    BROWSER_DIST_ROOT = _ROOT
    # Serve the example app of examples/app at /example/ (make demo turns it on).
    SERVE_EXAMPLE = False
    REDIS_URL = None

    # Dashboard sessions: signed cookies, HTTP-only, same-site; Secure unless turned off for plain-HTTP
    # local use (make demo serves http://127.0.0.1).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # Sign-in attempts allowed per address and per email in LOGIN_WINDOW_SECONDS.
    LOGIN_ATTEMPTS = 10
    LOGIN_WINDOW_SECONDS = 300

    # Ingestion caps (the public contract of POST /v1/batch).
    MAX_BODY_BYTES = 512 * 1024
    MAX_MESSAGE_BYTES = 32 * 1024
    MAX_BATCH_MESSAGES = 500
    ADMIN_MAX_BODY_BYTES = 256 * 1024

    # Seconds a write key -> project lookup is cached in each process.
    KEY_CACHE_SECONDS = 5.0

    # Milliseconds a statement may wait (for SQLite's write lock, for PostgreSQL's locks or work)
    # before the request is answered 503 and the client retries.
    DB_TIMEOUT_MS = 10_000

    # Seconds a project's /v1/config document is cached in each process.
    CONFIG_CACHE_SECONDS = 10.0
