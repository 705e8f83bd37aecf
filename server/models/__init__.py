"""SQLAlchemy models; import them from here."""

from gapwise.models.base import Base
from gapwise.models.events import Event, EventId
from gapwise.models.features import Feature
from gapwise.models.gaps import Gap, GapSnapshot, GapWindow
from gapwise.models.people import Account, Person, PersonAlias
from gapwise.models.projects import Project, SecretKey
from gapwise.models.surveys import Display, Response, Segment, Survey
from gapwise.models.usage import Activity, FeatureUsage, PersonGoal
from gapwise.models.users import Membership, User
from gapwise.models.webhooks import Webhook, WebhookDelivery

__all__ = [
    "Base",
    "Project",
    "SecretKey",
    "Person",
    "PersonAlias",
    "Account",
    "Event",
    "EventId",
    "Feature",
    "Segment",
    "Survey",
    "Display",
    "Response",
    "FeatureUsage",
    "Activity",
    "PersonGoal",
    "Gap",
    "GapSnapshot",
    "GapWindow",
    "Webhook",
    "WebhookDelivery",
    "User",
    "Membership",
]
