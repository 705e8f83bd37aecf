"""What every dashboard page shares: sign-in, CSRF, roles per project, security headers, the page frame.

Dashboard blueprints call `ui_blueprint(name)`, which gives a Blueprint that checks CSRF on every
unsafe request and sets the security headers; views take their project with `@project_page(role)`:

    bp = ui_blueprint("ui_surveys")

    @bp.get("/p/<int:project_id>/surveys")
    @project_page("viewer")
    def surveys(project_id): ...        # g.project, g.role are set; render with render_page(...)

A project the user is not a member of is 404 (its existence is not revealed); a role too low is 403.
Templates extend `ui/base.html`; user text is always rendered escaped (Jinja autoescape), never |safe.
"""

import secrets
from functools import wraps

from flask import Blueprint, Flask, abort, current_app, g, render_template, request, session
from flask_login import LoginManager, current_user, login_required
from flask_wtf.csrf import CSRFProtect

from ..core.projects import users
from ..db import db
from ..models import Project

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "ui_auth.login"
login_manager.login_message = "Sign in to see this page."


def init_ui(app: Flask) -> None:
    """Sign-in and CSRF for the dashboard (the APIs authenticate with keys and are not touched)."""
    csrf.init_app(app)
    # Registered before Flask-Login's, so it runs after it (after_request runs in reverse order).
    app.after_request(_untouched_session_outside_dashboard)
    login_manager.init_app(app)


def _untouched_session_outside_dashboard(response):
    """Flask-Login looks at the session after every request, which would add `Vary: Cookie` to the tracker,
    /v1/config and API answers and spoil their caching; only dashboard pages depend on the session."""
    if not request.path.startswith("/app") and not session.modified:
        session.accessed = False
    return response


@login_manager.user_loader
def _load_user(user_id: str):
    # The cookie's id carries the user's session version: a session ended by signing out no longer loads.
    return users.session_user(db.session, user_id)


def ui_blueprint(name: str) -> Blueprint:
    """A dashboard blueprint: CSRF checked on unsafe methods, a CSP nonce per request, security headers."""
    bp = Blueprint(name, __name__, template_folder="templates")
    bp.before_request(_before)
    bp.after_request(_security_headers)
    return bp


def _before():
    g.csp_nonce = secrets.token_urlsafe(16)
    # Forms are small: a body past the admin cap is refused (413) before anything reads it.
    request.max_content_length = current_app.config["ADMIN_MAX_BODY_BYTES"]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def _security_headers(response):
    nonce = g.get("csp_nonce", "")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; "
        f"style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def project_page(role: str = "viewer"):
    """Let a view run only for signed-in members of the URL's project with at least `role`."""

    def wrap(view):
        @wraps(view)
        @login_required
        def guarded(*args, project_id: int, **kwargs):
            have = users.role_in(db.session, current_user.id, project_id)
            if have is None:
                abort(404)
            if not users.at_least(have, role):
                abort(403)
            g.project, g.role = db.session.get(Project, project_id), have
            return view(*args, project_id=project_id, **kwargs)

        return guarded

    return wrap


def can(role: str) -> bool:
    """Whether the signed-in user may do what needs `role` in the current project (for templates)."""
    return users.at_least(g.get("role"), role)


def render_page(template: str, **context) -> str:
    """Render a dashboard page with what the frame needs (project, role, nonce, the user's projects)."""
    projects = users.projects_of(db.session, current_user.id) if current_user.is_authenticated else []
    return render_template(
        template,
        project=g.get("project"),
        role=g.get("role"),
        can=can,
        csp_nonce=g.get("csp_nonce"),
        my_projects=projects,
        **context,
    )
