"""Dashboard overview, gap report and people: `base` holds the blueprint with the overview and gap pages,
`people` adds the people list and one person's timeline to it."""

from . import people
from .base import bp

__all__ = ["bp", "people"]
