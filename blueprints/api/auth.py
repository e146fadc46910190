"""Tokens: log in with mobile number and password (the mini-program), get a token;
one-time codes by SMS to verify a new volunteer's phone and to reset a password."""

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from blueprints import codes
from blueprints.api.core import abort, too_many
from blueprints.transaction import after_commit, keep_when_refused
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


def _login_key() -> str:

    body = request.get_json(silent=True) or {}
    return f"{request.remote_addr}|{body.get('phone', '') if isinstance(body, dict) else ''}"


@blp.route("/token", methods=["POST"])
@limiter.limit(lambda: __import__("flask").current_app.config["LOGIN_LIMITS"],
               key_func=_login_key)
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


def _code_try_key() -> str:
    return _login_key()


def _refuse_code(error: DomainError):
    """A wrong try counts: it is kept although the answer is a 422."""
    keep_when_refused()
    abort(422, "bad_code", translate(error.message, error.params),
          {"code": [translate(error.message, error.params)]})


@blp.route("/codes", methods=["POST"])
@blp.arguments(CodeRequestIn)
@blp.response(202, CodeSentOut)
@blp.alt_response(400, description="The body is not valid JSON")
@blp.alt_response(409, description="signup: the number is verified or has no sign-up")
@blp.alt_response(422, description="The number is not a valid mobile number")
@blp.alt_response(429, description="Too many codes for this number or from this address "
                                   "(see Retry-After)")
def request_code(body):
    """Send a 6-digit code by SMS, valid 10 minutes, 5 tries.

    At most one code a minute and ten a day per number, and a limited number per client
    address. For a reset the answer is the same whether or not the number has an account."""
    try:
        if body["purpose"] == "reset":
            otp.request_reset(db.session, body["phone"], codes.client_address(),
                              codes.limits())
        else:
            otp.resend_signup_code(db.session, otp.phone_hash_of(body["phone"]),
                                   codes.client_address(), codes.limits())
    except otp.TooManyCodes as error:
        too_many(error)
    after_commit(codes.send_now)
    return {"expires_in": int(otp.CODE_TTL.total_seconds())}


@blp.route("/verify", methods=["POST"])
@limiter.limit(lambda: __import__("flask").current_app.config["LOGIN_LIMITS"],
               key_func=_code_try_key)
@blp.arguments(VerifyIn)
@blp.response(201, TokenOut)
@blp.alt_response(400, description="The body is not valid JSON")
@blp.alt_response(409, description="The number is verified already or has no sign-up")
@blp.alt_response(422, description="Wrong, expired or used-up code")
@blp.alt_response(429, description="Too many attempts")
def verify(body):
    """Verify a new volunteer's phone with the sign-up code; the account becomes active
    and a 30-day token is returned, as on log-in."""
    try:
        user = otp.confirm_signup(db.session, otp.phone_hash_of(body["phone"]), body["code"])
    except otp.CodeRejected as error:
        _refuse_code(error)
    token, record = api_tokens.create_token(db.session, user, "mini-program log-in", days=30)
    return {"token": token, "expires_at": record.expires_at, "role": user.role,
            "user_id": user.id}


@blp.route("/reset", methods=["POST"])
@limiter.limit(lambda: __import__("flask").current_app.config["LOGIN_LIMITS"],
               key_func=_code_try_key)
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
