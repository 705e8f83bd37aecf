"""The tracker in a real browser (Debian's Chromium), on a host site of its own origin, against `gapwise serve`."""

import pytest

from gapwise.models import Account, Event, Person
from tests.browser.support import wait_for
from tests.helpers import drain
from tests.test_features import EXPORT, Api

pytestmark = pytest.mark.slow


def until(page, predicate, timeout=10.0):
    return wait_for(predicate, timeout=timeout, page=page)


def loaded(page):
    """Wait until gapwise.js has replaced the stub."""
    page.wait_for_function("() => window.gapwise && window.gapwise._loaded === true", timeout=10_000)


def flush(page):
    loaded(page)
    page.evaluate("() => gapwise.flush()")


def tracks(batches):
    return [e for e in batches.all(Event, order_by=Event.id) if e.type == "track"]


def test_calls_made_before_load_arrive_in_order_with_the_right_identity(page, site, batches):
    page.goto(site.url("basic.html"))
    flush(page)
    events = until(page, lambda: len(batches.all(Event)) >= 5 and batches.all(Event, order_by=Event.id))
    kinds = [(e.type, e.name) for e in events]
    assert kinds[:2] == [("identify", None), ("group", "acme")]  # identity calls replay first
    assert [k for k in kinds if k[0] == "track"] == [("track", "Before Load"), ("track", "After Identify")]
    assert ("page", "/basic.html") in kinds
    [person] = batches.all(Person)
    assert person.user_id == "user-42"
    assert person.traits == {"email": "ada@example.com", "plan": "trial"}
    assert {e.person_id for e in events} == {person.id}
    [account] = batches.all(Account)
    assert (account.external_id, account.name, float(account.mrr)) == ("acme", "Acme", 1200.0)
    assert page.evaluate("window.__errors") == []


def test_a_track_an_identify_and_a_page_view_carry_their_fields(page, site, batches):
    page.goto(site.url("basic.html"))
    loaded(page)
    page.evaluate("""() => { gapwise.track("Report Exported", {format: "pdf", pages: 3});
                             gapwise.page({section: "reports"}); return gapwise.flush(); }""")
    until(page, lambda: batches.count(Event, Event.name == "Report Exported"))
    [exported] = batches.all(Event, Event.name == "Report Exported")
    assert exported.properties == {"format": "pdf", "pages": 3}
    assert exported.context["library"]["name"] == "gapwise.js"
    pages = [e for e in batches.all(Event, Event.type == "page") if e.properties.get("section")]
    assert pages[0].name == "/basic.html"
    assert pages[0].properties["title"] == "Acme Reports"
    assert pages[0].properties["url"] == site.url("basic.html")
    identify = batches.all(Event, Event.type == "identify")[0]
    assert identify.properties == {"email": "ada@example.com", "plan": "trial"}


def test_tagged_features_send_used_on_click_and_seen_on_exposure(client, project, page, site, batches, app):
    api = Api(client, project.secret_key)
    api.post(json=EXPORT)
    api.post(json={"key": "alerts", "name": "Alerts", "selector": "#alerts-panel"})
    page.goto(site.url("basic.html"))
    loaded(page)
    flush(page)
    # The export button is in view: once the config has arrived, the tracker knows the features and queues the
    # exposure. basic.html flushes once a minute, so the exposure only went out on its own when it was queued
    # before the first flush() had finished sending; flushing while waiting sends it either way.
    until(page, lambda: flush(page) or batches.count(Event, Event.name == "feature_seen"))
    page.click("#export-btn .label")  # a click inside the tagged element counts
    page.click("#plain-btn")
    flush(page)
    used = until(page, lambda: batches.all(Event, Event.name == "feature_used"))
    assert [e.properties for e in used] == [{"feature": "export"}]
    seen = {e.properties["feature"] for e in batches.all(Event, Event.name == "feature_seen")}
    assert seen == {"export"}  # the alerts panel is below the fold
    page.evaluate("document.getElementById('alerts-panel').scrollIntoView()")
    page.wait_for_timeout(300)
    flush(page)
    until(
        page,
        lambda: (
            {e.properties["feature"] for e in batches.all(Event, Event.name == "feature_seen")} == {"export", "alerts"}
        ),
    )
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    flush(page)
    assert batches.count(Event, Event.name == "feature_seen") == 2  # once per page view


def test_spa_navigation_produces_page_views(page, site, batches):
    page.goto(site.url("spa.html"))
    loaded(page)
    page.click("#to-reports")
    page.click("#to-alerts")
    page.go_back()
    flush(page)
    names = until(
        page,
        lambda: (
            (n := [e.name for e in batches.all(Event, Event.type == "page", order_by=Event.id)]) and len(n) >= 4 and n
        ),
    )
    assert names == ["/spa.html", "/spa/reports", "/spa/alerts", "/spa/reports"]


