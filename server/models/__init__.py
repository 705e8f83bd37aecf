"""SQLAlchemy models; import them from here."""
from .base import Base
from .events import Event
from .features import Feature
from .people import Account, Person, PersonAlias
from .projects import Project, SecretKey
from .surveys import Display, Response, Segment, Survey

__all__ = ["Base", "Project", "SecretKey", "Person", "PersonAlias", "Account", "Event", "Feature", "Segment", "Survey", "Display", "Response"]
