"""Nudges: proposed from a gap for exactly its people, assigned once to treatment or holdout on the server,
delivered by GET /v1/config to treatment people only, and measured against the holdout."""

import math
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from gapwise.core.evaluation import schedule
from gapwise.core.nudges import assignment, results
from gapwise.db import db
from gapwise.models import NudgeAssignment, PersonAlias, WebhookDelivery
from tests.helpers import AdminApi
from tests.test_gaps import START, Product

PEOPLE = 200


def visitor(i: int) -> str:
    return f"browser-{i}"


@pytest.fixture
def hidden_alerts(client, batches, project):
    """200 signed-in people (each with a browser id) who use export and never find alerts, which is promised:
    a communication gap on alerts for all 200; the nudge API beside the gap engine."""
    p = Product(client, batches, project)
    p.api["nudges"] = AdminApi(client, project.secret_key, "nudges")
    sent = []
    for i in range(PEOPLE):
        when = (START + timedelta(days=14, hours=i % 24)).isoformat()
        ids = {"userId": f"u{i}", "anonymousId": visitor(i), "timestamp": when}
        sent.append({"type": "identify", "messageId": str(uuid.uuid4()), **ids, "traits": {}})
        sent.append({"type": "page", "messageId": str(uuid.uuid4()), **ids, "properties": {"path": "/app"}})
        sent.append(
            {
                "type": "track",
                "messageId": str(uuid.uuid4()),
                **ids,
                "event": "feature_used",
                "properties": {"feature": "export"},
            }
        )
    for offset in range(0, len(sent), 300):
        assert batches.post(sent[offset : offset + 300], sent_at=None).get_json()["rejected"] == []
    p.gap = p.flags()["communication", "alerts", "all"]
    for survey in (p.welcome, p.csat, p.servqual):  # surveys come before nudges: none is due here
        assert p.api["surveys"].patch(f"/{survey}", json={"status": "paused"}).status_code == 200
    return p


def alerts(i: int, event: str, when: str) -> dict:
    """Person i, in their browser, seeing or using alerts at `when`."""
    return {
        "type": "track",
        "messageId": str(uuid.uuid4()),
        "anonymousId": visitor(i),
        "userId": f"u{i}",
        "timestamp": when,
        "event": event,
        "properties": {"feature": "alerts"},
    }


def config(client, project, i: int) -> dict:
    answer = client.get("/v1/config", query_string={"writeKey": project.write_key, "anonymousId": visitor(i)})
    assert answer.status_code == 200
    return answer.get_json()


def launch(p: Product, **changes) -> dict:
    made = p.api["nudges"].post(json={"gap": p.gap["id"], "status": "active", **changes})
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def test_close_this_gap_proposes_a_tooltip_on_the_feature_for_exactly_its_people(hidden_alerts):
    nudge = launch(hidden_alerts)
    assert nudge["kind"] == "tooltip" and nudge["content"]["feature"] == "alerts"
    assert nudge["target"] == {"gap": hidden_alerts.gap["id"]} and nudge["gap"] == hidden_alerts.gap["id"]
    assert nudge["metric"] == {"measure": "exposure", "feature": "alerts"} and nudge["holdout"] == 0.2
    assert nudge["content"]["cta"]["action"] == "show_me" and nudge["verdict"] == "collecting"
    listed = hidden_alerts.api["nudges"].get().get_json()["nudges"]
    assert [n["id"] for n in listed] == [nudge["id"]]


