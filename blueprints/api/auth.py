"""Tokens: log in with mobile number and password (the mini-program), get a token;
one-time codes by SMS to verify a new volunteer's phone and to reset a password."""

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from blueprints import codes, limits
from blueprints.api.core import abort, secured, too_many
from blueprints.transaction import keep_when_refused
from blueprints.web import translate
from core.errors import DomainError
from extensions import db, limiter
from models.otp import CODE_PURPOSES
from services.access import accounts, api_tokens, otp
from services.shared.validation import Invalid

blp = Blueprint("api_auth", __name__, url_prefix="/api/v1/auth",
                description="Log in and get a bearer token")


class LoginIn(Schema):
    phone = fields.String(required=True, metadata={"example": "13900000011"})
    password = fields.String(required=True, load_only=True)


class TokenOut(Schema):
    token = fields.String(metadata={"description": "Send as Authorization: Bearer <token>; "
                                                   "shown only once"})
    expires_at = fields.DateTime()
    role = fields.String()
    user_id = fields.Integer()


@blp.route("/token", methods=["POST"])
@limiter.limit(limits.login_limit, key_func=limits.json_phone_key)
@blp.arguments(LoginIn)
@blp.response(201, TokenOut)
@blp.alt_response(401, description="Wrong mobile number or password")
@blp.alt_response(429, description="Too many attempts")
def login(body):
    """Exchange a mobile number and password for a 30-day token."""
    user = accounts.authenticate(db.session, body["phone"], body["password"])
    if user is None:
        abort(401, "bad_credentials", "Wrong mobile number or password.")
    token, record = api_tokens.create_token(db.session, user, "mini-program log-in", days=30)
    return {"token": token, "expires_at": record.expires_at, "role": user.role,
            "user_id": user.id}


class CodeRequestIn(Schema):
    phone = fields.String(required=True, metadata={"example": "13900000011"})
    purpose = fields.String(required=True, validate=validate.OneOf(list(CODE_PURPOSES)),
                            metadata={"description": "signup: a new code for a sign-up not "
                                                     "yet verified; reset: a password reset"})


class CodeSentOut(Schema):
    expires_in = fields.Integer(metadata={"description": "Seconds the code stays valid"})


class VerifyIn(Schema):
    phone = fields.String(required=True, metadata={"example": "13900000011"})
    code = fields.String(required=True, validate=validate.Length(1, 6), load_only=True)


class ResetIn(VerifyIn):
    password = fields.String(required=True, load_only=True)


def _refuse_code(error: DomainError):
    """A wrong try counts: it is kept although the answer is a 422."""
    keep_when_refused()
    abort(422, "bad_code", translate(error.message, error.params),
          {"code": [translate(error.message, error.params)]})


@blp.route("/codes", methods=["POST"])
@limiter.limit(limits.login_limit, key_func=limits.json_phone_key)
@blp.arguments(CodeRequestIn)
@blp.response(202, CodeSentOut)
@blp.alt_response(400, description="The body is not valid JSON")
@blp.alt_response(422, description="The number is not a valid mobile number")
@blp.alt_response(429, description="Too many codes for this number or from this address "
                                   "(see Retry-After)")
def request_code(body):
    """Send a 6-digit code by SMS, valid 10 minutes, 5 tries.

    At most one code a minute and ten a day per number, and a limited number per client
    address. The answer is the same whether or not the number has an account or a sign-up
    waiting: a code is sent only where one is due (a reset for an account, a sign-up not
    yet verified)."""
    try:
        if body["purpose"] == "reset":
            otp.request_reset(db.session, body["phone"], codes.client_address(),
                              codes.limits())
        else:
            otp.resend_signup_code(db.session, otp.phone_hash_of(body["phone"]),
                                   codes.client_address(), codes.limits())
    except otp.TooManyCodes as error:
        too_many(error)
    return {"expires_in": int(otp.CODE_TTL.total_seconds())}


@blp.route("/verify", methods=["POST"])
@limiter.limit(limits.login_limit, key_func=limits.json_phone_key)
@blp.arguments(VerifyIn)
@blp.response(201, TokenOut)
@blp.alt_response(400, description="The body is not valid JSON")
@blp.alt_response(422, description="Wrong, expired or used-up code")
@blp.alt_response(429, description="Too many attempts")
def verify(body):
    """Verify a new volunteer's phone with the sign-up code; the account becomes active
    and a 30-day token is returned, as on log-in. Any number without a sign-up waiting is
    refused like a wrong code (422)."""
    try:
        user = otp.confirm_signup(db.session, otp.phone_hash_of(body["phone"]), body["code"])
    except otp.CodeRejected as error:
        _refuse_code(error)
    token, record = api_tokens.create_token(db.session, user, "mini-program log-in", days=30)
    return {"token": token, "expires_at": record.expires_at, "role": user.role,
            "user_id": user.id}


@blp.route("/reset", methods=["POST"])
@limiter.limit(limits.login_limit, key_func=limits.json_phone_key)
@blp.arguments(ResetIn)
@blp.response(204)
@blp.alt_response(400, description="The body is not valid JSON")
@blp.alt_response(422, description="Wrong, expired or used-up code, or a short password")
@blp.alt_response(429, description="Too many attempts")
def reset(body):
    """Set a new password with a reset code; every session and token of the account ends."""
    try:
        otp.reset_password(db.session, otp.phone_hash_of(body["phone"]), body["code"],
                           body["password"])
    except otp.CodeRejected as error:
        _refuse_code(error)
    except Invalid:
        raise  # answered by the request's refusal handler
    except DomainError as error:  # the new password is too short
        message = translate(error.message, error.params)
        abort(422, "invalid", message, {"password": [message]})


class TokenInfoOut(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "The token's first characters"})
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


@blp.route("/tokens")
@secured(blp, "token.own")
@blp.response(200, TokenInfoOut(many=True))
def list_tokens():
    """The caller's own tokens, newest first (never the tokens themselves)."""
    return api_tokens.own_tokens(db.session, g.api_user)


@blp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@secured(blp, "token.own")
@blp.response(204)
@blp.alt_response(404, description="No such token of the caller")
def revoke_token(token_id):
    """Revoke one of the caller's tokens (this one too: log out of the mini-program)."""
    try:
        api_tokens.revoke(db.session, g.api_user, token_id)
    except DomainError:
        abort(404, "not_found", "Not found")
