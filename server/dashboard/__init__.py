"""The dashboard under /app: sign-in, overview and gap report, people, surveys, configuration.

`frame` holds what every page shares (sign-in, CSRF, roles, security headers); each area is a
blueprint of its own, with its form models (`forms`) and presenters (`presenters`) beside it.
"""

from flask import Flask

from .. import formats
from . import auth, config, overview, surveys, team
from .presenters.survey_link import survey_link


def register(app: Flask) -> None:
    """Register every dashboard area under /app, and the filters every page writes figures with."""
    for area in (auth, overview, surveys, config, team):
        app.register_blueprint(area.bp, url_prefix="/app")
    app.jinja_env.filters.update(formats.FILTERS)
    app.jinja_env.globals["survey_link"] = survey_link