def test_a_gap_without_a_fitting_nudge_and_bad_nudges_are_refused_clearly(hidden_alerts, client, other_project):
    api = hidden_alerts.api["nudges"]
    stall = [g for g in hidden_alerts.report()["gaps"] if g["type"] == "stall"]
    if stall:
        refused = api.post(json={"gap": stall[0]["id"]})
        assert refused.status_code == 422 and "communication and delivery" in refused.get_json()["message"]
    base = {
        "name": "n",
        "kind": "banner",
        "body": "Hi",
        "target": {"stage": "trial"},
        "metric": {"measure": "adoption", "feature": "alerts"},
    }
    for bad, field in (
        ({"kind": "popup"}, "kind"),
        ({"kind": "tooltip"}, "feature"),
        ({"cta": {"label": "Go", "action": "url", "url": "javascript:alert(1)"}}, "cta"),
        ({"holdout": 0.9}, "holdout"),
        ({"target": {"stage": "trial", "segment": "ads"}}, "target"),
        ({"body": "x" * 501}, "body"),
    ):
        answer = api.post(json={**base, **bad})
        assert answer.status_code == 422 and field in answer.get_json()["errors"], (bad, answer.get_json())
    unknown = api.post(json={**base, "metric": {"measure": "adoption", "feature": "nope"}})
    assert unknown.status_code == 422 and "nope" in unknown.get_json()["message"]
    foreign = AdminApi(client, other_project.secret_key, "nudges").post(json={"gap": hidden_alerts.gap["id"]})
    assert foreign.status_code == 404
    assert api.post(json={**base, "target": {"gap": 10**9}}).status_code == 404


def test_the_arm_is_a_pure_function_of_nudge_and_person_and_balanced_within_sampling_error():
    draws = [assignment.arm_of(7, f"person:{i}", 0.2) for i in range(20_000)]
    assert draws == [assignment.arm_of(7, f"person:{i}", 0.2) for i in range(20_000)]  # sticky
    held = draws.count("holdout")
    z = (held - 0.2 * 20_000) / math.sqrt(20_000 * 0.2 * 0.8)
    assert abs(z) < 4, z
    # Another nudge draws its own arms: the two agree about as often as chance says (0.8² + 0.2² = 68%).
    other = [assignment.arm_of(8, f"person:{i}", 0.2) for i in range(20_000)]
    agree = sum(a == b for a, b in zip(draws, other, strict=True)) / 20_000
    assert abs(agree - 0.68) < 0.02


def test_only_treatment_people_get_the_nudge_and_both_arms_are_stored_once(hidden_alerts, client, project, app):
    nudge = launch(hidden_alerts)
    got = {i: config(client, project, i)["nudges"] for i in range(PEOPLE)}
    with app.app_context():
        arms = dict(
            db.session.execute(
                select(NudgeAssignment.person_id, NudgeAssignment.arm).where(NudgeAssignment.nudge_id == nudge["id"])
            ).all()
        )
    assert len(arms) == PEOPLE  # everyone the gap touches, in both arms, shown or not
    holdout = sum(arm == "holdout" for arm in arms.values())
    assert abs(holdout - 0.2 * PEOPLE) < 4 * math.sqrt(PEOPLE * 0.2 * 0.8)
    offered = [i for i, due in got.items() if due]
    assert len(offered) == PEOPLE - holdout
    assert all(
        due[0]["nudgeId"] == nudge["id"] and due[0]["id"] == f"n{nudge['id']}" and due[0]["kind"] == "tooltip"
        for due in got.values()
        if due
    )
    assert got[offered[0]][0]["body"] and got[offered[0]][0]["feature"] == "alerts"
    again = {i: config(client, project, i)["nudges"] for i in range(PEOPLE)}
    assert again == got  # sticky: the same arm on every visit
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(NudgeAssignment))
    assert count == PEOPLE


def test_a_due_welcome_survey_comes_first_and_the_arm_is_still_assigned(hidden_alerts, client, project, app):
    nudge = launch(hidden_alerts, holdout=0.05)
    assert hidden_alerts.api["surveys"].patch(f"/{hidden_alerts.welcome}", json={"status": "active"}).status_code == 200
    first = config(client, project, 0)
    assert [s["kind"] for s in first["surveys"]] == ["welcome"] and first["nudges"] == []
    with app.app_context():
        stored = db.session.scalar(
            select(func.count()).select_from(NudgeAssignment).where(NudgeAssignment.nudge_id == nudge["id"])
        )
    assert stored == 1  # eligible now: assigned now, though the welcome screen goes first


