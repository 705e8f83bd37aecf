"""Logging: one JSON object per line for every logger (gunicorn's too) when GAPWISE_LOG_FORMAT=json."""

import logging
import sys

import orjson

LOG_FORMATS = ("text", "json")
# gunicorn sets up these loggers itself, before or after the app is built; they are re-formatted alike.
GUNICORN_LOGGERS = ("gunicorn.error", "gunicorn.access")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object; extra fields come from record.fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(log_format: str) -> None:
    """Send the root logger to stderr at INFO; in json format, every handler writes JSON lines."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"GAPWISE_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    root = logging.getLogger()
    if not root.handlers:
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(stderr)
        root.setLevel(logging.INFO)
    if log_format == "json":
        for logger in (root, *(logging.getLogger(name) for name in GUNICORN_LOGGERS)):
            for handler in logger.handlers:
                handler.setFormatter(JsonFormatter())


def gunicorn_logconfig(log_format: str) -> dict | None:
    """A logconfig_dict for gunicorn that writes its error log as JSON lines (None: gunicorn's own format)."""
    if log_format != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        "loggers": {name: {"handlers": ["stderr"], "level": "INFO", "propagate": False} for name in GUNICORN_LOGGERS},
        "root": {"handlers": ["stderr"], "level": "INFO"},
    }
