from datetime import date

import pytest

from core.clock import age_on
from services.shared.idcard import birth_date_of, check_char, mask_id_number, normalise_id_number
from services.shared.phones import mask_phone, normalise_phone

# A well-known sample number from GB 11643's own worked example.
SAMPLE = "11010519491231002X"


def valid_number(prefix17: str) -> str:
    return prefix17 + check_char(prefix17)


def test_check_char_of_standard_example():
    assert check_char(SAMPLE[:17]) == "X"


def test_normalise_accepts_lowercase_x_and_spaces():
    assert normalise_id_number(" 11010519491231002x ") == SAMPLE


@pytest.mark.parametrize("raw, reason", [
    ("11010519491231002", "format"),
    ("1101051949123100AX", "format"),
    ("110105194902300021", "birth_date"),
    ("110105194912310021", "checksum"),
])
def test_normalise_rejects(raw, reason):
    with pytest.raises(ValueError, match=reason):
        normalise_id_number(raw)


def test_birth_date_and_mask():
    number = valid_number("45012720150302123")
    assert birth_date_of(number) == date(2015, 3, 2)
    assert mask_id_number(number[-4:]) == "**************" + number[-4:]
    assert number[:14] not in mask_id_number(number[-4:])


@pytest.mark.parametrize("raw", ["13800138000", "+86 138 0013 8000", "138-0013-8000"])
def test_phone_normalised_to_e164(raw):
    assert normalise_phone(raw) == "+8613800138000"


@pytest.mark.parametrize("raw", ["", "12345", "1380013800", "0771-5551234", "abc"])
def test_phone_rejected(raw):
    with pytest.raises(ValueError):
        normalise_phone(raw)


def test_mask_phone():
    assert mask_phone("+8613800138000") == "138****8000"


@pytest.mark.parametrize("birth, day, age", [
    (date(2015, 3, 2), date(2026, 3, 1), 10),
    (date(2015, 3, 2), date(2026, 3, 2), 11),
])
def test_age_in_whole_years(birth, day, age):
    assert age_on(birth, day) == age


@pytest.mark.parametrize("raw", ["12345678901", "10000000000", "+8612000000000"])
def test_plain_looking_but_invalid_mobiles_are_rejected(raw):
    with pytest.raises(ValueError):
        normalise_phone(raw)


def test_fast_path_agrees_with_the_library_on_many_numbers():
    import random

    import phonenumbers

    rng = random.Random(7)
    for _ in range(2000):
        text = f"1{rng.randint(0, 9_999_999_999):010d}"
        try:
            parsed = phonenumbers.parse(text, "CN")
        except phonenumbers.NumberParseException:
            parsed = None
        expected = parsed is not None and phonenumbers.is_valid_number(parsed) and \
            phonenumbers.number_type(parsed) in (phonenumbers.PhoneNumberType.MOBILE,
                                                 phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
        try:
            normalise_phone(text)
            accepted = True
        except ValueError:
            accepted = False
        assert accepted == expected, text
