"""What the snippet talks to: POST /v1/batch, GET /v1/config and the built browser files under /sdk/."""

from flask import Flask

from . import batch, config, sdk


def register(app: Flask) -> None:
    """Register the tracker's endpoints: /v1/batch and /v1/config, and /sdk/<file>."""
    app.register_blueprint(batch.bp, url_prefix="/v1")
    app.register_blueprint(config.bp, url_prefix="/v1")
    app.register_blueprint(sdk.bp)