def test_a_server_answering_503_then_recovering_loses_and_duplicates_nothing(page, site, batches):
    failures = {"count": 0}

    def unavailable(route):
        if failures["count"] < 3:
            failures["count"] += 1
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Access-Control-Allow-Origin": "*"},
                body='{"code":"storage_unavailable"}',
            )
        else:
            route.continue_()

    page.route("**/v1/batch", unavailable)
    page.goto(site.url("basic.html"))
    loaded(page)
    page.evaluate("() => { for (let i = 0; i < 30; i++) gapwise.track('Retry Me', {i}); return gapwise.flush(); }")
    until(page, lambda: batches.count(Event, Event.name == "Retry Me") == 30, timeout=30)
    assert failures["count"] == 3
    page.wait_for_timeout(1500)
    assert sorted(e.properties["i"] for e in batches.all(Event, Event.name == "Retry Me")) == list(range(30))


def test_a_server_that_is_down_then_back_loses_nothing(page, site, batches):
    page.route("**/v1/batch", lambda route: route.abort("connectionrefused"))
    page.goto(site.url("basic.html"))
    loaded(page)
    page.evaluate("() => { gapwise.track('While Down'); return gapwise.flush(); }")
    page.wait_for_timeout(500)
    assert batches.count(Event) == 0
    page.unroute("**/v1/batch")
    until(page, lambda: batches.count(Event, Event.name == "While Down") == 1, timeout=30)


def test_a_reload_with_a_queue_delivers_it(page, site, batches):
    page.route("**/v1/batch", lambda route: route.abort("connectionrefused"))
    page.goto(site.url("basic.html"))
    loaded(page)
    page.evaluate("() => { gapwise.track('Queued Before Reload'); return gapwise.flush(); }")
    page.unroute("**/v1/batch")
    page.reload()
    flush(page)
    until(page, lambda: batches.count(Event, Event.name == "Queued Before Reload") == 1, timeout=20)
    drain(batches.app)  # whatever else the server has taken is stored too
    assert batches.count(Event, Event.name == "Before Load") == 2  # once per load, never twice for one load


def test_pagehide_delivers_by_beacon(page, site, batches):
    # Count sendBeacon calls where a later page of the same origin can read them.
    page.add_init_script("""{ const send = navigator.sendBeacon.bind(navigator);
        navigator.sendBeacon = (url, body) => { localStorage.setItem("beacons",
            +(localStorage.getItem("beacons") || 0) + 1); return send(url, body); }; }""")
    page.goto(site.url("basic.html"))
    loaded(page)
    page.evaluate("() => gapwise.track('Leaving')")  # flushInterval is a minute: only leaving sends it
    page.goto("about:blank")
    until(page, lambda: batches.count(Event, Event.name == "Leaving") == 1)
    page.goto(site.url("no-such-page"))
    assert int(page.evaluate("localStorage.getItem('beacons')")) >= 1


def test_the_snippet_included_twice_initialises_once(page, site, batches):
    page.goto(site.url("twice.html"))
    flush(page)
    assert page.evaluate("document.querySelectorAll('script[src*=\"/sdk/gapwise.js\"]').length") == 1
    until(page, lambda: batches.count(Event, Event.type == "page") >= 1)
    page.wait_for_timeout(500)
    assert batches.count(Event, Event.type == "page") == 1


def test_opt_out_sends_nothing(page, site, batches):
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/v1/batch" in r.url else None)
    page.add_init_script("localStorage.clear()")
    page.goto(site.url("spa.html"))
    loaded(page)
    page.evaluate("() => { gapwise.optOut(); gapwise.track('Private'); gapwise.page(); return gapwise.flush(); }")
    page.click("#to-reports")
    page.evaluate("() => gapwise.flush()")
    page.goto("about:blank")
    page.wait_for_timeout(500)
    assert batches.count(Event, Event.name == "Private") == 0
    assert batches.count(Event, Event.name == "/spa/reports") == 0


def test_errors_inside_the_tracker_never_reach_the_page(page, site, batches):
    page.goto(site.url("basic.html"))
    loaded(page)
    page.evaluate("""() => {
        const loop = {}; loop.self = loop;
        gapwise.track("Circular", loop);
        gapwise.track(undefined, 42);
        gapwise.identify({not: "a string"});
        gapwise.on("survey:shown", null);
        gapwise.track("Fine After", {ok: true});
        return gapwise.flush();
    }""")
    until(page, lambda: batches.count(Event, Event.name == "Fine After") == 1)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__errors") == []
