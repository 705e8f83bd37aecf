"""Dashboard overview, gap report, people, accounts and nudges: `base` holds the blueprint with the overview and
gap pages, `people` adds the people list and one person's timeline to it, `accounts` the accounts list and one
account, `nudges` the nudges made from gaps."""

from . import accounts, nudges, people
from .base import bp

__all__ = ["accounts", "bp", "nudges", "people"]
