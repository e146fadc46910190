"""Tokens: log in with mobile number and password (the mini-program), get a token."""

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from blueprints.api.core import abort
from extensions import db, limiter
from services import accounts, api_tokens

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
    from flask import request

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
    db.session.commit()
    return {"token": token, "expires_at": record.expires_at, "role": user.role,
            "user_id": user.id}
