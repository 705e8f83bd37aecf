"""Robots that run the snippet (crawlers, link previewers, uptime checks) are acknowledged and not kept:
no event, person or activity of theirs, so they never count among the people a gap measures."""

import pytest

from gapwise.core.ingest.bots import is_robot
from gapwise.models import Activity, Event, Person
from tests.helpers import message

GOOGLEBOT = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1) Chrome/120 Safari/537.36"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.mark.parametrize(
    ("agent", "robot"),
    [
        (GOOGLEBOT, True),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", True),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", True),
        ("Mozilla/5.0 (compatible; AhrefsBot/7.0)", True),
        ("Pingdom.com_bot_version_1.4", True),
        ("Chrome-Lighthouse", True),
        (CHROME, False),
        ("Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36", False),
        ("analytics-python/2.4.0", False),  # a server library is not a robot
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0", False),
        (None, False),
        ("", False),
    ],
)
def test_robots_are_known_by_the_names_they_give_themselves(agent, robot):
    assert is_robot(agent) is robot


def test_a_crawlers_batch_is_acknowledged_and_not_kept(batches):
    crawled = batches.post([message("page", anonymousId="crawler"), message()], headers={"User-Agent": GOOGLEBOT})
    assert crawled.status_code == 200
    assert crawled.get_json() == {"accepted": 0, "duplicates": 0, "rejected": [], "robots": 2}
    person = batches.post([message(anonymousId="visitor")], headers={"User-Agent": CHROME}).get_json()
    assert person == {"accepted": 1, "duplicates": 0, "rejected": []}
    assert batches.count(Event) == 1 and batches.count(Person) == 1 and batches.count(Activity) == 1


def test_a_server_message_naming_a_robot_is_dropped_alone(batches):
    sent = [
        message(anonymousId="seen-by-bot", context={"userAgent": "Mozilla/5.0 (compatible; bingbot/2.0)"}),
        message(anonymousId="real", context={"userAgent": CHROME}),
    ]
    answer = batches.post(sent, headers={"User-Agent": "analytics-python/2.4.0"}).get_json()
    assert answer == {"accepted": 1, "duplicates": 0, "rejected": [], "robots": 1}
    assert batches.count(Person) == 1 and [e.message_id for e in batches.all(Event)] == [sent[1]["messageId"]]
