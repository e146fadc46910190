"""What every request's input passes before a view sees it, so malformed input gets a
clear 400 or a bounded value, never a 500.

Rules:
- A JSON body may nest at most MAX_JSON_DEPTH arrays and objects; deeper is refused (400).
- Text is valid Unicode: a lone surrogate (``"\\ud800"`` in JSON; forms and query strings
  are already decoded with replacement by Werkzeug) becomes U+FFFD, so no later
  ``encode()`` (hashing, the database driver) can fail on it.
- Integers read from a query string are bounded (``bounded_int``); a page number beyond
  MAX_PAGE, or one that is not a number, means the last or first page, not an overflow.
"""

import json
import re

from flask import abort, request
from flask.json.provider import DefaultJSONProvider

from extensions import db

MAX_JSON_DEPTH = 32
MAX_PAGE = 100_000
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(value, depth: int = 0):
    """``value`` with lone surrogates replaced; raises RecursionError when too deep."""
    if depth > MAX_JSON_DEPTH:
        raise RecursionError
    if isinstance(value, str):
        return value if value.isascii() else _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_clean(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {_clean(key, depth + 1): _clean(item, depth + 1) for key, item in value.items()}
    return value


def check_json_body() -> None:
    """Refuse a JSON body nested too deep; replace lone surrogates in it.

    The body is parsed once here; when cleaning changed it, the request's cached body is
    replaced by the cleaned one, so every later reader (Flask's get_json, the API's
    argument parser) sees only valid text."""
    if not request.is_json:
        return
    raw = request.get_data(cache=True)
    if not raw:
        return
    try:
        parsed = json.loads(raw)
    except RecursionError:
        abort(400, description="The JSON body is nested too deeply.")
    except ValueError:
        return  # not JSON at all: the view's own parser answers 400 as usual
    try:
        cleaned = _clean(parsed)
    except RecursionError:
        abort(400, description="The JSON body is nested too deeply.")
    if cleaned != parsed:
        request._cached_data = json.dumps(cleaned, ensure_ascii=False).encode()
        request._cached_json = (cleaned, cleaned)


class EdgeJSONProvider(DefaultJSONProvider):
    """Flask's JSON with the same rules for every ``get_json`` (also ``force=True`` on
    the SMS callbacks): too deep is a parse error, lone surrogates are replaced."""

    def loads(self, s, **kwargs):
        try:
            return _clean(super().loads(s, **kwargs))
        except RecursionError:
            raise ValueError("The JSON body is nested too deeply.") from None


def bounded_int(name: str, default: int, low: int, high: int) -> int:
    """A query-string integer clamped to [low, high]; ``default`` when missing or bad."""
    value = request.args.get(name, default, type=int)
    return min(max(value, low), high)


def page_number() -> int:
    return bounded_int("page", 1, 1, MAX_PAGE)


def paginate(stmt, per_page: int = 50):
    """One page of ``stmt`` for a web list, the page number read from ?page= (bounded)."""
    return db.paginate(stmt, page=page_number(), per_page=per_page, error_out=False)
