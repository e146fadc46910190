"""Resident ID numbers (GB 11643-1999): checksum validation and masking."""

from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalise_id_number(raw: str) -> str:
    """Return an 18-character ID number, or raise ValueError("format"|"birth_date"|"checksum")."""
    text = (raw or "").strip().upper()
    if len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise ValueError("format")
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError as exc:
        raise ValueError("birth_date") from exc
    if check_char(text[:17]) != text[17]:
        raise ValueError("checksum")
    return text


def birth_date_of(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def mask_id_number(tail: str | None) -> str:
    """Show only the last four characters: ``**************123X``."""
    return "" if not tail else "*" * 14 + tail
