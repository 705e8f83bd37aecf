"""Link surveys: any survey answered on its hosted page, /s/<public id>, outside the product.

Identity. A link may name the person with `uid` and `sig`, where

    sig = hex(HMAC-SHA256(key = the project's link secret, message = "<survey public id>:<uid>"))

both as UTF-8. The survey's public id is in the message, so a signature made for one survey opens no other
(a forwarded email answers that survey only), and a project's secret signs for its own surveys only. A
missing or wrong signature is not an error: the claim is ignored and the person stays anonymous, known by
a first-party cookie. Nothing else in the URL (an email, a name) names anyone.

Page token. The page carries a token the server signed (its secret key, itsdangerous) naming the survey and
the identity it served; answers are accepted only with it, for a day. A page of another site cannot get a
token for someone's signed identity, so it cannot plant answers under their name.

One response per person and survey: its display id is derived from the survey and the identity, so answering
again (a second click in an email) updates the same response.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ...errors import Forbidden, NotFound
from ...models import Project, Response, Survey
from ...models.projects import new_link_secret

TOKEN_SECONDS = 24 * 3600
MAX_UID = 200
_ANONYMOUS = re.compile(r"[A-Za-z0-9_-]{16,64}")
_SALT = "gapwise.link-page"


class PageExpired(Forbidden):
    code, message = "page_expired", "This page has expired or was not issued by this server: reload it."


@dataclass(frozen=True)
class Identity:
    """Who answers: a signed user id, or an anonymous id (the cookie's, or one made for this page)."""

    user_id: str | None = None
    anonymous_id: str | None = None

    @property
    def key(self) -> str:
        return f"u:{self.user_id}" if self.user_id is not None else f"a:{self.anonymous_id}"


@dataclass(frozen=True)
class LinkSurvey:
    """A survey found by its public id, with what its page needs of its project."""

    survey: Survey
    link_secret: str


def find(session: Session, public_id: str) -> LinkSurvey:
    """The survey a public id names (whatever its status), or NotFound."""
    row = None
    if 16 <= len(public_id) <= 32:
        row = session.execute(
            select(Survey, Project.link_secret)
            .join(Project, Project.id == Survey.project_id)
            .where(Survey.public_id == public_id)
        ).first()
    if row is None:
        raise NotFound("There is no survey at this address.")
    return LinkSurvey(row[0], row[1] or "")


def signature(link_secret: str, public_id: str, uid: str) -> str:
    """The `sig` of a link naming `uid` for the survey `public_id` (see the module doc)."""
    message = f"{public_id}:{uid}".encode()
    return hmac.new(link_secret.encode(), message, hashlib.sha256).hexdigest()


def signed_user(link: LinkSurvey, uid, sig) -> str | None:
    """The user id a link names, if its signature is right; None (anonymous) for anything else."""
    if not (isinstance(uid, str) and isinstance(sig, str) and 0 < len(uid) <= MAX_UID and len(sig) == 64):
        return None
    if "\x00" in uid or not link.link_secret or link.survey.public_id is None:
        return None
    expected = signature(link.link_secret, link.survey.public_id, uid)
    return uid if hmac.compare_digest(expected, sig.lower()) else None


def anonymous_id(cookie: str | None, fresh: str) -> str:
    """The cookie's anonymous id when it looks like one of ours, else `fresh`."""
    return cookie if cookie and _ANONYMOUS.fullmatch(cookie) else fresh


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def issue_token(public_id: str, identity: Identity) -> str:
    """The page token: the survey and the identity this page serves, signed and dated."""
    return _serializer().dumps([public_id, identity.user_id, identity.anonymous_id])


def read_token(token, public_id: str) -> Identity:
    """The identity a page token names for this survey; PageExpired for a token that is wrong, old or elsewhere."""
    if not isinstance(token, str) or len(token) > 1000:
        raise PageExpired()
    try:
        survey, user_id, anonymous = _serializer().loads(token, max_age=TOKEN_SECONDS)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        raise PageExpired() from None
    if survey != public_id:
        raise PageExpired()
    return Identity(user_id, anonymous)


def display_id(survey_id: int, identity: Identity) -> str:
    """The one display (and response) of this person for this survey."""
    digest = hashlib.sha256(f"{survey_id}\x00{identity.key}".encode()).hexdigest()
    return f"link-{digest[:40]}"


def link_secret(session: Session, project_id: int) -> str:
    """The project's link secret, made on first need (a project stored before link surveys has one by migration)."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("No such project.")
    if not project.link_secret:
        project.link_secret = new_link_secret()
        session.commit()
    return project.link_secret


def rotate_link_secret(session: Session, project_id: int) -> str:
    """Replace the project's link secret: links signed with the old one stop naming anyone (they stay anonymous)."""
    secret = new_link_secret()
    done = session.execute(update(Project).where(Project.id == project_id).values(link_secret=secret))
    if not done.rowcount:  # type: ignore[attr-defined]
        raise NotFound("No such project.")
    session.commit()
    return secret


def full(session: Session, survey: Survey, identity: Identity) -> bool:
    """Whether the survey has the completed responses its limit asks for and this person has none to change."""
    if not survey.response_limit:
        return False
    done = session.scalar(
        select(func.count()).where(
            Response.project_id == survey.project_id, Response.survey_id == survey.id, Response.completed.is_(True)
        )
    )
    if (done or 0) < survey.response_limit:
        return False
    mine = session.scalar(
        select(Response.id).where(
            Response.project_id == survey.project_id, Response.display_id == display_id(survey.id, identity)
        )
    )
    return mine is None
