"""A survey's link for the results page: the URL, an email snippet (eleven score links for an NPS survey, one
click each), and how a backend signs `uid` (core.surveys.links), in Python and in Node."""

from html import escape

# Placeholders the customer's mailer fills in per recipient: the user id (URL-encoded) and its signature.
UID, SIG = "{UID}", "{SIG}"

SIGN_PYTHON = """import hashlib, hmac
message = f"{public_id}:{uid}".encode()  # then ?uid=urllib.parse.quote(uid)&sig=…
sig = hmac.new(LINK_SECRET.encode(), message, hashlib.sha256).hexdigest()"""

SIGN_NODE = """const { createHmac } = require("node:crypto");
const message = `${publicId}:${uid}`;  // then ?uid=encodeURIComponent(uid)&sig=…
const sig = createHmac("sha256", LINK_SECRET).update(message).digest("hex");"""


def survey_link(survey, base_url: str) -> dict | None:
    """{url, email, nps, python, node} for the survey's page; None for a survey without a public id."""
    if not survey.public_id:
        return None
    url = f"{base_url.rstrip('/')}/s/{survey.public_id}"
    signed = escape(f"{url}?uid={UID}&sig={SIG}")
    first = survey.content["questions"][0]
    default = survey.content.get("defaultLocale", "en")
    text = first["text"].get(default) or next(iter(first["text"].values()), "")
    if first["type"] == "nps":
        scores = " ".join(f'<a href="{signed}&amp;score={n}">{n}</a>' for n in range(11))
        email = f"<p>{escape(text)}</p>\n<p>{scores}</p>"
    else:
        email = f'<p><a href="{signed}">{escape(text)}</a></p>'
    python = SIGN_PYTHON.replace("{public_id}", survey.public_id)
    node = SIGN_NODE.replace("${publicId}", survey.public_id)
    return {"url": url, "email": email, "nps": first["type"] == "nps", "python": python, "node": node}
