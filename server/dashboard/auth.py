"""Dashboard sign-in and sign-out, and the list of the user's projects (/app)."""

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..core.projects import users
from ..core.projects.sign_in import SignInThrottle
from ..db import db
from .frame import render_page, ui_blueprint

bp = ui_blueprint("ui_auth")


@bp.get("/")
@login_required
def projects():
    mine = users.projects_of(db.session, current_user.id)
    if len(mine) == 1:
        return redirect(url_for("ui_overview.overview", project_id=mine[0][0].id))
    return render_page("ui/projects.html")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_page("ui/login.html", email="")
    email = request.form.get("email", "")[:254]
    password = request.form.get("password", "")[:1000]
    throttle, address = _throttle(), request.remote_addr or ""
    wait = throttle.attempt(db.session, email, address)
    if wait:
        page = render_page(
            "ui/login.html", email=email, error=f"Too many sign-in attempts. Try again in {wait} seconds."
        )
        return page, 429, {"Retry-After": str(wait)}
    user = users.authenticate(db.session, email, password)
    if user is None:
        return render_page("ui/login.html", email=email, error="Wrong email or password."), 401
    throttle.succeeded(db.session, email, address)
    # A new session: nothing from before sign-in carries over, the CSRF token included.
    session.clear()
    g.pop("csrf_token", None)
    login_user(user)
    target = request.args.get("next", "")
    # Only a path of this site: never an absolute URL someone slipped into the link, nor a control
    # character or backslash a browser or a header would read otherwise.
    if not target.startswith("/app/") or len(target) > 2000 or any(c < " " or c in "\\\x7f" for c in target):
        target = url_for("ui_auth.projects")
    return redirect(target)


@bp.post("/logout")
def logout():
    """Sign out everywhere: the user's session version is raised, so no copy of a cookie works any more."""
    if current_user.is_authenticated:
        users.end_sessions(db.session, current_user.id)
    logout_user()
    session.clear()
    flash("Signed out.")
    return redirect(url_for("ui_auth.login"))


def _throttle() -> SignInThrottle:
    """The app's sign-in throttle, counting in the rate limits' Redis when there is one."""
    extensions = current_app.extensions
    if "gapwise.sign_in" not in extensions:
        extensions["gapwise.sign_in"] = SignInThrottle(current_app.config, extensions["gapwise.ratelimit"].storage)
    return extensions["gapwise.sign_in"]