def test_a_survey_shown_within_the_cooldown_holds_the_nudge_back(hidden_alerts, client, project, batches):
    launch(hidden_alerts, holdout=0.05)
    treated = [i for i in range(PEOPLE) if config(client, project, i)["nudges"]][:2]
    shown = {
        "type": "survey",
        "messageId": str(uuid.uuid4()),
        "anonymousId": visitor(treated[0]),
        "timestamp": datetime.now(UTC).isoformat(),
        "surveyId": str(hidden_alerts.csat),
        "displayId": str(uuid.uuid4()),
        "action": "shown",
    }
    assert batches.post([shown], sent_at=None).get_json()["accepted"] == 1
    assert config(client, project, treated[0])["nudges"] == []  # the project cooldown (24 h) covers nudges too
    assert config(client, project, treated[1])["nudges"] != []


def nudge_message(i: int, nudge_id: int, action: str, when: datetime | None = None, **fields) -> dict:
    return {
        "type": "nudge",
        "messageId": str(uuid.uuid4()),
        "anonymousId": visitor(i),
        "timestamp": (when or datetime.now(UTC)).isoformat(),
        "nudgeId": str(nudge_id),
        "action": action,
        **fields,
    }


def test_a_nudge_shown_counts_against_the_cooldown_and_comes_back_after_it(
    hidden_alerts, client, project, batches, app
):
    nudge = launch(hidden_alerts, holdout=0.05)
    treated = next(i for i in range(PEOPLE) if config(client, project, i)["nudges"])
    assert batches.post([nudge_message(treated, nudge["id"], "shown")], sent_at=None).get_json()["accepted"] == 1
    assert config(client, project, treated)["nudges"] == []  # shown just now: the 24 h cooldown holds
    csat = hidden_alerts.api["surveys"]
    assert csat.patch(f"/{hidden_alerts.csat}", json={"status": "active"}).status_code == 200
    explained = csat.get(f"/{hidden_alerts.csat}/eligibility", query_string={"person": f"u{treated}"}).get_json()
    cooldown = next(c for c in explained["checks"] if c["rule"] == "cooldown")
    assert not cooldown["passed"] and "a survey or nudge was shown" in cooldown["reason"]
    assert (
        batches.post(
            [nudge_message(treated, nudge["id"], "shown", datetime.now(UTC) - timedelta(hours=25))], sent_at=None
        ).get_json()["accepted"]
        == 1
    )
    assert config(client, project, treated)["nudges"] == []  # an older display changes nothing: the last counts
    with app.app_context():
        db.session.execute(
            update(NudgeAssignment)
            .where(NudgeAssignment.nudge_id == nudge["id"])
            .values(shown_at=datetime.now(UTC) - timedelta(hours=25))
        )
        db.session.commit()
    assert csat.patch(f"/{hidden_alerts.csat}", json={"status": "paused"}).status_code == 200
    assert [n["nudgeId"] for n in config(client, project, treated)["nudges"]] == [nudge["id"]]  # not dismissed: back


