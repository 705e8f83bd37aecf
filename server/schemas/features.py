"""Feature schemas: what /api/v1/features and the CLI accept and return."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates, validates_schema

from .fields import WholeNumber

KEY = validate.Regexp(
    r"^[a-z0-9][a-z0-9_.-]{0,63}$",
    error="Use 1 to 64 lowercase letters, digits, '_', '.' or '-', starting with a letter or digit.",
)


class FeatureSchema(Schema):
    """Create (all fields) or update (partial) a feature; a feature needs a selector, an event, or both."""

    class Meta:
        unknown = EXCLUDE

    key = fields.String(required=True, validate=KEY)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    selector = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 500))
    event = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    core = fields.Boolean(load_default=False)
    aha = fields.Boolean(load_default=False)
    promised = fields.Boolean(load_default=False)
    goals = fields.List(
        fields.String(validate=validate.Length(1, 100)), load_default=list, validate=validate.Length(max=20)
    )
    effort = WholeNumber(load_default=3, validate=validate.Range(1, 5))

    @validates("selector")
    def check_selector(self, value, **kwargs):
        # The browser is the judge of CSS; refuse only what cannot be a selector and could break out of one.
        if value is not None and any(c in value for c in "{};<"):
            raise ValidationError("Not a CSS selector.")

    @validates_schema
    def selector_or_event(self, data, partial=False, **kwargs):
        if partial:
            return
        if not data.get("selector") and not data.get("event"):
            raise ValidationError("Give a selector, an event, or both.", "selector")


class FeatureOutSchema(Schema):
    """A feature as the API returns it."""

    key = fields.String()
    name = fields.String()
    selector = fields.String(allow_none=True)
    event = fields.String(allow_none=True)
    core = fields.Boolean()
    aha = fields.Boolean()
    promised = fields.Boolean()
    goals = fields.List(fields.String())
    effort = WholeNumber()
    createdAt = fields.DateTime(attribute="created_at")
    updatedAt = fields.DateTime(attribute="updated_at")
