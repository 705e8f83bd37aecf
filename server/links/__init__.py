"""Survey links: /s/<public id>, a survey answered on a page of its own, outside the product (from an email, a
chat message, a QR code). No write key, no dashboard session: identity comes from a signed `uid` or stays
anonymous (core.surveys.links), and answers go through the tracker's ingest path (core.surveys.link_answers).

GET shows the page and never records anything: an email scanner that fetches every link records nothing. The
page's script records an answer the link carries (`?score=9`) with a POST as soon as it runs, and a
<noscript> form does the same with one press, for browsers without JavaScript.
"""

import gzip
import secrets

from flask import Blueprint, Response, current_app, g, render_template, request

from ..core.surveys import link_answers, links
from ..db import db
from ..errors import ApiError, BadRequest, Forbidden, error_body
from ..http.body import read_json_body
from ..http.ratelimit import limit_link
from .page import appearance_css, security_headers

bp = Blueprint("links", __name__, template_folder="templates")
bp.after_request(security_headers)

COOKIE = "gw_link"
COOKIE_DAYS = 365
MAX_BODY_BYTES = 16 * 1024
OPEN = "active"


@bp.before_request
def _nonce():
    g.csp_nonce = secrets.token_urlsafe(16)


@bp.get("/s/<public_id>")
def page(public_id):
    """The survey's page, in the reader's locale, with a token its answers must carry."""
    limit_link(public_id)
    link = _open(public_id)
    survey = link.survey
    user_id = links.signed_user(link, request.args.get("uid"), request.args.get("sig"))
    anonymous = links.anonymous_id(request.cookies.get(COOKIE), secrets.token_urlsafe(16))
    identity = links.Identity(user_id=user_id, anonymous_id=None if user_id else anonymous)
    if links.full(db.session, survey, identity):
        raise Full()
    locale = link_answers.locale_for(survey, request.args.get("lang"), list(request.accept_languages.values()))
    shown = link_answers.page_survey(survey, locale)
    prefill = link_answers.prefill(survey, request.args)
    response = _html(
        "links/page.html",
        200,
        survey=shown,
        name=survey.name,
        css=appearance_css(survey.appearance),
        token=links.issue_token(public_id, identity),
        prefill=prefill,
        first=survey.content["questions"][0],
    )
    if user_id is None:
        response.set_cookie(
            COOKIE,
            anonymous,
            max_age=COOKIE_DAYS * 86400,
            path="/s/",
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


@bp.post("/s/<public_id>")
def answer(public_id):
    """Record the page's step: {token, action: shown|answered, answers, completed} as JSON from the page's
    script, or the <noscript> form's prefilled answer; answers for another survey or without the page's token
    are refused."""
    limit_link(public_id)
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/") != request.host_url.rstrip("/"):
        raise Forbidden("Answers are taken only from the survey's own page.")
    form = request.mimetype == "application/x-www-form-urlencoded"
    request.max_content_length = MAX_BODY_BYTES
    body = _form_body() if form else read_json_body(MAX_BODY_BYTES)
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object with token, action and answers.")
    identity = links.read_token(body.get("token"), public_id)
    cookie = request.cookies.get(COOKIE)
    if identity.anonymous_id and cookie and cookie != identity.anonymous_id:
        raise links.PageExpired()
    survey = _open(public_id).survey
    if links.full(db.session, survey, identity):
        raise Full()
    # End the request's transaction (in a POST it holds SQLite's write lock) before capture appends to the log
    # on a connection of its own; the survey stays loaded.
    db.session.commit()
    action = body.get("action", "answered")
    if action not in link_answers.ACTIONS:
        raise BadRequest("action must be shown or answered.", errors={"action": ["Must be shown or answered."]})
    answers = link_answers.check_answers(survey, body.get("answers", {})) if action == "answered" else {}
    if action == "answered" and not answers:
        raise BadRequest("An answer is needed.", errors={"answers": ["Give at least one answer."]})
    completed = body.get("completed", False)
    if not isinstance(completed, bool):
        raise BadRequest("completed must be true or false.", errors={"completed": ["Must be true or false."]})
    locale = body.get("locale") if isinstance(body.get("locale"), str) else None
    locale = locale if locale and len(locale) <= 16 else None
    link_answers.record(survey, identity, action, answers, completed, locale, request.user_agent.string)
    if form:
        return _html("links/closed.html", 200, title="Thank you!", message="Your answer is recorded.")
    return {"recorded": True}


def _form_body() -> dict:
    """The <noscript> form: the token, and the prefilled answer as question id and text (a number is read as one)."""
    question, value = request.form.get("question", ""), request.form.get("value", "")
    parsed: int | str = int(value) if value.lstrip("-").isdigit() and len(value) < 4 else value
    return {"token": request.form.get("token"), "action": "answered", "answers": {question: parsed}}


def _open(public_id: str) -> links.LinkSurvey:
    """The survey, if it takes answers now; a draft, paused or archived one answers 410 Gone."""
    link = links.find(db.session, public_id)
    if link.survey.status != OPEN:
        raise Closed()
    return link


class Closed(ApiError):
    status_code, code, message = 410, "survey_closed", "This survey is closed: it no longer takes answers."


class Full(Closed):
    code, message = "survey_full", "This survey has all the answers it asked for: thank you all the same."


@bp.errorhandler(ApiError)
def _refused(error: ApiError):
    """Errors as a page for people (GET, the <noscript> form), in the one JSON shape for the page's script."""
    if request.method == "POST" and request.mimetype != "application/x-www-form-urlencoded":
        response = current_app.json.response(error_body(error.status_code, error.code, error.message, error.errors))
        response.status_code = error.status_code
    else:
        titles = {404: "No such survey", 410: "This survey is closed", 429: "Please wait a minute"}
        title = titles.get(error.status_code, "This answer could not be taken")
        response = _html("links/closed.html", error.status_code, title=title, message=error.message)
    response.headers.update(error.headers or {})
    return response


def _html(template: str, status: int, **context) -> Response:
    """A page, gzipped when the browser takes it (the page and widgets.js are all a reader downloads)."""
    body = render_template(template, nonce=g.get("csp_nonce", ""), **context).encode()
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Vary"] = "Accept-Encoding"
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(gzip.compress(body, 6, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    return response
