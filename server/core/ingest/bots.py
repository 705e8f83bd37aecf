"""Known robots: crawlers, link previewers and uptime checkers that run a page's scripts (the snippet on a
marketing site sees them). Their messages are acknowledged and not kept, so they never count as people.

A browser's batch is judged by the request's User-Agent; a server's message by `context.userAgent`. Only
names robots give themselves are matched: server libraries (analytics-python, curl) and headless
browsers (Chromium run by tests and by real users' tools) are not robots by their name.
"""

import re

_ROBOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|facebookexternalhit|lighthouse|pingdom|phantomjs|preview|"
    r"uptime|monitoring|archive\.org_bot|ia_archiver|mediapartners-google",
    re.IGNORECASE,
)
_MAX_CHECKED = 512  # user agents are short; past this, the first characters decide


def is_robot(user_agent: str | None) -> bool:
    """Whether a user agent names a robot."""
    return user_agent is not None and _ROBOT.search(user_agent[:_MAX_CHECKED]) is not None
