"""Dashboard overview, gap report, people and nudges: `base` holds the blueprint with the overview and gap
pages, `people` adds the people list and one person's timeline to it, `nudges` the nudges made from gaps."""

from . import nudges, people
from .base import bp

__all__ = ["bp", "nudges", "people"]
