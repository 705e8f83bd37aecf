"""Settings Gapwise refuses to run with: wrong values at start, and the development secret key when served."""

from ..config import DEV_SECRET_KEY, SettingsError
from .logs import LOG_FORMATS

MAX_PROXY_HOPS = 10


def check_settings(config) -> None:
    """Values every app needs right (create_app checks them before it uses them)."""
    if config.get("LOG_FORMAT") not in LOG_FORMATS:
        raise SettingsError(f"GAPWISE_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
    hops = config.get("TRUSTED_PROXIES")
    if not isinstance(hops, int) or isinstance(hops, bool) or not 0 <= hops <= MAX_PROXY_HOPS:
        raise SettingsError(f"GAPWISE_TRUSTED_PROXIES must be a number of proxy hops from 0 to {MAX_PROXY_HOPS}")


def check_serving_settings(config) -> None:
    """Refuse the development secret key when serving: anyone could forge dashboard sessions with it."""
    key = config.get("SECRET_KEY")
    if not key or key == DEV_SECRET_KEY:
        raise SettingsError(
            "GAPWISE_SECRET_KEY is the built-in development key: set it to a long random value, for example "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'` (make demo makes one for the demo)"
        )
    for name, low, high in _SERVING_RANGES:
        value = config.get(name)
        if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
            raise SettingsError(f"GAPWISE_{name} must be a number from {low} to {high}")


# The serving settings (ops/serving.py) and the values each may take.
_SERVING_RANGES = (("SERVE_THREADS", 1, 256), ("SERVE_CONNECTIONS", 16, 100_000), ("SERVE_REQUEST_SECONDS", 1, 3600))