def test_the_arm_survives_signing_in_the_first_assignment_holds(client, project, batches, app):
    api = AdminApi(client, project.secret_key, "nudges")
    body = {
        "name": "n",
        "kind": "banner",
        "body": "Hi",
        "status": "active",
        "target": {"stage": "trial"},
        "metric": {"measure": "event", "event": "Alert Created"},
        "holdout": 0.5,
    }
    made = api.post(json=body)
    assert made.status_code == 201, made.get_json()
    nudge_id = made.get_json()["id"]

    def ask(browser: str) -> list:
        got = client.get("/v1/config", query_string={"writeKey": project.write_key, "anonymousId": browser})
        return got.get_json()["nudges"]

    def person_of(browser: str) -> int:
        with app.app_context():
            return db.session.scalar(select(PersonAlias.person_id).where(PersonAlias.anonymous_id == browser))

    for k in range(100):  # an anonymous visitor and an account holder whose arms differ
        anon, known = f"anon-{k}", f"laptop-{k}"
        for browser, ids in ((anon, {}), (known, {"userId": f"user-{k}"})):
            message = {"type": "page", "messageId": str(uuid.uuid4()), "anonymousId": browser, **ids, "properties": {}}
            assert batches.post([message], sent_at=None).get_json()["accepted"] == 1
        a, b = person_of(anon), person_of(known)
        if assignment.arm_of(nudge_id, f"person:{a}", 0.5) != assignment.arm_of(nudge_id, f"person:{b}", 0.5):
            break
    first = ask(anon)  # the anonymous visitor is assigned first...
    ask(known)  # ...the account holder later, on their laptop
    signs_in = {"type": "identify", "messageId": str(uuid.uuid4()), "anonymousId": anon, "userId": f"user-{k}"}
    assert batches.post([signs_in], sent_at=None).get_json()["accepted"] == 1
    with app.app_context():
        rows = db.session.execute(
            select(NudgeAssignment.person_id, NudgeAssignment.arm).where(NudgeAssignment.nudge_id == nudge_id)
        ).all()
    assert person_of(anon) == b  # merged into the account holder
    assert rows == [(b, assignment.arm_of(nudge_id, f"person:{a}", 0.5))]  # one row, the first arm
    assert ask(anon) == first and ask(known) == first  # whichever browser asks


def test_an_account_nudge_gives_everyone_of_an_account_the_same_arm():
    from gapwise.models import Person

    class Rule:
        id, project_id, target, holdout, unit = 9, 1, {}, 0.5, "account"

    arms = {
        account: {
            assignment.arm_of(9, assignment.unit_of(Rule, Person(id=p, account_id=account)), 0.5) for p in range(20)
        }
        for account in range(1, 40)
    }
    assert all(len(arm) == 1 for arm in arms.values())  # one arm an account, whoever asks
    assert {next(iter(a)) for a in arms.values()} == {"treatment", "holdout"}  # and accounts land in both


def test_a_dismissed_nudge_is_not_offered_again(hidden_alerts, client, project, batches):
    nudge = launch(hidden_alerts, holdout=0.05)
    treated = next(i for i in range(PEOPLE) if config(client, project, i)["nudges"])
    when = (START + timedelta(days=20)).isoformat()
    sent = [
        {
            "type": "nudge",
            "messageId": str(uuid.uuid4()),
            "anonymousId": visitor(treated),
            "timestamp": when,
            "nudgeId": str(nudge["id"]),
            "action": action,
        }
        for action in ("shown", "dismissed")
    ]
    assert batches.post(sent, sent_at=None).get_json()["accepted"] == 2
    assert config(client, project, treated)["nudges"] == []
    bad = {"type": "nudge", "messageId": "x", "anonymousId": "a", "nudgeId": "1", "action": "exploded"}
    assert batches.post([bad]).get_json()["rejected"][0]["errors"]["action"]


