"""Provider callbacks: delivery receipts and replies (opt-out). No session, no CSRF:
authenticated by the shared SMS_CALLBACK_TOKEN in the URL."""

from flask import abort, current_app, jsonify, request

from blueprints.followups import bp
from core.crypto import same_secret
from extensions import csrf, db
from services.shared.phones import normalise_phone
from services.sms import sender
from services.sms.receipts import parse_receipts


def _check_token() -> None:
    expected = current_app.config.get("SMS_CALLBACK_TOKEN")
    given = request.args.get("token", "")
    if not same_secret(expected, given):
        abort(403)


@bp.route("/sms/<any(aliyun, tencent):provider>/receipts", methods=["POST"])
@csrf.exempt
def receipts(provider: str):
    _check_token()
    try:
        parsed = parse_receipts(provider, request.get_json(force=True, silent=True))
    except ValueError:
        return jsonify(code=1, msg="bad payload"), 400
    changed = sender.apply_receipts(db.session, provider, parsed)
    # Both providers expect a success acknowledgement in this shape.
    return jsonify(code=0, msg="success", result=0, errmsg="OK", changed=changed)


@bp.route("/sms/<any(aliyun, tencent):provider>/replies", methods=["POST"])
@csrf.exempt
def replies(provider: str):
    _check_token()
    payload = request.get_json(force=True, silent=True)
    items = payload if isinstance(payload, list) else [payload]
    opted = 0
    for item in items:
        if not isinstance(item, dict):
            return jsonify(code=1, msg="bad payload"), 400
        raw_phone = item.get("phone_number") or item.get("mobile") or ""
        text = item.get("content") or item.get("text") or ""
        try:
            phone = normalise_phone(str(raw_phone))
        except ValueError:
            continue
        opted += sender.apply_reply(db.session, phone, str(text))
    return jsonify(code=0, msg="success", result=0, errmsg="OK", opted_out=opted)
