"""Mobile numbers: parsed with phonenumbers (China by default), stored in E.164."""

import re

import phonenumbers

_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE,
                 phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
#: The common ledger form: 11 digits from 1, optionally after +86 / 86 (spaces, dashes).
_PLAIN_MAINLAND = re.compile(r"(?:\+?86)?(1\d{10})")
#: phonenumbers' own pattern of mainland mobile numbers: a plain number matching it is a
#: mobile number without the general type check (most of a large ledger's cost).
_CN_MOBILE = re.compile(
    phonenumbers.PhoneMetadata.metadata_for_region("CN").mobile.national_number_pattern)


def normalise_phone(raw: str) -> str:
    """Return ``raw`` in E.164, or raise ValueError if it is not a valid mobile number.

    phonenumbers decides validity either way; plain mainland numbers skip its general
    parser, which is most of the cost of a 100,000-row ledger.
    """
    text = (raw or "").strip()
    if not text:
        raise ValueError("empty")
    plain = _PLAIN_MAINLAND.fullmatch(re.sub(r"[\s-]", "", text))
    if plain and _CN_MOBILE.fullmatch(plain[1]):
        return "+86" + plain[1]
    if plain:
        number = phonenumbers.PhoneNumber(country_code=86, national_number=int(plain[1]))
    else:
        try:
            number = phonenumbers.parse(text, "CN")
        except phonenumbers.NumberParseException as exc:
            raise ValueError(str(exc)) from exc
        if not phonenumbers.is_valid_number(number):
            raise ValueError("invalid")
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ValueError("not a valid mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """Show a number as 138****8000 (national form, middle four hidden)."""
    digits = e164[3:] if e164.startswith("+86") else e164.lstrip("+")
    if len(digits) < 8:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"