def test_results_match_a_hand_computed_example(hidden_alerts, client, project, batches):
    nudge = launch(hidden_alerts)
    for i in range(PEOPLE):
        config(client, project, i)
    rng = random.Random(1)
    arms = {}
    for i in range(PEOPLE):
        arms[i] = "treatment" if config(client, project, i)["nudges"] else "holdout"
    # 60% of the treatment and 20% of the holdout find alerts after they were assigned (today).
    when = datetime.now(UTC).isoformat()
    found = [i for i in range(PEOPLE) if rng.random() < (0.6 if arms[i] == "treatment" else 0.2)]
    sent = [alerts(i, "feature_seen", when) for i in found]
    assert batches.post(sent, sent_at=None).get_json()["accepted"] == len(found)
    early = [{**m, "messageId": str(uuid.uuid4()), "timestamp": (START + timedelta(days=25)).isoformat()} for m in sent]
    assert batches.post(early, sent_at=None).get_json()["accepted"] == len(found)  # before assignment: not counted
    answer = hidden_alerts.api["nudges"].get(f"/{nudge['id']}/results").get_json()
    n1 = sum(a == "treatment" for a in arms.values())
    n0 = PEOPLE - n1
    k1 = sum(arms[i] == "treatment" for i in found)
    k0 = len(found) - k1
    assert (answer["treatment"]["n"], answer["treatment"]["conversions"]) == (n1, k1)
    assert (answer["holdout"]["n"], answer["holdout"]["conversions"]) == (n0, k0)

    # By hand: Wilson intervals of each rate, and Newcombe's interval of the difference built from them.
    def wilson(k, n):
        z = 1.959964
        centre = (k / n + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(k / n * (1 - k / n) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return centre - half, centre + half

    (l1, u1), (l0, u0) = wilson(k1, n1), wilson(k0, n0)
    p1, p0 = k1 / n1, k0 / n0
    assert answer["treatment"]["rate"] == pytest.approx(p1) and answer["treatment"]["low"] == pytest.approx(
        l1, abs=1e-4
    )
    assert answer["lift"]["value"] == pytest.approx(p1 - p0, abs=1e-4)
    assert answer["lift"]["low"] == pytest.approx(p1 - p0 - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), abs=1e-4)
    assert answer["lift"]["high"] == pytest.approx(p1 - p0 + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2), abs=1e-4)
    # The gap's severity per arm: exposure against the 50% threshold.
    assert answer["treatment"]["severity"] == pytest.approx(max(0, (0.5 - p1) / 0.5), abs=1e-4)
    assert answer["holdout"]["severity"] == pytest.approx(max(0, (0.5 - p0) / 0.5), abs=1e-4)
    # They found alerts and none used it: the nudge worked on exposure, and the gap behind it is delivery.
    assert answer["diagnosis"]["kind"] == "delivery" and "delivery gap" in answer["diagnosis"]["text"]
    assert answer["diagnosis"]["adoptionLift"]["value"] == 0
    needed = results.required_per_arm(p0 if n0 >= 30 else 0.0, 0.1)
    assert answer["requiredPerArm"] == needed
    if min(n0, n1) < needed:
        assert answer["verdict"] == "collecting" and "more people" in answer["waiting"]
    else:
        assert answer["verdict"] == "works"


def test_a_nudge_with_no_effect_reads_no_effect_in_at_least_95_percent_of_simulated_runs():
    """Fixed-horizon verdicts on simulated arms with the same true rate, over many baselines."""
    rng = random.Random(2026)
    false_alarms, runs = 0, 4000
    for _ in range(runs):
        rate = rng.choice((0.05, 0.1, 0.2, 0.35, 0.5))
        needed = results.required_per_arm(rate, 0.1)
        t = sum(rng.random() < rate for _ in range(needed))
        h = sum(rng.random() < rate for _ in range(needed))
        false_alarms += results.decide(t, h, needed) != "no effect"
    assert false_alarms / runs <= 0.05, false_alarms / runs


def test_a_real_effect_is_found_at_the_planned_sample():
    rng = random.Random(7)
    found, runs = 0, 400
    for _ in range(runs):
        needed = results.required_per_arm(0.2, 0.1)
        t = sum(rng.random() < 0.3 for _ in range(needed))
        h = sum(rng.random() < 0.2 for _ in range(needed))
        found += results.decide(t, h, needed) == "works"
    assert found / runs >= 0.7  # planned for 80% power


def test_results_of_another_projects_nudge_are_not_found(hidden_alerts, client, other_project):
    nudge = launch(hidden_alerts)
    foreign = AdminApi(client, other_project.secret_key, "nudges")
    assert foreign.get(f"/{nudge['id']}/results").status_code == 404
    assert foreign.get(f"/{nudge['id']}").status_code == 404
    assert foreign.delete(f"/{nudge['id']}").status_code == 404


