"""What every API resource shares: problem-details errors, token auth, pagination."""

from functools import wraps

from flask import current_app, g, json, jsonify, request
from flask_smorest import Api
from flask_smorest import abort as smorest_abort
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import HTTPException

from blueprints.web import translate
from core.errors import DomainError, NotFound
from extensions import db
from services.access import api_tokens, policy
from services.shared.validation import Invalid

PROBLEM_TYPE = "https://qianshou.example/problems/"
MAX_PAGE_SIZE = 100


class ProblemSchema(Schema):
    """An error, as RFC 9457 problem details plus a machine code and per-field errors."""
    type = fields.String(metadata={"description": "A URI naming the kind of problem"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    code = fields.String(metadata={"description": "Machine-readable error code"})
    errors = fields.Dict(keys=fields.String(), metadata={
        "description": "Per-field messages: field name → list of messages"})


class ProblemApi(Api):
    """flask-smorest's Api with errors as application/problem+json."""
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """The app's one error dispatcher (app.py) calls problem_response for /api paths."""

    def _openapi_json(self):
        """The document, with error responses under their real content type."""

        return current_app.response_class(
            json.dumps(_problem_content(self.spec.to_dict()), indent=2, sort_keys=False),
            mimetype="application/json")


def problem_response(error: HTTPException):
    """A problem-details response for an HTTP error raised while serving the API."""
    data = getattr(error, "data", None) or {}
    errors = _by_field(data.get("errors") or data.get("messages"))
    code = data.get("code") or (error.name or "error").lower().replace(" ", "_")
    body = {"type": PROBLEM_TYPE + code, "title": error.name, "status": error.code,
            "detail": data.get("message") or error.description or error.name, "code": code}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = error.code
    response.content_type = "application/problem+json"
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response


_LOCATIONS = {"json", "query", "form", "files", "headers", "path"}


def _by_field(errors) -> dict | None:
    """Validation messages keyed by field; a message about a whole location (e.g. invalid
    JSON) is kept under the location's name."""
    if not errors:
        return None
    if not isinstance(errors, dict):
        return {"_body": errors if isinstance(errors, list) else [str(errors)]}
    if not set(errors) <= _LOCATIONS:
        return errors
    merged: dict = {}
    for location, part in errors.items():
        if isinstance(part, dict):
            merged.update(part)
        else:
            merged[location] = part
    return merged


def _problem_content(spec: dict) -> dict:
    """Document every error response as application/problem+json, as it is served."""
    def fix(response: dict) -> None:
        content = response.get("content", {})
        if "application/json" in content:
            content["application/problem+json"] = content.pop("application/json")

    error_refs = set()
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if status == "default" or str(status)[0] in "45":
                    if "$ref" in response:
                        error_refs.add(response["$ref"].rsplit("/", 1)[-1])
                    else:
                        fix(response)
    for name in error_refs:
        fix(spec.get("components", {}).get("responses", {}).get(name, {}))
    return spec


def abort(status: int, code: str, message: str, errors: dict | None = None, **extra):
    smorest_abort(status, code=code, message=message, errors=errors, **extra)


def too_many(error) -> None:
    """429 for a rate limit a service enforces, with Retry-After in seconds."""
    abort(429, "too_many_requests", translate(error.message, error.params),
          headers={"Retry-After": str(error.retry_after)})


def fail_from(error: Exception):
    """Turn a service's refusal into the right problem response (never a 500)."""
    if isinstance(error, NotFound):
        abort(404, "not_found", "Not found")
    if isinstance(error, policy.Forbidden):
        abort(403, "forbidden", translate(error.message, error.params))
    if isinstance(error, Invalid):
        errors: dict[str, list[str]] = {}
        for problem in error.problems:
            errors.setdefault(problem.field, []).append(
                translate(problem.message, problem.params))
        abort(422, "invalid", "Some fields are not valid.", errors)
    if isinstance(error, DomainError):
        abort(409, "conflict", translate(error.message, error.params))
    raise error


def refusal_problem(error: Exception):
    """The problem+json answer for a service's refusal (``fail_from``'s statuses)."""
    try:
        fail_from(error)
    except HTTPException as http_error:
        return problem_response(http_error)


def scoped_record(model, record_id: int):
    """The record with this id within the caller's reach (services.access.policy), else 404."""
    try:
        return policy.get_scoped(db.session, g.api_user, model, record_id)
    except DomainError as error:
        fail_from(error)


def token_required(action: str | None = None):
    """Authenticate by bearer token and, if given, require the role's permission."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            user = api_tokens.user_for_token(db.session, token.strip()) \
                if scheme.lower() == "bearer" else None
            if user is None:
                abort(401, "unauthenticated", "Send a valid token: Authorization: Bearer <token>",
                      headers={"WWW-Authenticate": 'Bearer realm="qianshou"'})
            if action and not policy.allowed(user, action):
                abort(403, "forbidden", "Your role may not do this.")
            g.api_user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator


SECURED = {"security": [{"bearerAuth": []}]}


def secured(blp, action: str | None = None, forbidden: str | None = None):
    """Token authentication for a view, with its security, 401 and 403 documented.

    ``action`` is the permission the role needs; ``forbidden`` describes the 403 (also
    for views that decide who is allowed themselves, without an ``action``).
    """

    def decorator(view):
        wrapped = blp.doc(**SECURED)(token_required(action)(view))
        wrapped = blp.alt_response(401, description="No valid token")(wrapped)
        if action or forbidden:
            wrapped = blp.alt_response(403, description=forbidden or "The role may not do this")(
                wrapped)
        return wrapped

    return decorator


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1,
                                                                        max=MAX_PAGE_SIZE))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """A page of items: stable order by id, a hard cap on the page size."""
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item_schema)),
        "page": fields.Integer(), "page_size": fields.Integer(), "total": fields.Integer(),
    })


def paginate(stmt, args: dict) -> dict:
    page = db.paginate(stmt, page=args["page"], per_page=args["page_size"], error_out=False,
                       max_per_page=MAX_PAGE_SIZE)
    return {"items": page.items, "page": page.page, "page_size": page.per_page,
            "total": page.total}
