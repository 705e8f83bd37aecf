"""Journey rules and gap thresholds: what a project may set, with the defaults of DESIGN.md."""

from marshmallow import EXCLUDE, Schema, fields, validate

from .fields import WholeNumber


class _Strict(Schema):
    class Meta:
        unknown = EXCLUDE


class ActivationSchema(_Strict):
    coreFeatures = WholeNumber(load_default=3, validate=validate.Range(1, 50))
    withinDays = WholeNumber(load_default=14, validate=validate.Range(1, 365))


class AdoptionSchema(_Strict):
    # Weeks with core use among the current calendar week and the three before it.
    weeks = WholeNumber(load_default=3, validate=validate.Range(1, 4))


class PopulationSchema(_Strict):
    """Who counts as a person of the product (core.gaps.population): identified people (`identified`), people
    seen on a page whose URL matches one of `productUrls` (patterns as in survey URL rules, searched in the
    URL), and anyone who used a tagged feature or sent a mobile screen; never robots, by user agent or by using
    more than `robotFeaturesPerMinute` distinct features within a minute."""

    identified = fields.Boolean(load_default=True)
    productUrls = fields.List(
        fields.String(validate=validate.Length(1, 200)),  # checked by core.journey.rules
        load_default=list,
        validate=validate.Length(max=20),
    )
    robotFeaturesPerMinute = WholeNumber(load_default=20, validate=validate.Range(3, 1000))


class JourneyRulesSchema(_Strict):
    """aha: any of `ahaEvents` or a use of an aha feature; activation and adoption count core features."""

    ahaEvents = fields.List(
        fields.String(validate=validate.Length(1, 200)), load_default=list, validate=validate.Length(max=50)
    )
    activation = fields.Nested(ActivationSchema, load_default=lambda: ActivationSchema().load({}))
    adoption = fields.Nested(AdoptionSchema, load_default=lambda: AdoptionSchema().load({}))
    population = fields.Nested(PopulationSchema, load_default=lambda: PopulationSchema().load({}))


class StallDaysSchema(_Strict):
    """Days a person may stay in a stage before they count as stalled there."""

    trial = WholeNumber(load_default=7, validate=validate.Range(1, 365))
    aha = WholeNumber(load_default=14, validate=validate.Range(1, 365))
    activation = WholeNumber(load_default=28, validate=validate.Range(1, 365))


_SHARE = validate.Range(0, 1)


class GapThresholdsSchema(_Strict):
    """When the gap engine flags: shares are 0–1; a flag needs at least `minPeople` behind it."""

    windowDays = WholeNumber(load_default=30, validate=validate.Range(1, 365))
    minPeople = WholeNumber(load_default=10, validate=validate.Range(1, 100_000))
    exposure = fields.Float(load_default=0.5, validate=_SHARE)
    adoption = fields.Float(load_default=0.3, validate=_SHARE)
    repeat = fields.Float(load_default=0.3, validate=_SHARE)
    csat = fields.Float(load_default=0.7, validate=_SHARE)
    stall = fields.Float(load_default=0.5, validate=_SHARE)
    stallDays = fields.Nested(StallDaysSchema, load_default=lambda: StallDaysSchema().load({}))
    perception = fields.Float(load_default=0.0, validate=validate.Range(-6, 6))
    value = fields.Float(load_default=0.0, validate=validate.Range(-100, 100))
    goalShare = fields.Float(load_default=0.25, validate=_SHARE)
    rareGoalShare = fields.Float(load_default=0.05, validate=_SHARE)
    # What a person in an account without MRR counts for in a gap's value (MRR at risk); unset: the
    # median MRR per person of the project's accounts with MRR.
    personValue = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 1_000_000))