def effective(p: Product, client, project, batches) -> dict:
    """A nudge that works: half held out, 70% of the treatment and 15% of the holdout find alerts and use it."""
    nudge = launch(p, holdout=0.5, minEffect=0.3)
    arms = {i: "treatment" if config(client, project, i)["nudges"] else "holdout" for i in range(PEOPLE)}
    rng = random.Random(3)
    now = datetime.now(UTC).isoformat()
    sent = [
        alerts(i, event, now)
        for i in range(PEOPLE)
        if rng.random() < (0.7 if arms[i] == "treatment" else 0.15)
        for event in ("feature_seen", "feature_used")  # found it, and used it
    ]
    assert batches.post(sent, sent_at=None).get_json()["accepted"] == len(sent)
    return nudge


def test_the_scheduler_records_a_verdict_once_decided_and_announces_it(hidden_alerts, client, project, batches, app):
    hooks = AdminApi(client, project.secret_key, "webhooks")
    assert hooks.post(json={"url": "https://hooks.example.com/n", "events": ["nudge.verdict"]}).status_code == 201
    nudge = effective(hidden_alerts, client, project, batches)
    read = hidden_alerts.api["nudges"].get(f"/{nudge['id']}/results").get_json()
    assert read["verdict"] == "works"  # measured now...
    assert read["diagnosis"]["kind"] == "communication" and read["diagnosis"]["text"] is None
    decided = read["decidedOn"]
    assert decided["perArm"] == read["requiredPerArm"] and decided["lift"]["low"] > 0
    assert hidden_alerts.api["nudges"].get(f"/{nudge['id']}").get_json()["verdict"] == "collecting"  # ...not stored
    with app.app_context():
        schedule.evaluate_project(db.session, project.id, datetime.now(UTC), 60)
        queued = db.session.scalars(select(WebhookDelivery.payload)).all()
    assert hidden_alerts.api["nudges"].get(f"/{nudge['id']}").get_json()["verdict"] == "works"
    announced = [p for p in queued if p["type"] == "nudge.verdict"]
    assert len(announced) == 1 and announced[0]["data"]["verdict"] == "works"
    assert announced[0]["data"]["gap"] == hidden_alerts.gap["id"]


def test_a_pm_closes_a_gap_from_its_card_looks_over_the_proposal_and_launches_it(hidden_alerts, app, project):
    from tests.test_ui_overview import signed_in

    pm = signed_in(app, "pm@example.com", project.id, "editor")
    gaps_page = f"/app/p/{project.id}/gaps"
    card = pm.client.get(gaps_page).get_data(as_text=True)
    action = f"/app/p/{project.id}/gaps/{hidden_alerts.gap['id']}/nudge"
    assert f'action="{action}"' in card and "Close this gap" in card
    made = pm.submit(gaps_page, action, {})
    assert made.status_code == 302 and "/nudges/" in made.headers["Location"]
    page = pm.client.get(made.headers["Location"]).get_data(as_text=True)
    assert "<dt>Points at</dt><dd>alerts</dd>" in page and "20% never see it" in page
    assert f"the {PEOPLE} people the communication gap on alerts touches" in page
    assert "Verdict: collecting" in page and ">Launch</button>" in page
    launched = pm.submit(made.headers["Location"], made.headers["Location"], {"action": "launch"})
    assert launched.status_code == 302
    after = pm.client.get(gaps_page).get_data(as_text=True)
    card = after.split(f'id="gap-{hidden_alerts.gap["id"]}"')[1].split('id="gap-')[0]
    assert "active, verdict <strong>collecting</strong>" in card
    assert "Proposes another in-app nudge" in card  # another can be tried beside it
    early = pm.submit(made.headers["Location"], made.headers["Location"] + "/resolve", {})
    assert early.status_code == 302 and "/nudges/" in early.headers["Location"]  # not shown to work: refused
    statuses = {g["id"]: g["remediation"]["status"] for g in hidden_alerts.api["gaps"].get().get_json()["gaps"]}
    assert statuses[hidden_alerts.gap["id"]] == "open"
    viewer = signed_in(app, "viewer@example.com", project.id, "viewer")
    assert "Close this gap" not in viewer.client.get(gaps_page).get_data(as_text=True)
    assert viewer.submit(gaps_page, action, {}).status_code == 403


