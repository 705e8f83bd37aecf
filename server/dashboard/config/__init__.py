"""Dashboard pages that configure a project: settings and keys, segments, features, journey rules, notifications.

`base` makes the blueprint and the helpers its forms share; `settings`, `segments` and `features` add
their routes to it, and are imported here so that registering `bp` registers every page.
"""

from . import features, notifications, segments, settings
from .base import bp

__all__ = ["bp", "features", "notifications", "segments", "settings"]
