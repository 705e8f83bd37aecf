"""Gapwise server: create_app() builds the Flask app."""
import os

from flask import Flask

from .body import refuse_nul_in_query
from .config import Config
from .db import db
from .errors import register_error_handlers
from .jsonio import OrjsonProvider
from .ratelimit import init_rate_limits
from .requestlog import init_request_log
from .ui import init_ui


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then GAPWISE_* environment variables, then the given overrides."""
    app = Flask(__name__, instance_relative_config=True)
    app.json = OrjsonProvider(app)
    app.config.from_object(Config)
    app.config.from_prefixed_env("GAPWISE")
    app.config.update(config or {})
    if not app.config["DATABASE_URL"]:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{os.path.join(app.instance_path, 'gapwise.db')}"

    db.init_app(app)
    init_ui(app)
    register_error_handlers(app)
    init_request_log(app)
    init_rate_limits(app)
    app.before_request(refuse_nul_in_query)
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from .blueprints import (accounts, api, config, docs, export, features, gaps, health, ingest, journey, keys, people,
                             responses, scores, sdk, segments, surveys, webhooks)

    app.register_blueprint(ingest.bp, url_prefix="/v1")
    app.register_blueprint(config.bp, url_prefix="/v1")
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(features.bp, url_prefix="/api/v1/features")
    app.register_blueprint(segments.bp, url_prefix="/api/v1/segments")
    app.register_blueprint(surveys.bp, url_prefix="/api/v1/surveys")
    app.register_blueprint(journey.bp, url_prefix="/api/v1")
    app.register_blueprint(gaps.bp, url_prefix="/api/v1")
    app.register_blueprint(scores.bp, url_prefix="/api/v1/scores")
    app.register_blueprint(people.bp, url_prefix="/api/v1/people")
    app.register_blueprint(accounts.bp, url_prefix="/api/v1/accounts")
    app.register_blueprint(responses.bp, url_prefix="/api/v1/responses")
    app.register_blueprint(keys.bp, url_prefix="/api/v1/keys")
    app.register_blueprint(export.bp, url_prefix="/api/v1/export")
    app.register_blueprint(webhooks.bp, url_prefix="/api/v1/webhooks")
    app.register_blueprint(docs.bp, url_prefix="/api/v1")
    from .blueprints import ui_auth, ui_config, ui_overview, ui_surveys

    for ui in (ui_auth, ui_overview, ui_surveys, ui_config):
        app.register_blueprint(ui.bp, url_prefix="/app")
    app.register_blueprint(sdk.bp)
    app.register_blueprint(health.bp)
    if app.config["SERVE_EXAMPLE"]:
        from .blueprints import example

        app.register_blueprint(example.bp)
