"""Field rules shared by web forms, the API and the ledger importers.

Each ``clean_*`` function takes raw text values and returns clean values, or raises
:class:`Invalid` listing every field that is wrong with a message saying what to fix.
Messages are English message ids with ``%(name)s`` parameters, translated where shown.
"""

from dataclasses import dataclass, field
from datetime import date

from services.regions import RegionTree
from services.shared import taxonomy
from services.shared.idcard import normalise_id_number
from services.shared.phones import normalise_phone

_ID_NUMBER_PROBLEMS = {
    "format": taxonomy.N_("An ID number is 17 digits followed by a digit or X."),
    "birth_date": taxonomy.N_("The birth date inside the ID number is not a real date."),
    "checksum": taxonomy.N_("The ID number's check digit does not match; check for a typo."),
}


@dataclass
class Problem:
    field: str
    message: str
    params: dict = field(default_factory=dict)


class Invalid(Exception):
    """One or more fields are wrong."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.field}: {p.message % p.params}" for p in problems))
        self.problems = problems


class Checker:
    """Collects problems while cleaning one record."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.problems: list[Problem] = []

    def text(self, name: str, *, required=True, max_len=64) -> str:
        value = str(self.raw.get(name) or "").strip()
        if required and not value:
            self.fail(name, "This field is required.")
        elif len(value) > max_len:
            self.fail(name, "At most %(n)s characters.", n=max_len)
        return value

    def choice(self, name: str, choices, *, required=True,
               names: dict[str, str] | None = None) -> str | None:
        """One of ``choices``; ``names`` maps other spellings (Chinese names) to codes."""
        value = str(self.raw.get(name) or "").strip()
        value = (names or {}).get(value, value)
        if not value:
            if required:
                self.fail(name, "This field is required.")
            return None
        if value not in choices:
            self.fail(name, "Unknown value %(value)s; use one of: %(allowed)s.",
                      value=value, allowed=", ".join(choices))
            return None
        return value

    def phone(self, name: str) -> str | None:
        raw = str(self.raw.get(name) or "").strip()
        try:
            return normalise_phone(raw)
        except ValueError:
            self.fail(name, "%(value)s is not a valid mainland mobile number (11 digits, "
                            "starting with 1).", value=raw or "''")
            return None

    def codes(self, name: str, allowed: dict, *, required=True) -> list[str]:
        raw = str(self.raw.get(name) or "")
        if isinstance(self.raw.get(name), (list, tuple, set)):
            raw = ";".join(self.raw[name])
        try:
            codes = taxonomy.parse_codes(raw, allowed)
        except ValueError as exc:
            self.fail(name, "Unknown code %(codes)s; use codes from: %(allowed)s.",
                      codes=str(exc), allowed=", ".join(allowed))
            return []
        if required and not codes:
            self.fail(name, "Choose at least one.")
        return codes

    def day(self, name: str, *, required=True, not_after: date | None = None) -> date | None:
        value = self.raw.get(name)
        if isinstance(value, date):
            parsed = value
        else:
            text = str(value or "").strip()
            if not text:
                if required:
                    self.fail(name, "This field is required.")
                return None
            try:
                parsed = date.fromisoformat(text[:10]) if len(text) >= 10 else None
            except ValueError:
                parsed = None
            if parsed is None:
                self.fail(name, "%(value)s is not a date; write it as YYYY-MM-DD.", value=text)
                return None
        if not_after and parsed > not_after:
            self.fail(name, "The date cannot be in the future.")
            return None
        return parsed

    def integer(self, name: str, low: int, high: int, *, required=True) -> int | None:
        return self._number(name, low, high, required, int)

    def number(self, name: str, low: float, high: float, *, required=True) -> float | None:
        return self._number(name, low, high, required, float)

    def _number(self, name, low, high, required, kind):
        value = self.raw.get(name)
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                self.fail(name, "This field is required.")
            return None
        try:
            number = kind(float(text)) if kind is int and float(text).is_integer() else kind(text)
        except ValueError:
            self.fail(name, "%(value)s is not a number.", value=text)
            return None
        if not low <= number <= high:
            self.fail(name, "Must be between %(low)s and %(high)s.", low=low, high=high)
            return None
        return number

    def region(self, name: str, tree: RegionTree) -> str | None:
        code = str(self.raw.get(name) or "").strip()
        if code.endswith(".0"):  # spreadsheets turn 450127 into 450127.0
            code = code[:-2]
        if not code:
            self.fail(name, "This field is required.")
        elif tree.get(code) is None:
            self.fail(name, "Unknown region code %(value)s.", value=code)
        elif not tree.is_leaf(code):
            self.fail(name, "%(value)s is not a county code; give the 6-digit code of the "
                            "county or district.", value=code)
        else:
            return code
        return None

    def location(self, lat_name: str = "latitude", lng_name: str = "longitude"):
        lat = self.number(lat_name, 3.0, 54.0, required=False)
        lng = self.number(lng_name, 73.0, 136.0, required=False)
        if (lat is None) != (lng is None) and not self._has_problem(lat_name, lng_name):
            self.fail(lat_name, "Give both latitude and longitude, or neither.")
        return (lat, lng) if lat is not None and lng is not None else (None, None)

    def id_number(self, name: str) -> str | None:
        raw = str(self.raw.get(name) or "").strip()
        if not raw:
            return None
        try:
            return normalise_id_number(raw)
        except ValueError as exc:
            self.fail(name, _ID_NUMBER_PROBLEMS[str(exc)])
            return None

    def fail(self, name: str, message: str, **params) -> None:
        self.problems.append(Problem(name, message, params))

    def _has_problem(self, *names) -> bool:
        return any(p.field in names for p in self.problems)

    def done(self) -> None:
        if self.problems:
            raise Invalid(self.problems)
