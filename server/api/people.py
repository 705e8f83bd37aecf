"""/api/v1/people: the project's people — list, show, export everything held about one, erase one (secret key)."""

from flask import Blueprint, g, request

from ..core.people import records as person_records
from ..db import db
from ..schemas.people import (
    DeletedSchema,
    PeoplePageSchema,
    PeopleQuerySchema,
    PersonExportSchema,
    PersonOutSchema,
)
from .openapi import ID, doc

bp = Blueprint("people", __name__)
_query, _person, _page, _export = PeopleQuerySchema(), PersonOutSchema(), PeoplePageSchema(), PersonExportSchema()


@bp.get("")
@doc("List people", query=PeopleQuerySchema, response=PeoplePageSchema, responses={404: "No segment with this key."})
def list_people():
    people, next_cursor = person_records.list_people(db.session, g.project_id, _query.load(request.args))
    return _page.dump({"people": people, "nextCursor": next_cursor})


@bp.get(f"/<{ID}:person_id>")
@doc("Get one person", response=PersonOutSchema)
def get_person(person_id):
    return _person.dump(person_records.get_person(db.session, g.project_id, person_id))


@bp.get(f"/<{ID}:person_id>/export")
@doc("Export everything held about a person", response=PersonExportSchema)
def export_person(person_id):
    """Everything held about the person: their record, events, survey displays, responses and goals."""
    return _export.dump(person_records.export_person(db.session, g.project_id, person_id))


@bp.delete(f"/<{ID}:person_id>")
@doc("Erase a person (GDPR)", response=DeletedSchema)
def delete_person(person_id):
    """Erase the person and everything they left (GDPR); figures that counted them are measured again."""
    return DeletedSchema().dump({"deleted": person_records.delete_person(db.session, g.project_id, person_id)})
