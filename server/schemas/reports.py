"""What the read-out endpoints return (gap report, scores, funnel, account health, eligibility), as dump schemas.

The services build these answers as plain dicts; these schemas describe them field by field for the OpenAPI
document, so clients and the schemathesis run can hold the API to its word.
"""

from marshmallow import EXCLUDE, Schema, fields, validate

from ..models.people import STAGES
from .fields import WholeNumber
from .segments import SegmentOutSchema


class SurveyListQuerySchema(Schema):
    """`status`: only the surveys in this status."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(("draft", "active", "paused", "archived")))


class CountedSegmentSchema(SegmentOutSchema):
    """A segment and how many people match its rules now."""

    count = WholeNumber(metadata={"description": "People matching the rules now."})


class CheckSchema(Schema):
    rule = fields.String()
    passed = fields.Boolean()
    reason = fields.String()


class BrowserCheckSchema(Schema):
    rule = fields.String()
    reason = fields.String()


class EligibilitySchema(Schema):
    """Why a survey would or would not show to one person, rule by rule."""

    survey = WholeNumber()
    person = fields.String()
    known = fields.Boolean(metadata={"description": "Whether the id belongs to a person seen before."})
    eligible = fields.Boolean()
    checks = fields.List(fields.Nested(CheckSchema))
    checkedInBrowser = fields.List(
        fields.Nested(BrowserCheckSchema), metadata={"description": "Rules only the tracker can check, on the page."}
    )


# --- funnel -------------------------------------------------------------------------------------------------


class FunnelFiltersSchema(Schema):
    since = fields.DateTime(allow_none=True)
    until = fields.DateTime(allow_none=True)
    segment = fields.String(allow_none=True)


class FunnelStageSchema(Schema):
    stage = fields.String(validate=validate.OneOf(STAGES))
    reached = WholeNumber(metadata={"description": "People who reached the stage."})
    current = WholeNumber(metadata={"description": "People in the stage now."})
    conversion = fields.Float(
        metadata={"description": "reached ÷ reached of the stage before (not on trial)."}, allow_none=True
    )
    medianHoursFromFirstSeen = fields.Float(allow_none=True)


class CohortStageSchema(Schema):
    stage = fields.String(validate=validate.OneOf(STAGES))
    reached = WholeNumber()
    conversion = fields.Float(allow_none=True)


class FunnelCohortSchema(Schema):
    week = fields.Date(metadata={"description": "The Monday of the signup week."})
    stages = fields.List(fields.Nested(CohortStageSchema))


class FunnelSchema(Schema):
    """People per journey stage, conversion between stages, median time to each; by signup week when asked."""

    filters = fields.Nested(FunnelFiltersSchema)
    stages = fields.List(fields.Nested(FunnelStageSchema))
    cohorts = fields.List(fields.Nested(FunnelCohortSchema), metadata={"description": "Only with cohorts=week."})


# --- scores -------------------------------------------------------------------------------------------------


class NpsSchema(Schema):
    score = fields.Float(metadata={"description": "%promoters − %detractors; null without answers."}, allow_none=True)
    n = WholeNumber()
    promoters = WholeNumber()
    passives = WholeNumber()
    detractors = WholeNumber()
    marginOfError = fields.Float(
        metadata={"description": "95% margin, in NPS points; null below 2 answers."}, allow_none=True
    )


class CsatSchema(Schema):
    score = fields.Float(metadata={"description": "Share of 4–5 answers on 1–5."}, allow_none=True)
    n = WholeNumber()
    satisfied = WholeNumber()


class ResponseRateSchema(Schema):
    rate = fields.Float(allow_none=True)
    shown = WholeNumber()
    answered = WholeNumber()


class ScoreSetSchema(Schema):
    nps = fields.Nested(NpsSchema)
    csat = fields.Nested(CsatSchema)
    responseRate = fields.Nested(ResponseRateSchema)


class PeriodScoresSchema(ScoreSetSchema):
    start = fields.Date(metadata={"description": "The first day of the week or month."})


class PerceptionDimensionSchema(Schema):
    dimension = fields.String(allow_none=True, metadata={"description": "Null: the overall (untagged) pair."})
    feature = fields.Boolean(metadata={"description": "Whether the dimension is a feature key."})
    expectation = fields.Float()
    perception = fields.Float()
    gap = fields.Float(metadata={"description": "perception − expectation on a 7-point scale; < 0 is below."})
    nExpectation = WholeNumber()
    nPerception = WholeNumber()
    weight = fields.Float(allow_none=True)


class PerceptionSchema(Schema):
    dimensions = fields.List(fields.Nested(PerceptionDimensionSchema))
    weighted = fields.Float(allow_none=True)
    weightedBy = fields.String(allow_none=True, validate=validate.OneOf(("importance", "mean")))


class ValueGapSchema(Schema):
    dimension = fields.String(allow_none=True)
    expected = fields.Float()
    realised = fields.Float()
    gap = fields.Float(metadata={"description": "realised − expected, in points of 0–100."})
    nExpected = WholeNumber()
    nRealised = WholeNumber()


class ScoresFiltersSchema(Schema):
    since = fields.DateTime(allow_none=True)
    until = fields.DateTime(allow_none=True)
    stage = fields.String(allow_none=True)
    segment = fields.String(allow_none=True)
    survey = WholeNumber(allow_none=True)
    period = fields.String(allow_none=True)


class ScoresSchema(ScoreSetSchema):
    """NPS, CSAT and response rate overall, by stage and by period; P − E and value gaps by dimension."""

    filters = fields.Nested(ScoresFiltersSchema)
    perception = fields.Nested(PerceptionSchema)
    value = fields.List(fields.Nested(ValueGapSchema))
    byStage = fields.Dict(keys=fields.String(), values=fields.Nested(ScoreSetSchema))
    byPeriod = fields.List(fields.Nested(PeriodScoresSchema), metadata={"description": "Only with period."})
