"""Delivery receipts (status reports) pushed by the providers, parsed into ``Receipt``.

Aliyun (SmsReport, HTTP batch push): a JSON array of
``{"phone_number", "send_time", "report_time", "success": true|false, "err_code"
("DELIVERED" on success), "err_msg", "sms_size", "biz_id", "out_id"}``;
``out_id`` is the OutId we sent (our key), ``biz_id`` the BizId SendSms returned.

Tencent (SMS sending status callback): a JSON array of
``{"user_receive_time", "nationcode", "mobile", "report_status": "SUCCESS"|"FAIL",
"errmsg" ("DELIVRD" on success), "description", "sid"}``; ``sid`` is the SerialNo
SendSms returned. When Tencent has enabled it for the account the SessionContext we sent
comes back too; it is read from "session_context", "SessionContext" or a string "ext".

Rules: a payload may be JSON text/bytes, a parsed list, or one object. Anything else, or
an item without a status or without any id, raises ValueError with a short message that
never repeats the payload (it holds phone numbers). Phone numbers are not kept.
"""

import json
from dataclasses import dataclass

RECEIPT_STATUSES = ("delivered", "failed")


@dataclass(frozen=True)
class Receipt:
    key: str | None
    provider_message_id: str | None
    status: str
    error: str = ""


def _text(value) -> str | None:
    """A non-empty id as text, else None (ids may arrive as numbers)."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    return str(value).strip() or None


def _aliyun(item: dict, index: int) -> Receipt:
    success = item.get("success")
    if isinstance(success, str) and success.lower() in ("true", "false"):
        success = success.lower() == "true"
    if not isinstance(success, bool):
        raise ValueError(f"aliyun receipt {index}: no success flag")
    code = _text(item.get("err_code")) or ""
    return Receipt(_text(item.get("out_id")), _text(item.get("biz_id")),
                   "delivered" if success else "failed", "" if success else code or "FAILED")


def _tencent(item: dict, index: int) -> Receipt:
    report = str(item.get("report_status") or "").upper()
    if report not in ("SUCCESS", "FAIL"):
        raise ValueError(f"tencent receipt {index}: no report_status")
    ext = item.get("ext")
    key = (_text(item.get("session_context")) or _text(item.get("SessionContext"))
           or (_text(ext) if isinstance(ext, str) else None))
    delivered = report == "SUCCESS"
    code = _text(item.get("errmsg")) or ""
    return Receipt(key, _text(item.get("sid")), "delivered" if delivered else "failed",
                   "" if delivered else code or "FAIL")


PARSERS = {"aliyun": _aliyun, "tencent": _tencent}


def parse_receipts(provider: str, payload) -> list[Receipt]:
    """Receipts in ``payload`` from ``provider`` ("aliyun" or "tencent")."""
    parser = PARSERS.get(provider)
    if parser is None:
        raise ValueError(f"unknown SMS provider {provider!r}")
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except ValueError:
            raise ValueError(f"{provider} receipts: not JSON") from None
    if isinstance(payload, dict):
        payload = [payload]
    if not isinstance(payload, list):
        raise ValueError(f"{provider} receipts: expected a JSON array")
    receipts = []
    for index, item in enumerate(payload):
        if not isinstance(item, dict):
            raise ValueError(f"{provider} receipt {index}: not an object")
        receipt = parser(item, index)
        if receipt.key is None and receipt.provider_message_id is None:
            raise ValueError(f"{provider} receipt {index}: no message id")
        receipts.append(receipt)
    return receipts
