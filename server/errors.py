"""One error shape for the whole app: {code, status, message, errors?}."""

import logging

from flask import Flask, jsonify, make_response, render_template, request
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .db import db

log = logging.getLogger("gapwise.errors")


class ApiError(Exception):
    """Base of every error the API answers with; subclasses set status and code."""

    status_code = 400
    code = "bad_request"
    message = "Bad request."

    def __init__(self, message=None, errors=None, headers=None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.errors = errors
        self.headers = headers


class BadRequest(ApiError):
    status_code, code, message = 400, "bad_request", "The request body is malformed."


class Unauthorized(ApiError):
    status_code, code, message = 401, "unauthorized", "Missing, unknown or revoked key."


class Forbidden(ApiError):
    status_code, code, message = 403, "forbidden", "Not allowed."


class NotFound(ApiError):
    status_code, code, message = 404, "not_found", "Not found."


class Conflict(ApiError):
    status_code, code, message = 409, "conflict", "Conflicts with the current state."


class PayloadTooLarge(ApiError):
    status_code, code, message = 413, "payload_too_large", "The request body is too large."


class UnsupportedMediaType(ApiError):
    status_code, code, message = 415, "unsupported_media_type", "Unsupported content type."


class Unprocessable(ApiError):
    status_code, code, message = 422, "validation_error", "The input is invalid."


class StorageUnavailable(ApiError):
    status_code, code, message = 503, "storage_unavailable", "Storage is unavailable; retry later."


def error_body(status, code, message, errors=None):
    """Build the one JSON error shape."""
    body = {"code": code, "status": status, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _respond(status, code, message, errors=None, headers=None):
    if request.path.startswith("/app/") or request.path == "/app":
        # Dashboard pages answer errors as a page, in the same words.
        response = make_response(render_template("ui/error.html", status=status, message=message, errors=errors))
    else:
        response = jsonify(error_body(status, code, message, errors))
    response.status_code = status
    if headers:
        response.headers.update(headers)
    return response


def register_error_handlers(app: Flask) -> None:
    """Answer every error, expected or not, in the one shape."""

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        return _respond(error.status_code, error.code, error.message, error.errors, error.headers)

    @app.errorhandler(ValidationError)
    def handle_validation_error(error: ValidationError):
        return _respond(422, "validation_error", "The input is invalid.", error.normalized_messages())

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        return _respond(error.code or 500, code, error.description or error.name)

    @app.errorhandler(DBAPIError)
    def handle_storage_error(error: DBAPIError):
        # A lost connection or a database that refuses work: the client keeps its batch and retries.
        db.session.rollback()
        if isinstance(error, OperationalError) or error.connection_invalidated:
            # The SQLSTATE says which (a deadlock, a timeout, a lost connection) without any of the statement's data.
            sqlstate = getattr(error.orig, "sqlstate", None) or "no sqlstate"
            log.warning("storage unavailable: %s (%s)", error.__class__.__name__, sqlstate)
            return _respond(503, StorageUnavailable.code, StorageUnavailable.message, headers={"Retry-After": "5"})
        log.exception("database error")
        return _respond(500, "internal_error", "Internal server error.")

    @app.errorhandler(PoolTimeout)
    def handle_pool_timeout(error: PoolTimeout):
        # Every connection is busy: the database is slow or stuck; clients retry later.
        db.session.rollback()
        log.warning("storage unavailable: connection pool exhausted")
        return _respond(503, StorageUnavailable.code, StorageUnavailable.message, headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        db.session.rollback()
        log.exception("unhandled error")
        return _respond(500, "internal_error", "Internal server error.")