def test_a_nudge_that_works_and_closes_the_gap_resolves_it_with_its_evidence(
    hidden_alerts, client, project, batches, app
):
    from tests.test_ui_overview import signed_in

    nudge = effective(hidden_alerts, client, project, batches)
    pm = signed_in(app, "pm@example.com", project.id, "editor")
    page_path = f"/app/p/{project.id}/nudges/{nudge['id']}"
    page = pm.client.get(page_path).get_data(as_text=True)
    assert "Verdict: works" in page and "Resolve the gap with this evidence" in page
    resolved = pm.submit(page_path, f"{page_path}/resolve", {})
    assert resolved.status_code == 302 and resolved.headers["Location"].endswith(f"#gap-{hidden_alerts.gap['id']}")
    gap = [g for g in hidden_alerts.api["gaps"].get().get_json()["gaps"] if g["id"] == hidden_alerts.gap["id"]][0]
    assert gap["remediation"]["status"] == "resolved"
    assert (
        gap["remediation"]["note"].startswith("Closed by the nudge") and "verdict: works" in gap["remediation"]["note"]
    )
    assert "Resolve the gap with this evidence" not in pm.client.get(page_path).get_data(as_text=True)


def test_exposure_without_use_re_classifies_the_gap_as_delivery_with_a_walkthrough(
    hidden_alerts, client, project, batches, app
):
    from tests.test_ui_overview import signed_in

    features = AdminApi(client, project.secret_key, "features")
    assert features.patch("/alerts", json={"event": "Alert Created"}).status_code == 200
    nudge = launch(hidden_alerts)
    arms = {i: "treatment" if config(client, project, i)["nudges"] else "holdout" for i in range(PEOPLE)}
    rng = random.Random(3)
    when = datetime.now(UTC).isoformat()
    found = [i for i in range(PEOPLE) if rng.random() < (0.7 if arms[i] == "treatment" else 0.1)]
    assert batches.post([alerts(i, "feature_seen", when) for i in found], sent_at=None).get_json()["rejected"] == []
    pm = signed_in(app, "pm@example.com", project.id, "editor")
    page_path = f"/app/p/{project.id}/nudges/{nudge['id']}"
    page = pm.client.get(page_path).get_data(as_text=True)
    assert "this is a delivery gap" in page and "Re-classify as a delivery gap" in page
    moved = pm.submit(page_path, f"{page_path}/reclassify", {})
    assert moved.status_code == 302
    walkthrough = hidden_alerts.api["nudges"].get(moved.headers["Location"].split("/nudges")[1]).get_json()
    assert walkthrough["kind"] == "checklist" and walkthrough["status"] == "draft"
    assert [(s["feature"], s["event"]) for s in walkthrough["content"]["steps"]] == [
        ("alerts", None),
        (None, "Alert Created"),
    ]
    assert walkthrough["target"] == {"gap": hidden_alerts.gap["id"]}
    assert walkthrough["metric"] == {"measure": "adoption", "feature": "alerts"}
    gap = [g for g in hidden_alerts.api["gaps"].get().get_json()["gaps"] if g["id"] == hidden_alerts.gap["id"]][0]
    assert gap["remediation"]["status"] == "in_progress"
    assert gap["remediation"]["note"].startswith("A delivery gap, not a communication gap: the nudge")
    # A nudge whose results show no such thing re-classifies nothing.
    other = pm.submit(moved.headers["Location"], moved.headers["Location"] + "/reclassify", {})
    assert other.headers["Location"].endswith(moved.headers["Location"].split("/app")[1])
