"""Per-number limits count a number, however it is typed, and never store it in clear.

A property-based test (hypothesis) types the same number in every way a person might
(country code, spaces, dashes, full-width digits, ideographic spaces) and arbitrary text:
each spelling is either refused as not a number or counts against the normalised number's
limit, on every path that has one (web log-in, API token, API code entry, web and API
sign-up, reset and code requests).
"""

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blueprints import limits
from extensions import limiter
from services.shared.phones import normalise_phone
from tests.api.test_api_volunteers import signup_body
from tests.conftest import PASSWORD, volunteer_data

NATIONAL = "13900000014"
CANONICAL = "+86" + NATIONAL
FULL_WIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")


@st.composite
def spellings(draw, national=NATIONAL):
    """The number as a person could type it."""
    separator = st.sampled_from(["", "", " ", "-", "\u3000", "\u00a0", "  "])
    digits = "".join(d + draw(separator) for d in national).rstrip(" -\u3000\u00a0")
    prefix = draw(st.sampled_from(["", "+86", "86", "+86 ", "+86-", "0086", "(+86) ", "+ 86"]))
    text = prefix + digits
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    padding = st.sampled_from(["", " ", "\t", "\u3000"])
    return draw(padding) + text + draw(padding)


TYPED = st.one_of(spellings(), st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=24))


def _same_number(typed: str) -> bool:
    try:
        return normalise_phone(typed) == CANONICAL
    except ValueError:
        return False


@given(typed=TYPED)
@settings(max_examples=300, deadline=None)
def test_every_spelling_shares_the_bucket_of_its_number(app, typed):
    with app.app_context():
        bucket, canonical = limits.phone_bucket(typed), limits.phone_bucket(NATIONAL)
        assert CANONICAL not in bucket and NATIONAL not in bucket
        if _same_number(typed):
            assert bucket == canonical
        else:
            assert bucket != canonical


def _paths(app):
    """(name, post(client, typed phone), whether a success is possible) per limited path."""
    web_signup = {**volunteer_data(), "skills": ["academic"]}
    return {
        "web login": lambda c, p: c.post("/auth/login", data={"phone": p,
                                                              "password": PASSWORD}),
        "web reset": lambda c, p: c.post("/auth/reset", data={"phone": p}),
        "web sign-up": lambda c, p: c.post("/volunteers/signup",
                                           data={**web_signup, "phone": p}),
        "api token": lambda c, p: c.post("/api/v1/auth/token",
                                         json={"phone": p, "password": PASSWORD}),
        "api verify": lambda c, p: c.post("/api/v1/auth/verify",
                                          json={"phone": p, "code": "123456"}),
        "api reset": lambda c, p: c.post("/api/v1/auth/reset",
                                         json={"phone": p, "code": "123456",
                                               "password": "long-enough-1"}),
        "api codes": lambda c, p: c.post("/api/v1/auth/codes",
                                         json={"phone": p, "purpose": "reset"}),
        "api sign-up": lambda c, p: c.post("/api/v1/volunteers/signup",
                                           json=signup_body(phone=p)),
    }


@pytest.fixture
def throttled(make_app, create_user):
    create_user(phone=NATIONAL)
    return make_app(RATELIMIT_ENABLED=True, LOGIN_LIMITS="2 per minute",
                    OTP_CODES_PER_ADDRESS_HOUR=10_000)


@given(typed=spellings())
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_spelled_out_number_counts_against_its_numbers_limit(throttled, typed):
    """Two wrong tries with the plain number use up a limit of two; the next try, spelled
    any other way, is refused with 429 on every limited path."""
    assert _same_number(typed)
    for name, post in _paths(throttled).items():
        with throttled.app_context():
            limiter.reset()
        client = throttled.test_client()
        for _ in range(2):
            post(client, NATIONAL)
        assert post(client, typed).status_code == 429, (name, typed)


@given(typed=TYPED)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_typed_text_is_refused_or_counted(throttled, typed):
    """Whatever is typed: once the number's limit is used up, it gets 429 or a refusal."""
    post = _paths(throttled)["api token"]
    with throttled.app_context():
        limiter.reset()
    client = throttled.test_client()
    for _ in range(2):
        post(client, NATIONAL)
    answer = post(client, typed).status_code
    assert answer == 429 if _same_number(typed) else answer in (400, 401, 422, 429), typed


def test_limit_keys_and_log_lines_carry_no_phone_number(throttled, caplog):
    client = throttled.test_client()
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            client.post("/auth/login", data={"phone": NATIONAL, "password": "x"})
            client.post("/api/v1/auth/token", json={"phone": NATIONAL, "password": "x"})
    assert "exceeded" in caplog.text
    with throttled.app_context():
        storage = limiter.storage
        keys = list(getattr(storage, "storage", {}).keys())
    assert keys, "the memory storage holds the limit counters"
    for text in [caplog.text, *keys]:
        assert NATIONAL not in text and "0000014" not in text
