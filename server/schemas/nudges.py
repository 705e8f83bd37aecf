"""Nudge schemas: kind, texts per locale, call to action, checklist steps, target, holdout and success measure."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from .features import KEY
from .fields import WholeNumber
from .surveys import COLOR, ID, LOCALE, LocalizedText, in_default_locale

KINDS = ("banner", "tooltip", "modal", "checklist")
STATUSES = ("draft", "active", "paused", "ended")
MEASURES = ("exposure", "adoption", "repeat", "event")
VERDICTS = ("collecting", "works", "no effect", "harms")
STAGES = ("trial", "aha", "activation", "adoption")
EVENT = validate.Length(1, 200)


class CallToActionSchema(Schema):
    """A button: open a URL (http or https only), or "show me": scroll to the nudge's feature and highlight it."""

    label = LocalizedText(required=True, max_length=60)
    action = fields.String(required=True, validate=validate.OneOf(("url", "show_me")))
    url = fields.Url(load_default=None, schemes={"http", "https"}, validate=validate.Length(max=2000))

    @validates_schema
    def url_when_needed(self, data, **kwargs):
        if data["action"] == "url" and not data.get("url"):
            raise ValidationError("A call to action that opens a URL needs the url.", "url")


class StepSchema(Schema):
    """A checklist step, done by using a feature or by sending an event."""

    id = fields.String(required=True, validate=ID)
    text = LocalizedText(required=True, max_length=200)
    feature = fields.String(load_default=None, validate=KEY)
    event = fields.String(load_default=None, validate=EVENT)

    @validates_schema
    def one_way_to_finish(self, data, **kwargs):
        if (data.get("feature") is None) == (data.get("event") is None):
            raise ValidationError("A step is finished by a feature or by an event: give one of them.")


class TargetSchema(Schema):
    """Who may get it: the people a gap touches (as its latest evaluation stored them), a segment, or a stage."""

    gap = WholeNumber(load_default=None, validate=validate.Range(1, 2**63 - 1))
    segment = fields.String(load_default=None, validate=KEY)
    stage = fields.String(load_default=None, validate=validate.OneOf(STAGES))

    @validates_schema
    def exactly_one(self, data, **kwargs):
        if sum(data.get(k) is not None for k in ("gap", "segment", "stage")) != 1:
            raise ValidationError("Target one of: a gap, a segment or a stage.")

    @post_load
    def compact(self, data, **kwargs):
        return {k: v for k, v in data.items() if v is not None}


class MetricSchema(Schema):
    """Success: exposure (saw the feature), adoption (used it), repeat (used it on two days or more), or an event."""

    measure = fields.String(required=True, validate=validate.OneOf(MEASURES))
    feature = fields.String(load_default=None, validate=KEY)
    event = fields.String(load_default=None, validate=EVENT)

    @validates_schema
    def subject(self, data, **kwargs):
        if data["measure"] == "event" and not data.get("event"):
            raise ValidationError("An event measure names the event.", "event")
        if data["measure"] != "event" and not data.get("feature"):
            raise ValidationError(f"{data['measure'].capitalize()} is measured on a feature: name it.", "feature")

    @post_load
    def compact(self, data, **kwargs):
        return {k: v for k, v in data.items() if v is not None}


class NudgeAppearanceSchema(Schema):
    theme = fields.String(load_default="light", validate=validate.OneOf(("light", "dark")))
    colors = fields.Dict(
        keys=fields.String(validate=validate.OneOf(("accent", "background", "text"))),
        values=fields.String(validate=COLOR, allow_none=True),
        load_default=dict,
    )


