"""The demo project: a few accounts and people using a small SaaS app, sent through real ingestion."""
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Event, Project
from ..models.base import utcnow
from ..schemas.surveys import SurveySchema
from . import features, ingest, keys, surveys

DEMO_NAME = "Gapwise Demo"
ACCOUNTS = [("acme", "Acme Inc", "pro", 1200), ("globex", "Globex", "starter", 300), ("initech", "Initech", "trial", 0)]
FEATURES = ["Report Exported", "Dashboard Shared", "Alert Created", "Integration Connected"]
PAGES = ["/", "/reports", "/dashboards", "/alerts", "/settings"]
# The tagged features of examples/app (its buttons), with the events that also count as their use.
DEMO_FEATURES = [
    {"key": "export", "name": "Export reports", "selector": "#export-btn", "event": "Report Exported",
     "core": True, "aha": True, "goals": ["reporting"], "effort": 2},
    {"key": "share", "name": "Share dashboards", "selector": "#share-btn", "event": "Dashboard Shared",
     "core": True, "goals": ["collaboration"]},
    {"key": "alerts", "name": "Alerts", "selector": "#create-alert-btn", "event": "Alert Created",
     "core": True, "promised": True, "goals": ["monitoring"], "effort": 4},
    {"key": "integrations", "name": "Integrations", "selector": "#connect-btn", "event": "Integration Connected",
     "goals": ["automation"], "effort": 5},
]

# What the example app shows: a welcome screen on the first visit, an NPS after an export, a CSAT on sharing.
DEMO_SURVEYS = [
    {"name": "Welcome", "kind": "welcome", "status": "active",
     "questions": [
         {"id": "role", "type": "single_choice", "text": "Welcome to Acme Analytics! What is your role?",
          "trait": "role", "choices": [{"id": "pm", "label": "Product manager"}, {"id": "eng", "label": "Engineer"},
                                       {"id": "ops", "label": "Operations"}]},
         {"id": "goals", "type": "multi_choice", "text": "What do you want to get done?",
          "choices": [{"id": "reporting", "label": "Share reports", "goals": ["reporting"]},
                      {"id": "monitoring", "label": "Get alerted", "goals": ["monitoring"]},
                      {"id": "automation", "label": "Automate workflows", "goals": ["automation"]}]},
         {"id": "speed", "type": "rating", "scale": 7, "text": "How fast do you expect reports to be?",
          "lowLabel": "Not important", "highLabel": "Instant", "measures": "expectation", "dimension": "export"}],
     "thankYou": "Thanks, you're all set!",
     "targeting": {"trigger": {"type": "immediate", "delay": 1}, "frequency": {"type": "once"}, "priority": 10}},
    {"name": "NPS after exporting", "kind": "nps", "status": "active",
     "questions": [
         {"id": "score", "type": "nps", "text": "How likely are you to recommend Acme Analytics to a colleague?",
          "lowLabel": "Not likely", "highLabel": "Very likely", "measures": "perception",
          "branches": [{"min": 0, "max": 6, "goto": "detractor"}, {"min": 9, "max": 10, "goto": "promoter"}]},
         {"id": "passive", "type": "text", "text": "What would make it a 10?", "next": "end"},
         {"id": "detractor", "type": "text", "text": "What disappointed you?", "next": "end"},
         {"id": "promoter", "type": "text", "text": "What do you like most?"}],
     "targeting": {"trigger": {"type": "event", "event": "Report Exported", "delay": 2}, "priority": 5}},
    {"name": "CSAT for sharing", "kind": "csat", "status": "active",
     "questions": [{"id": "csat", "type": "rating", "scale": 5, "text": "How satisfied are you with sharing?",
                    "lowLabel": "Very unsatisfied", "highLabel": "Very satisfied", "measures": "perception",
                    "dimension": "share"}],
     "targeting": {"trigger": {"type": "feature", "feature": "share", "delay": 1}, "priority": 1}},
]


@dataclass
class DemoResult:
    project_id: int
    project_name: str
    write_key: str
    secret_key: str | None
    events: int


def seed(session: Session, people: int = 24, seed_value: int = 7) -> DemoResult:
    """Create the demo project once and fill it with two weeks of activity; running it again is harmless."""
    project = session.scalar(select(Project).where(Project.name == DEMO_NAME))
    secret = None
    if project is None:
        project, secret = keys.create_project(session, DEMO_NAME)
    ref = keys.ProjectRef(project.id, ())
    existing = {f.key for f in features.list_features(session, project.id)}
    for spec in DEMO_FEATURES:
        if spec["key"] not in existing:
            features.create_feature(session, project.id, spec)
    if not surveys.list_surveys(session, project.id):
        project.survey_cooldown_hours = 0  # so a demo shows the welcome screen and the NPS in one visit
        for spec in DEMO_SURVEYS:
            surveys.create_survey(session, project.id, SurveySchema().load(spec))
    session.commit()  # ingestion starts its own write transaction
    rng = random.Random(seed_value)
    now = utcnow()
    messages = []
    for n in range(people):
        account_id, account_name, plan, mrr = ACCOUNTS[n % len(ACCOUNTS)]
        user, anon = f"demo-user-{n}", f"demo-anon-{n}"
        start = now - timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 23))
        messages += _person_messages(rng, n, user, anon, start, account_id, account_name, plan, mrr)
    for offset in range(0, len(messages), 400):
        ingest.ingest_batch(session, ref, {"batch": messages[offset:offset + 400], "sentAt": None}, now)
    stored = session.scalar(select(func.count()).select_from(Event).where(Event.project_id == project.id))
    return DemoResult(project.id, project.name, project.write_key, secret, stored)


def _person_messages(rng, n, user, anon, start, account_id, account_name, plan, mrr) -> list[dict]:
    def message(kind, at, **fields):
        # Stable ids, so seeding twice adds nothing.
        return {"type": kind, "messageId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"gapwise-demo/{n}/{len(out)}")),
                "anonymousId": anon, "timestamp": at.isoformat(), **fields}

    out: list[dict] = []
    out.append(message("page", start, properties={"path": "/", "title": "Home"}))
    out.append(message("identify", start + timedelta(minutes=1), userId=user,
                       traits={"email": f"{user}@example.com", "plan": plan, "role": rng.choice(["pm", "eng", "ops"])}))
    out.append(message("group", start + timedelta(minutes=2), userId=user, groupId=account_id,
                       traits={"name": account_name, "plan": plan, "mrr": mrr}))
    at = start
    for _ in range(rng.randint(3, 15)):
        at += timedelta(hours=rng.randint(1, 20))
        if at > utcnow():
            break
        out.append(message("page", at, userId=user, properties={"path": rng.choice(PAGES)}))
        out.append(message("track", at + timedelta(seconds=30), userId=user, event=rng.choice(FEATURES),
                           properties={"source": "demo"}))
    return out
