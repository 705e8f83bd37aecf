"""The tracker's queue across tabs (Debian's Chromium): two tabs of one site push while the server cannot be
reached, then one closes and the other reloads; once the server is back, every message arrives exactly once."""

import json

import pytest

from gapwise.models import Event
from tests.browser.test_tracker_browser import loaded, until
from tests.helpers import drain

pytestmark = pytest.mark.slow
PUSHES = 300  # per tab

# Both tabs start at the same moment and push in bursts, yielding between them, so that their pushes
# interleave with each other and with the tracker's own flushes and saves, as with two busy tabs.
PUSH = """([tab, count, at]) => { window.pushing = (async () => {
    await new Promise((resolve) => setTimeout(resolve, at - Date.now()));
    for (let i = 0; i < count; i++) {
        gapwise.track("Pushed", {tab, i});
        if (i % 10 == 9) await new Promise((resolve) => setTimeout(resolve, 0));
    }
})(); }"""

# A beacon sent as the page goes away escapes Playwright's routing: record what the tracker hands to
# sendBeacon where the next page of the origin can read it.
RECORD_BEACONS = """{ const send = navigator.sendBeacon.bind(navigator);
    navigator.sendBeacon = (url, body) => {
        const sent = send(url, body);
        if (sent && typeof body == "string") localStorage.setItem("beaconed", JSON.stringify([
            ...JSON.parse(localStorage.getItem("beaconed") || "[]"),
            ...JSON.parse(body).batch.map((m) => m.messageId)]));
        return sent;
    }; }"""


class Deliveries:
    """The /v1/batch fetches of a browser context: refused while `down`, otherwise passed to the server and
    recorded with the messageIds the server took (2xx)."""

    def __init__(self):
        self.down = True
        self.refused = 0
        self.delivered: list[str] = []

    def __call__(self, route):
        if self.down:
            self.refused += 1
            route.abort("connectionrefused")
            return
        response = route.fetch()
        if 200 <= response.status < 300:
            self.delivered += [m["messageId"] for m in json.loads(route.request.post_data)["batch"]]
        route.fulfill(response=response)


def pushed(batches):
    return [(e.properties["tab"], e.properties["i"], e.message_id) for e in batches.all(Event, Event.name == "Pushed")]


@pytest.mark.parametrize("outage", ["server unreachable", "offline"])
def test_two_tabs_pushing_through_an_outage_then_closing_and_reloading_deliver_each_message_once(
    chromium, site, batches, outage
):
    context = chromium.new_context()
    context.add_init_script(RECORD_BEACONS)
    deliveries = Deliveries()
    context.route("**/v1/batch", deliveries)
    tabs = [context.new_page(), context.new_page()]
    try:
        for tab in tabs:
            tab.goto(site.url("basic.html"))
            loaded(tab)
        context.set_offline(outage == "offline")
        at = tabs[0].evaluate("Date.now() + 500")
        for name, tab in zip("AB", tabs, strict=True):
            tab.evaluate(PUSH, [name, PUSHES, at])
        for tab in tabs:
            tab.evaluate("window.pushing")
            tab.evaluate("gapwise.flush()")  # fails: nothing can be sent
        assert deliveries.delivered == []

        with tabs[0].expect_event("close"):
            tabs[0].close(run_before_unload=True)  # one tab goes away...
        context.set_offline(False)  # the host page loads again; Gapwise's server is still unreachable
        tabs[1].reload()  # ...the other reloads, and takes over what both left
        loaded(tabs[1])
        deliveries.down = False
        tabs[1].evaluate("gapwise.flush()")

        expected = {(tab, i) for tab in "AB" for i in range(PUSHES)}
        until(tabs[1], lambda: {(t, i) for t, i, _ in pushed(batches)} == expected, timeout=60)
        tabs[1].wait_for_timeout(3000)  # retries and timers run on: nothing goes out again
        tabs[1].evaluate("gapwise.flush()")
        drain(batches.app)
        stored = pushed(batches)
        assert len(stored) == 2 * PUSHES  # none lost (the server also dedupes by messageId)
        ids = {message_id for _, _, message_id in stored}
        beaconed = json.loads(tabs[1].evaluate("localStorage.getItem('beaconed') || '[]'"))
        sent = sorted(m for m in deliveries.delivered + beaconed if m in ids)
        assert sent == sorted(ids)  # and each was sent once
    finally:
        context.close()