class NudgeSchema(Schema):
    """Create a nudge by hand. (From a gap: `{"gap": <id>}` alone, with any of these fields to change the
    proposal.)"""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    status = fields.String(load_default="draft", validate=validate.OneOf(STATUSES))
    defaultLocale = fields.String(load_default="en", validate=validate.Regexp(LOCALE))
    title = LocalizedText(load_default=None, max_length=120)
    body = LocalizedText(required=True, max_length=500)
    cta = fields.Nested(CallToActionSchema, load_default=None)
    feature = fields.String(load_default=None, validate=KEY)  # a tooltip's anchor, the "show me" target
    position = fields.String(load_default="top", validate=validate.OneOf(("top", "bottom")))  # banners
    steps = fields.List(fields.Nested(StepSchema), load_default=list, validate=validate.Length(max=7))
    appearance = fields.Nested(NudgeAppearanceSchema, load_default=lambda: NudgeAppearanceSchema().load({}))
    target = fields.Nested(TargetSchema, required=True)
    holdout = fields.Float(load_default=0.2, validate=validate.Range(0.05, 0.5))
    unit = fields.String(load_default="person", validate=validate.OneOf(("person", "account")))
    metric = fields.Nested(MetricSchema, required=True)
    minEffect = fields.Float(load_default=0.1, validate=validate.Range(0.01, 0.5))
    priority = WholeNumber(load_default=0, validate=validate.Range(-1000, 1000))

    @validates_schema
    def coherent(self, data, partial=False, **kwargs):
        kind = data.get("kind")
        if kind == "tooltip" and not data.get("feature"):
            raise ValidationError("A tooltip points at a feature: name it.", "feature")
        if kind == "checklist" and len(data.get("steps") or []) < 2:
            raise ValidationError("A checklist has 2 to 7 steps.", "steps")
        if kind != "checklist" and data.get("steps"):
            raise ValidationError("Only a checklist has steps.", "steps")
        cta = data.get("cta")
        if cta and cta["action"] == "show_me" and not data.get("feature"):
            raise ValidationError('"Show me" scrolls to a feature: name it.', "feature")
        ids = [s["id"] for s in data.get("steps") or []]
        if len(ids) != len(set(ids)):
            raise ValidationError("Step ids must be unique.", "steps")

    @post_load
    def default_locale(self, data, partial=False, **kwargs):
        """Plain-string texts belong to the default locale, which every text must have."""
        texts = [("title", data.get("title")), ("body", data.get("body"))]
        texts += [("cta", (data.get("cta") or {}).get("label"))]
        texts += [("steps", s["text"]) for s in data.get("steps") or []]
        in_default_locale([(path, text) for path, text in texts if text], data.get("defaultLocale", "en"))
        return data


class NudgeFromGapSchema(Schema):
    """`{"gap": <id>}`: propose a nudge for the gap's people; any NudgeSchema field given replaces the proposal's."""

    class Meta:
        unknown = EXCLUDE

    gap = WholeNumber(required=True, validate=validate.Range(1, 2**63 - 1))


class NudgeUpdateSchema(Schema):
    """Change a nudge: its status (draft → active → paused/ended), name, priority or texts."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(validate=validate.OneOf(STATUSES))
    name = fields.String(validate=validate.Length(1, 200))
    priority = WholeNumber(validate=validate.Range(-1000, 1000))


class NudgeOutSchema(Schema):
    id = WholeNumber()
    name = fields.String()
    kind = fields.String()
    status = fields.String()
    gap = WholeNumber(attribute="gap_id", allow_none=True)
    target = fields.Dict()
    content = fields.Dict(metadata={"description": "Texts per locale, call to action, feature, position, steps."})
    appearance = fields.Dict()
    holdout = fields.Float()
    unit = fields.String()
    metric = fields.Dict()
    minEffect = fields.Float(attribute="min_effect")
    priority = WholeNumber()
    verdict = fields.String(validate=validate.OneOf(VERDICTS))
    createdAt = fields.DateTime(attribute="created_at")
    startedAt = fields.DateTime(attribute="started_at", allow_none=True)


class ArmSchema(Schema):
    n = WholeNumber(metadata={"description": "People assigned to the arm."})
    conversions = WholeNumber()
    rate = fields.Float(allow_none=True)
    low = fields.Float(metadata={"description": "95% Wilson interval of the rate."})
    high = fields.Float()
    severity = fields.Float(allow_none=True, metadata={"description": "The gap's severity measured in this arm."})


class NudgeResultsSchema(Schema):
    nudge = WholeNumber()
    metric = fields.Dict()
    treatment = fields.Nested(ArmSchema)
    holdout = fields.Nested(ArmSchema)
    lift = fields.Dict(metadata={"description": "treatment − holdout: value, low, high (95%, Newcombe)."})
    requiredPerArm = WholeNumber(metadata={"description": "People per arm the verdict waits for."})
    verdict = fields.String(validate=validate.OneOf(VERDICTS))
    waiting = fields.String(allow_none=True, metadata={"description": "While collecting: what is still needed."})
    decidedOn = fields.Dict(
        allow_none=True,
        metadata={
            "description": "Once decided: the first `perArm` people of each arm the verdict was taken on, their "
            "conversions and the lift with the verdict's 96% interval."
        },
    )
    diagnosis = fields.Dict(
        allow_none=True,
        metadata={
            "description": "For an exposure nudge whose exposure lift is above 0: whether adoption followed "
            '(kind "communication") or not (kind "delivery", with `text` saying the gap is one of delivery), '
            "with both lifts."
        },
    )
