"""Dump schemas for projects."""

from marshmallow import Schema, fields

from .fields import WholeNumber


class ProjectSchema(Schema):
    id = WholeNumber(dump_only=True)
    name = fields.String(dump_only=True)
    writeKey = fields.String(attribute="write_key", dump_only=True)
    allowedOrigins = fields.List(fields.String(), attribute="allowed_origins", dump_only=True)
    createdAt = fields.DateTime(attribute="created_at", dump_only=True)
