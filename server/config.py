"""Every setting and its default, in one place; each can be overridden by a GAPWISE_* environment variable.

`create_app()` reads these defaults, then `GAPWISE_<NAME>` from the environment (values that parse as
JSON are taken as JSON: numbers, `true`/`false`, lists), then the mapping it is given. The README's
configuration reference lists the same names; tests/test_config.py keeps the two in step.
"""


class SettingsError(ValueError):
    """A setting's value cannot work (or is unsafe to serve with); the message names what to set."""


# The secret key a checkout starts with: `gapwise serve` refuses it (see ops.production).
DEV_SECRET_KEY = "dev-only-change-me"


class Config:
    """Defaults for a single-machine install on SQLite."""

    # Storage. Unset: a SQLite file under the instance folder (create_app fills it in).
    DATABASE_URL: str | None = None
    # Milliseconds a statement may wait (for SQLite's write lock, for PostgreSQL's locks or work)
    # before the request is answered 503 and the client retries.
    DB_TIMEOUT_MS = 10_000
    # Optional Redis, shared by every process for rate limits (needs the `redis` extra).
    REDIS_URL: str | None = None

    # Signs dashboard sessions and CSRF tokens. `gapwise serve` refuses the development default.
    SECRET_KEY = DEV_SECRET_KEY
    # Addresses of the load balancers or proxies in front of Gapwise, as a number of hops to trust in
    # X-Forwarded-For/-Proto/-Host (werkzeug's ProxyFix); 0 trusts no header.
    TRUSTED_PROXIES = 0
    # "text" (the default) or "json": one JSON object per log line, for every logger (gunicorn's too).
    LOG_FORMAT = "text"
    # GET /metrics (Prometheus): answered only with `Authorization: Bearer <METRICS_TOKEN>`; unset: 404.
    METRICS_TOKEN: str | None = None
    # Each `gapwise serve` worker process reads every connection without blocking and hands whole
    # requests to SERVE_THREADS threads; it holds at most SERVE_CONNECTIONS connections, and closes one
    # that has not sent a whole request within SERVE_REQUEST_SECONDS of its first byte (or stays idle).
    SERVE_THREADS = 4
    SERVE_CONNECTIONS = 1000
    SERVE_REQUEST_SECONDS = 30
    # Serve the example app of examples/app at /example/ (make demo turns it on).
    SERVE_EXAMPLE = False

    # Dashboard sessions: signed cookies, HTTP-only, same-site; Secure unless turned off for plain-HTTP
    # local use (make demo serves http://127.0.0.1).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # CSRF is checked by the dashboard's blueprints only (the APIs authenticate with keys); tokens live as
    # long as the session.
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT: int | None = None
    # Sign-in attempts allowed per email from one address, and per address over all emails, within a
    # sliding LOGIN_WINDOW_SECONDS (counted in Redis when set, else in the database).
    LOGIN_ATTEMPTS = 10
    LOGIN_ATTEMPTS_PER_ADDRESS = 100
    LOGIN_WINDOW_SECONDS = 300

    # Ingestion caps (the public contract of POST /v1/batch).
    MAX_BODY_BYTES = 512 * 1024
    MAX_MESSAGE_BYTES = 32 * 1024
    MAX_BATCH_MESSAGES = 500
    # The ingest log capture appends to and the writer stores from: "sql" (a table in the database above)
    # or "nats://host:4222[,nats://host2:4222,…]" (a NATS JetStream cluster; needs the `nats` extra).
    INGEST_LOG = "sql"
    # The JetStream stream and durable consumer of the `nats` log, and how many servers hold each message.
    INGEST_NATS_STREAM = "GAPWISE_INGEST"
    INGEST_NATS_REPLICAS = 3
    # Seconds capture waits for JetStream to acknowledge a record before answering 503.
    INGEST_NATS_TIMEOUT_SECONDS = 5.0
    # Writer: a thread of each `gapwise serve` worker stores what the log holds (false: run `gapwise worker`).
    INGEST_WRITER = True
    # Messages one writer transaction takes at most, and milliseconds it waits when the log is empty.
    INGEST_CHUNK_MESSAGES = 5000
    INGEST_WRITER_POLL_MS = 100
    # Days the tombstones of an erased person (digests of their ids) refuse a replay of their old batches.
    ERASURE_TOMBSTONE_DAYS = 90
    # Body cap of the admin API and the dashboard's forms.
    ADMIN_MAX_BODY_BYTES = 256 * 1024

    # Rate limits. Per write key, for POST /v1/batch and GET /v1/config each: every visitor of a site
    # shares the key, so this is about 200 batches a second per project. "off" turns a limit off.
    RATE_LIMIT_INGEST = "12000/minute"
    # Per secret key, for everything under /api/v1: stops a runaway script, not a busy integration.
    RATE_LIMIT_API = "6000/minute"
    # Per client address and survey, for a survey link's page and its answers (GET and POST of /s/<id>): a person
    # answering takes a handful; this stops one address from stuffing a survey.
    RATE_LIMIT_LINK = "60/minute"
    RATE_LIMIT_STRATEGY = "fixed-window"
    # Key prefix in Redis, so several installs (or test runs) can share one server.
    RATE_LIMIT_PREFIX = "gapwise-rl"

    # Seconds a write key -> project lookup is cached in each process.
    KEY_CACHE_SECONDS = 5.0
    # Seconds a project's /v1/config document is cached in each process.
    CONFIG_CACHE_SECONDS = 10.0

    # Gap evaluation: a thread of each `gapwise serve` worker (and `gapwise worker`) measures every project's
    # current window this often, and each window once more right after it ends; the processes take turns.
    GAP_SCHEDULER = True
    GAP_EVALUATION_MINUTES = 60

    # Webhooks: a thread of each `gapwise serve` worker delivers them (false: run `gapwise webhooks deliver`).
    WEBHOOK_WORKER = True
    # Seconds between the attempts of one delivery; after the last, it is given up.
    WEBHOOK_RETRY_DELAYS = (5, 30, 120, 600, 1800, 3600, 7200, 18000, 36000, 50400, 72000, 86400)
    # Attempts in all (unset: one more than the delays).
    WEBHOOK_MAX_ATTEMPTS: int | None = None
    # Each delay is drawn within ±this share of itself.
    WEBHOOK_RETRY_JITTER = 0.2
    # Seconds one delivery may take in all: resolving, connecting, sending and reading the answer.
    WEBHOOK_TIMEOUT_SECONDS = 10.0
    # Webhooks only go to public addresses; these networks (CIDRs, a JSON list or comma-separated) are
    # allowed too, for receivers on the operator's own network: e.g. 10.1.2.0/24,fd00:1::/64.
    WEBHOOK_ALLOWED_PRIVATE_NETWORKS: tuple[str, ...] = ()
    # Seconds the delivery loop sleeps when nothing is due.
    WEBHOOK_POLL_SECONDS = 2.0
    # The address people open the dashboard at (https://gapwise.example.com): Slack and Teams notifications
    # link to responses and gaps under it. Unset: they carry no links.
    PUBLIC_URL: str | None = None
