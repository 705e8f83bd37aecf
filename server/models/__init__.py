"""SQLAlchemy models; import them from here."""

from .base import Base
from .events import Event, EventId
from .features import Feature
from .gaps import Gap, GapPeople, GapSnapshot, GapWindow
from .ingest import Erasure, IngestFailure, IngestRecord
from .nudges import Nudge, NudgeAssignment
from .people import Account, Person, PersonAlias
from .projects import Project, SecretKey
from .surveys import Display, Response, Segment, Survey
from .usage import Activity, FeatureUsage, PersonGoal
from .users import Membership, OneTimeLink, SignInAttempt, User
from .webhooks import Webhook, WebhookDelivery

__all__ = [
    "Base",
    "Project",
    "SecretKey",
    "Person",
    "PersonAlias",
    "Account",
    "Event",
    "EventId",
    "IngestRecord",
    "IngestFailure",
    "Erasure",
    "Feature",
    "Segment",
    "Survey",
    "Display",
    "Response",
    "FeatureUsage",
    "Activity",
    "PersonGoal",
    "Gap",
    "GapPeople",
    "Nudge",
    "NudgeAssignment",
    "GapSnapshot",
    "GapWindow",
    "Webhook",
    "WebhookDelivery",
    "User",
    "SignInAttempt",
    "Membership",
    "OneTimeLink",
]
