"""Gapwise: create_app() builds the Flask app."""

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Config
from .dashboard.frame import init_ui
from .db import db
from .errors import register_error_handlers
from .http.jsonio import OrjsonProvider
from .http.ratelimit import init_rate_limits
from .http.text import refuse_unstorable_input
from .ops.logs import configure_logging
from .ops.production import check_settings
from .ops.requestlog import init_request_log
from .version import __version__

__all__ = ["__version__", "create_app"]


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then GAPWISE_* environment variables, then the given overrides."""
    app = Flask(
        __name__, instance_relative_config=True, static_folder="dashboard/static", template_folder="dashboard/templates"
    )
    app.json = OrjsonProvider(app)
    app.config.from_object(Config)
    app.config.from_prefixed_env("GAPWISE")
    app.config.update(config or {})
    if not app.config["DATABASE_URL"]:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{os.path.join(app.instance_path, 'gapwise.db')}"

    check_settings(app.config)
    configure_logging(app.config["LOG_FORMAT"])
    if app.config["TRUSTED_PROXIES"]:
        # Behind N proxies, the client's address, scheme and host are what the Nth from the right says:
        # rate limits and the sign-in throttle count the real client, not the load balancer.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    init_ui(app)
    register_error_handlers(app)
    init_request_log(app)
    init_rate_limits(app)
    app.before_request(refuse_unstorable_input)
    app.after_request(_version_header)
    _register_blueprints(app)
    # Imported here, not at the top: prometheus_client reads PROMETHEUS_MULTIPROC_DIR when first imported,
    # and `gapwise serve` sets it just before it builds the app.
    from .ops.metrics import init_metrics

    init_metrics(app)
    return app


def _version_header(response):
    response.headers["X-Gapwise-Version"] = __version__
    return response


def _register_blueprints(app: Flask) -> None:
    from . import api, dashboard, links, tracker
    from .api import docs
    from .ops import health

    tracker.register(app)
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(docs.bp, url_prefix="/api/v1")
    dashboard.register(app)
    app.register_blueprint(links.bp)
    app.register_blueprint(health.bp)
    if app.config["SERVE_EXAMPLE"]:
        from .demo import example

        app.register_blueprint(example.bp)
