"""Mobile numbers: parsed with phonenumbers (China by default), stored in E.164."""

import phonenumbers


def normalise_phone(raw: str) -> str:
    """Return ``raw`` in E.164, or raise ValueError if it is not a valid mobile number."""
    text = (raw or "").strip()
    if not text:
        raise ValueError("empty")
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("invalid")
    kind = phonenumbers.number_type(number)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE,
                    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise ValueError("not a mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """Show a number as 138****8000 (national form, middle four hidden)."""
    digits = e164[3:] if e164.startswith("+86") else e164.lstrip("+")
    if len(digits) < 8:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"
