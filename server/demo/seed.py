"""The demo project: the features, surveys and segments of a small analytics SaaS, and its simulated people.

`configure` sets the project up (idempotent); `seed` also loads the simulation of `demo.simulation`, whose
planted gaps the gap report should flag. `examples/simulate.py` is the command-line way to the same data.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.features import definitions as features
from ..core.gaps import report as gaps
from ..core.ingest.load import load
from ..core.projects import keys, users
from ..core.segments import definitions as segments
from ..core.surveys import definitions as surveys
from ..models import Event, Project, User
from ..models.base import utcnow
from ..schemas.segments import SegmentSchema
from ..schemas.surveys import SurveySchema
from . import nudge as demo_nudge
from . import plan as demo_data
from . import simulation

DEMO_NAME = "Gapwise Demo"
BATCH = 500

# The tagged features of examples/app (its buttons), with the events that also count as their use.
DEMO_FEATURES: list[dict] = [
    {
        "key": "export",
        "name": "Export reports",
        "selector": "#export-btn",
        "event": "Report Exported",
        "core": True,
        "aha": True,
        "goals": ["reporting"],
        "effort": 2,
    },
    {
        "key": "share",
        "name": "Share dashboards",
        "selector": "#share-btn",
        "event": "Dashboard Shared",
        "core": True,
        "goals": ["collaboration"],
        "effort": 3,
    },
    {
        "key": "alerts",
        "name": "Alerts",
        "selector": "#create-alert-btn",
        "event": "Alert Created",
        "core": True,
        "promised": True,
        "goals": ["monitoring"],
        "effort": 2,
    },
    {
        "key": "integrations",
        "name": "Integrations",
        "selector": "#connect-btn",
        "event": "Integration Connected",
        "goals": ["automation"],
        "effort": 5,
    },
]

# `ads-trials` is the trial cohort the simulation makes stall; `settled` (a week in) is who gets the later surveys.
DEMO_SEGMENTS: list[dict] = [
    {
        "key": "ads-trials",
        "name": "Trials from ads",
        "rules": {"match": "all", "conditions": [{"field": "trait", "key": "source", "op": "eq", "value": "ads"}]},
    },
    {
        "key": "settled",
        "name": "A week or more in",
        "rules": {"match": "all", "conditions": [{"field": "days_since_first_seen", "op": "gte", "value": 7}]},
    },
]


def _rating(qid, text, scale, measures, dimension, low="Low", high="High") -> dict:
    return {
        "id": qid,
        "type": "rating",
        "scale": scale,
        "text": text,
        "lowLabel": low,
        "highLabel": high,
        "measures": measures,
        "dimension": dimension,
    }


# What the example app shows everyone: a welcome screen on the first visit, an NPS after an export, a CSAT on sharing.
DEMO_SURVEYS: list[dict] = [
    {
        "name": "Welcome",
        "kind": "welcome",
        "status": "active",
        "questions": [
            {
                "id": "role",
                "type": "single_choice",
                "text": "Welcome to Acme Analytics! What is your role?",
                "trait": "role",
                "choices": [
                    {"id": "pm", "label": "Product manager"},
                    {"id": "eng", "label": "Engineer"},
                    {"id": "ops", "label": "Operations"},
                ],
            },
            {
                "id": "goals",
                "type": "multi_choice",
                "text": "What do you want to get done?",
                "choices": [
                    {"id": "reporting", "label": "Share reports", "goals": ["reporting"]},
                    {"id": "collaboration", "label": "Work on dashboards together", "goals": ["collaboration"]},
                    {"id": "monitoring", "label": "Get alerted", "goals": ["monitoring"]},
                    {"id": "automation", "label": "Automate workflows", "goals": ["automation"]},
                ],
            },
            _rating(
                "speed", "How fast do you expect reports to be?", 7, "expectation", "export", "Not important", "Instant"
            ),
        ],
        "thankYou": "Thanks, you're all set!",
        "targeting": {"trigger": {"type": "immediate", "delay": 1}, "frequency": {"type": "once"}, "priority": 10},
    },
    {
        "name": "NPS after exporting",
        "kind": "nps",
        "status": "active",
        "questions": [
            {
                "id": "score",
                "type": "nps",
                "text": "How likely are you to recommend Acme Analytics to a colleague?",
                "lowLabel": "Not likely",
                "highLabel": "Very likely",
                "measures": "perception",
                "branches": [{"min": 0, "max": 6, "goto": "detractor"}, {"min": 9, "max": 10, "goto": "promoter"}],
            },
            {"id": "passive", "type": "text", "text": "What would make it a 10?", "next": "end"},
            {"id": "detractor", "type": "text", "text": "What disappointed you?", "next": "end"},
            {"id": "promoter", "type": "text", "text": "What do you like most?"},
        ],
        "targeting": {"trigger": {"type": "event", "event": "Report Exported", "delay": 2}, "priority": 5},
    },
    {
        "name": "CSAT for sharing",
        "kind": "csat",
        "status": "active",
        "questions": [
            _rating(
                "csat",
                "How satisfied are you with sharing?",
                5,
                "perception",
                "share",
                "Very unsatisfied",
                "Very satisfied",
            )
        ],
        "targeting": {"trigger": {"type": "feature", "feature": "share", "delay": 1}, "priority": 1},
    },
]

# Asked once people are a week in (segment `settled`): exports, and the SERVQUAL-style pairs.
SETTLED_SURVEYS: list[dict] = [
    {
        "name": "CSAT for exports",
        "kind": "csat",
        "status": "active",
        "questions": [
            _rating(
                "csat",
                "How satisfied are you with exports?",
                5,
                "perception",
                "export",
                "Very unsatisfied",
                "Very satisfied",
            ),
            _rating("speed", "How fast are reports now?", 7, "perception", "export", "Slow", "Instant"),
        ],
        "targeting": {
            "segment": "settled",
            "trigger": {"type": "feature", "feature": "export", "delay": 2},
            "priority": 0,
        },
    },
    {
        "name": "Reliability check",
        "kind": "custom",
        "status": "active",
        "questions": [
            _rating("expected", "How reliable must an analytics tool be for you?", 7, "expectation", "reliability"),
            _rating("perceived", "How reliable has Acme Analytics been?", 7, "perception", "reliability"),
        ],
        "targeting": {"segment": "settled", "trigger": {"type": "pageview", "delay": 5}, "priority": -1},
    },
    {
        "name": "Time saved",
        "kind": "custom",
        "status": "active",
        "questions": [
            _rating(
                "expected",
                "When you started, how much time did you expect to save?",
                7,
                "value_expected",
                "time_saved",
                "None",
                "Hours a day",
            ),
            _rating(
                "realised",
                "How much time does it save you now?",
                7,
                "value_realised",
                "time_saved",
                "None",
                "Hours a day",
            ),
        ],
        "targeting": {"segment": "settled", "trigger": {"type": "pageview", "delay": 5}, "priority": -2},
    },
]

# The simulation's name for each survey (demo_data.SURVEYS) → the survey's name in the project.
SURVEY_NAMES = dict(zip(demo_data.SURVEYS, [s["name"] for s in DEMO_SURVEYS + SETTLED_SURVEYS], strict=True))


# The demo's dashboard login, printed by `gapwise demo`: for a local demo, never a real install.
DEMO_LOGIN = ("demo@gapwise.local", "gapwise-demo")


@dataclass
class DemoResult:
    project_id: int
    project_name: str
    write_key: str
    secret_key: str | None
    events: int
    survey_ids: dict = field(default_factory=dict)


def configure(session: Session) -> DemoResult:
    """Create the demo project with its features, segments and surveys, adding only what is missing."""
    project = session.scalar(select(Project).where(Project.name == DEMO_NAME))
    secret = None
    if project is None:
        project, secret = keys.create_project(session, DEMO_NAME)
    existing = {f.key for f in features.list_features(session, project.id)}
    for spec in DEMO_FEATURES:
        if spec["key"] not in existing:
            features.create_feature(session, project.id, spec)
    existing = {s.key for s in segments.list_segments(session, project.id)}
    for spec in DEMO_SEGMENTS:
        if spec["key"] not in existing:
            segments.create_segment(session, project.id, SegmentSchema().load(spec))
    ids = {s.name: s.id for s in surveys.list_surveys(session, project.id)}
    for spec in DEMO_SURVEYS + SETTLED_SURVEYS:
        if spec["name"] not in ids:
            ids[spec["name"]] = surveys.create_survey(session, project.id, SurveySchema().load(spec)).id
    session.commit()
    _demo_login(session, project.id)
    survey_ids = {key: str(ids[name]) for key, name in SURVEY_NAMES.items()}
    result = DemoResult(project.id, project.name, project.write_key, secret, _count(session, project.id), survey_ids)
    session.commit()  # end the read: ingestion and the gap report start their own write transactions
    return result


def _demo_login(session: Session, project_id: int) -> None:
    """The dashboard login `make demo` prints: the owner of the demo project (a local demo only)."""
    user = session.scalar(select(User).where(User.email == DEMO_LOGIN[0]))
    if user is None:
        user = users.create_user(session, *DEMO_LOGIN)
    if users.role_in(session, user.id, project_id) is None:
        users.grant(session, user.id, project_id, "owner")


def seed(
    session: Session, people: int = demo_data.PEOPLE, days: int = demo_data.DAYS, seed_value: int = demo_data.SEED
) -> DemoResult:
    """Configure the demo project and load the simulation through ingestion; running it again adds nothing."""
    result = configure(session)
    now = utcnow()
    messages = simulation.generate(people, days, seed_value, now, survey_ids=result.survey_ids)
    for offset in range(0, len(messages), BATCH):
        load(session, result.project_id, messages[offset : offset + BATCH], now)
    demo_nudge.plant(session, result.project_id, now, seed_value)
    result.events = _count(session, result.project_id)
    session.commit()
    return result


def gap_lines(session: Session, project_id: int) -> list[str]:
    """The project's gap report now, as short lines for a terminal."""
    return report_lines(gaps.report(session, project_id))


def report_lines(report: dict) -> list[str]:
    """The flags of a gap report (as gaps.report or GET /api/v1/gaps return it), one line each."""
    found = [g for g in report["gaps"] if g.get("flagged", True)]
    lines = [f"  {g['type']:<13} {g['subject']:<16} {g['cohort']:<22} priority {g['priority']:,.0f}" for g in found]
    return [f"gaps flagged: {len(found)}", *lines]


def _count(session: Session, project_id: int) -> int:
    return session.execute(select(func.count()).select_from(Event).where(Event.project_id == project_id)).scalar_one()
