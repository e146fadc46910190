"""The plain-mainland fast path of normalise_phone agrees with phonenumbers' full check."""

import random

import phonenumbers
import pytest

from services.shared.phones import normalise_phone

MOBILE = (phonenumbers.PhoneNumberType.MOBILE,
          phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def full_check(national: str) -> str | None:
    number = phonenumbers.parse("+86" + national)
    if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in MOBILE:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def test_every_prefix_agrees_with_the_full_check():
    rng = random.Random(7)
    for prefix in range(100, 200):
        for _ in range(5):
            national = f"{prefix}{rng.randint(0, 99_999_999):08d}"
            try:
                fast = normalise_phone(national)
            except ValueError:
                fast = None
            assert fast == full_check(national), national


@pytest.mark.parametrize("written", ["137 0000 1234", "137-0000-1234", "+86 137 0000 1234",
                                     "+8613700001234", "8613700001234"])
def test_ledger_spellings(written):
    assert normalise_phone(written) == "+8613700001234"
