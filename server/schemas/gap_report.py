"""What /api/v1/gaps and /api/v1/accounts/health return, as dump schemas for the OpenAPI document."""

from marshmallow import Schema, fields, validate

from .fields import WholeNumber
from .settings import GapThresholdsSchema

GAP_TYPES = ("communication", "delivery", "stall", "perception", "value", "knowledge")
TRENDS = ("new", "widening", "steady", "closing", "closed")


class WindowSchema(Schema):
    start = fields.DateTime()
    end = fields.DateTime(metadata={"description": "Exclusive."})
    days = WholeNumber()


class RemediationOutSchema(Schema):
    status = fields.String(validate=validate.OneOf(("open", "acknowledged", "in_progress", "resolved")))
    owner = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    dueDate = fields.Date(allow_none=True)
    resolvedAt = fields.DateTime(allow_none=True)
    reopened = fields.Boolean(metadata={"description": "Flagged again after it was resolved."})
    reopenedAt = fields.DateTime(allow_none=True)


class GapSchema(Schema):
    """A gap as the team tracks it, with its remediation."""

    id = WholeNumber()
    key = fields.String(metadata={"description": "<type>:<subject>:<cohort>"})
    type = fields.String(validate=validate.OneOf(GAP_TYPES))
    subject = fields.String()
    cohort = fields.String(metadata={"description": "all, stage:<stage> or segment:<key>."})
    feature = fields.String(allow_none=True)
    remediation = fields.Nested(RemediationOutSchema)


class GapEntrySchema(GapSchema):
    """A gap in the report: measured in this window, with its evidence, value, priority and trend."""

    flagged = fields.Boolean(metadata={"description": "False for a gap that closed in this window."})
    severity = fields.Float(metadata={"description": "0–1: how far under its threshold."})
    effort = WholeNumber(allow_none=True)
    value = fields.Float(metadata={"description": "Affected MRR, or head count when no MRR."})
    valueBasis = fields.String(allow_none=True, validate=validate.OneOf(("mrr", "people")))
    affectedPeople = WholeNumber()
    affectedAccounts = WholeNumber()
    mrr = fields.Float()
    priority = fields.Float(metadata={"description": "value × severity ÷ effort."})
    evidence = fields.Dict(metadata={"description": "The figures behind the flag; their names depend on the type."})
    trend = fields.String(validate=validate.OneOf(TRENDS))
    previousSeverity = fields.Float(allow_none=True)
    headline = fields.String()


class NotEnoughDataSchema(Schema):
    type = fields.String(metadata={"description": "The gap rule: communication, delivery, stall, …"})
    subject = fields.String(metadata={"description": "Its feature, stage, dimension, or goals."})
    n = WholeNumber(metadata={"description": "People behind its figure in this window."})
    needed = WholeNumber(metadata={"description": "People it needs (minPeople)."})
    of = fields.String(metadata={"description": "Who they are, in words."})


class GapReportSchema(Schema):
    """The prioritised gaps of a window against the window before, as the last evaluation stored them."""

    window = fields.Nested(WindowSchema)
    previousWindow = fields.Nested(WindowSchema)
    thresholds = fields.Nested(GapThresholdsSchema, metadata={"description": "The thresholds in force now."})
    gaps = fields.List(fields.Nested(GapEntrySchema))
    measuredAt = fields.DateTime(
        allow_none=True,
        metadata={"description": "When the window was last evaluated; null when it never was."},
    )
    state = fields.String(
        validate=validate.OneOf(("evaluated", "not_evaluated", "not_enough_data")),
        metadata={
            "description": "not_evaluated: nothing was measured for this window yet (an empty list, not "
            '"no gaps"); the scheduler or POST /api/v1/gaps/evaluate measures it. not_enough_data: measured, '
            "no gap flagged, and some rules had too few people to test (see notEnoughData), so an empty list "
            'is not "no gaps" either. evaluated: measured, and every rule without a flag had enough people.'
        },
    )
    notEnoughData = fields.List(
        fields.Nested(NotEnoughDataSchema),
        metadata={"description": "Rules everyone's cohort could not test yet: fewer people than minPeople."},
    )


class UsageSchema(Schema):
    current = WholeNumber(metadata={"description": "People-days active in the last 14 days."})
    previous = WholeNumber(metadata={"description": "People-days active in the 14 days before."})


class AccountHealthSchema(Schema):
    """An account's health: 0–100, with the reasons for every point taken off."""

    id = WholeNumber()
    externalId = fields.String()
    name = fields.String(allow_none=True)
    plan = fields.String(allow_none=True)
    mrr = fields.Float(allow_none=True)
    people = WholeNumber()
    score = WholeNumber()
    atRisk = fields.Boolean()
    reasons = fields.List(fields.String())
    usage = fields.Nested(UsageSchema)
    nps = fields.Float(allow_none=True, metadata={"description": "The latest NPS answer from the account."})
    csat = fields.Float(allow_none=True, metadata={"description": "The latest CSAT answer from the account."})
    openGaps = fields.List(fields.String())


class AccountsHealthSchema(Schema):
    accounts = fields.List(fields.Nested(AccountHealthSchema))
