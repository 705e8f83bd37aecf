"""Segment schemas: the rules tree (groups of conditions, one schema per `field`) and the API's segments."""

import math

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from ..models.people import STAGES
from .features import KEY
from .fields import WholeNumber

MAX_DEPTH = 3  # the top group counts as 1
MAX_CONDITIONS = 50  # entries in all groups together, nested groups included
ACCOUNT_COLUMNS = ("name", "plan", "tier", "mrr")
EQUALITY_OPS = ("eq", "neq", "in", "not_in")
NUMERIC_OPS = ("eq", "gt", "gte", "lt", "lte")
PRESENCE_OPS = ("exists", "not_exists")
VALUE_OPS = (*EQUALITY_OPS, "contains", "gt", "gte", "lt", "lte")
# A traits key: any text a JSON path can quote on every backend (no '"', '\' or control characters).
TRAIT_KEY = validate.Regexp(r'^[^"\\\x00-\x1f]{1,100}$', error="Use 1 to 100 characters, without '\"' or '\\'.")
MAX_TEXT, MAX_LIST = 500, 100


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_scalar(value) -> bool:
    return (isinstance(value, str) and len(value) <= MAX_TEXT) or isinstance(value, bool) or _is_number(value)


def _is_whole(value, most: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most


class _Condition(Schema):
    """Fields every condition has; `value` is checked against `op` by `value_error`."""

    class Meta:
        unknown = RAISE

    field = fields.String(required=True)
    value = fields.Raw(allow_none=True)

    @validates_schema
    def check_value(self, data, **kwargs):
        op, value = data["op"], data.get("value")
        if op in PRESENCE_OPS:
            if value is not None:
                raise ValidationError(f"'{op}' takes no value.", "value")
        elif value is None:
            raise ValidationError(f"'{op}' needs a value.", "value")
        elif (error := self.value_error(op, value)) is not None:
            raise ValidationError(error, "value")

    @post_load
    def drop_empty_value(self, data, **kwargs):
        if data.get("value", 0) is None:
            del data["value"]
        return data

    def value_error(self, op: str, value) -> str | None:
        raise NotImplementedError


class TraitCondition(_Condition):
    """A trait of the person (`key` into their traits); also the shape of account conditions."""

    key = fields.String(required=True, validate=TRAIT_KEY)
    op = fields.String(required=True, validate=validate.OneOf((*VALUE_OPS, *PRESENCE_OPS)))

    def value_error(self, op, value):
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not 1 <= len(value) <= MAX_LIST or not all(map(_is_scalar, value)):
                return f"Give a list of 1 to {MAX_LIST} strings, numbers or booleans."
        elif op == "contains":
            if not isinstance(value, str) or not 1 <= len(value) <= MAX_TEXT:
                return f"Give a string of 1 to {MAX_TEXT} characters."
        elif op in ("eq", "neq"):
            if not _is_scalar(value):
                return f"Give a string (up to {MAX_TEXT} characters), a number or a boolean."
        elif not _is_number(value):
            return "Give a number."
        return None


class AccountCondition(TraitCondition):
    """A field of the person's account: name, plan, tier, mrr, or any key of its traits."""


class StageCondition(_Condition):
    """The person's journey stage."""

    op = fields.String(required=True, validate=validate.OneOf(EQUALITY_OPS))

    def value_error(self, op, value):
        listed = op in ("in", "not_in")
        if listed and (not isinstance(value, list) or not value):
            return f"Give a list of stages: {', '.join(STAGES)}."
        if not all(isinstance(v, str) and v in STAGES for v in (value if listed else [value])):
            return f"Stages are: {', '.join(STAGES)}."
        return None


class _Numeric(_Condition):
    op = fields.String(required=True, validate=validate.OneOf(NUMERIC_OPS))
    most = 10**9

    def value_error(self, op, value):
        return None if _is_whole(value, self.most) else f"Give a whole number from 0 to {self.most}."


class DaysCondition(_Numeric):
    """Whole days since the person was first seen."""

    most = 36_500


class EventCountCondition(_Numeric):
    """How many times the person tracked `event` in the last `within_days` days."""

    event = fields.String(required=True, validate=validate.Length(1, 200))
    within_days = WholeNumber(required=True, strict=True, validate=validate.Range(1, 365))


class FeatureCountCondition(_Numeric):
    """How many times the person used the feature `feature` in the last `within_days` days."""

    feature = fields.String(required=True, validate=KEY)
    within_days = WholeNumber(required=True, strict=True, validate=validate.Range(1, 365))


CONDITIONS = {
    "trait": TraitCondition,
    "account": AccountCondition,
    "stage": StageCondition,
    "days_since_first_seen": DaysCondition,
    "event_count": EventCountCondition,
    "feature_count": FeatureCountCondition,
}


class _Entry(fields.Field):
    """One entry of a group: a condition, chosen by its `field`, or a nested group."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("Give a condition or a group (an object).")
        if "field" in value:
            schema = CONDITIONS.get(value["field"]) if isinstance(value["field"], str) else None
            if schema is None:
                raise ValidationError({"field": [f"Must be one of: {', '.join(CONDITIONS)}."]})
            return schema().load(value)
        if "conditions" not in value and "match" not in value:
            raise ValidationError({"field": ["Give a field, or match and conditions for a group."]})
        group = self.root
        assert isinstance(group, GroupSchema)  # _Entry is a field of GroupSchema only
        depth = group.depth
        if depth >= MAX_DEPTH:
            raise ValidationError(f"Groups nest at most {MAX_DEPTH} deep.")
        return GroupSchema(depth=depth + 1).load(value)


class GroupSchema(Schema):
    """Conditions joined by `match`: all (AND) or any (OR); no conditions matches everyone."""

    class Meta:
        unknown = RAISE

    match = fields.String(load_default="all", validate=validate.OneOf(("all", "any")))
    conditions = fields.List(_Entry(), load_default=list, validate=validate.Length(max=MAX_CONDITIONS))

    def __init__(self, *, depth: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.depth = depth

    @validates_schema
    def check_size(self, data, **kwargs):
        if self.depth == 1 and count_entries(data) > MAX_CONDITIONS:
            raise ValidationError(f"At most {MAX_CONDITIONS} conditions in all, nested groups included.", "conditions")


def count_entries(group: dict) -> int:
    """How many conditions and nested groups a rules tree holds."""
    return sum(1 + (count_entries(c) if "conditions" in c else 0) for c in group["conditions"])


class SegmentSchema(Schema):
    """Create a segment."""

    class Meta:
        unknown = EXCLUDE

    key = fields.String(required=True, validate=KEY)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    rules = fields.Nested(GroupSchema, required=True)


class SegmentUpdateSchema(Schema):
    """Change a segment's name, rules, or both (its key stays)."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(validate=validate.Length(1, 200))
    rules = fields.Nested(GroupSchema)


class SegmentOutSchema(Schema):
    """A segment as the API returns it (the view adds its live `count`)."""

    key = fields.String()
    name = fields.String()
    rules = fields.Raw()
    createdAt = fields.DateTime(attribute="created_at")
    updatedAt = fields.DateTime(attribute="updated_at")
