"""Dashboard sign-in and sign-out, and the list of the user's projects (/app)."""

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..core.projects import users
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
    throttle = current_app.extensions["gapwise.login_attempts"]
    wait = throttle.retry_after(f"ip:{request.remote_addr}", f"email:{users.normalise_email(email)}")
    if wait:
        page = render_page(
            "ui/login.html", email=email, error=f"Too many sign-in attempts. Try again in {wait} seconds."
        )
        return page, 429, {"Retry-After": str(wait)}
    user = users.authenticate(db.session, email, password)
    if user is None:
        return render_page("ui/login.html", email=email, error="Wrong email or password."), 401
    throttle.forget(f"email:{users.normalise_email(email)}")
    login_user(user)
    target = request.args.get("next", "")
    # Only a path of this site: never an absolute URL someone slipped into the link, nor a control
    # character or backslash a browser or a header would read otherwise.
    if not target.startswith("/app/") or len(target) > 2000 or any(c < " " or c in "\\\x7f" for c in target):
        target = url_for("ui_auth.projects")
    return redirect(target)


@bp.post("/logout")
def logout():
    logout_user()
    flash("Signed out.")
    return redirect(url_for("ui_auth.login"))
