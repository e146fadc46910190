"""Ledger values as counties write them, turned into the programme's codes.

男/女 and M/F; dates as Excel date cells or written 2016-05-04, 2016/5/4, 2016.5.4,
2016年5月4日, 20160504; categories, needs, priorities and relations by their Chinese names
(needs split on 、，,;； and spaces); a county by its code or its name, an ambiguous name
settled by the coordinator's own counties. When an ID number is given, birth date and
gender are read from it, and a ledger that says otherwise has a row error.

Each problem says what was written and what to write instead; messages are English
message ids translated where shown.
"""

import re
import unicodedata
from datetime import date, datetime, timedelta

from services.regions import RegionTree
from services.shared.idcard import normalise_id_number
from services.shared.taxonomy import N_

GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F", "男孩": "M", "女孩": "F", "男性": "M",
           "女性": "F", "male": "M", "female": "F"}
CATEGORIES = {"留守儿童": "left_behind", "留守": "left_behind", "农村留守儿童": "left_behind",
              "困境儿童": "in_difficulty", "困境": "in_difficulty",
              "流动儿童": "migrant", "流动": "migrant", "随迁子女": "migrant"}
PRIORITIES = {"一般": "normal", "普通": "normal", "重点": "high", "高": "high",
              "紧急": "urgent", "特急": "urgent"}
NEEDS = {"学业辅导": "academic", "学业": "academic", "课业辅导": "academic",
         "心理陪伴": "emotional", "心理": "emotional", "情感陪伴": "emotional",
         "心理关爱": "emotional", "生活帮扶": "daily_life", "生活照料": "daily_life",
         "生活": "daily_life", "安全教育": "safety", "安全": "safety",
         "医疗康复": "health", "医疗": "health", "康复": "health", "健康": "health",
         "法律援助": "legal", "法律": "legal", "网络素养": "online", "网络": "online",
         "兴趣培养": "culture", "兴趣": "culture", "文化": "culture"}
RELATIONS = {
    **dict.fromkeys(("祖父母", "祖父", "祖母", "外祖父母", "外祖父", "外祖母", "爷爷", "奶奶",
                     "外公", "外婆", "姥姥", "姥爷", "祖父母/外祖父母"), "grandparent"),
    **dict.fromkeys(("父亲", "母亲", "父母", "父", "母", "爸爸", "妈妈"), "parent"),
    **dict.fromkeys(("其他亲属", "亲属", "叔叔", "伯父", "伯母", "婶婶", "姑姑", "姑妈",
                     "舅舅", "舅妈", "姨妈", "阿姨", "哥哥", "姐姐", "兄姐"), "relative"),
    **dict.fromkeys(("寄养照料人", "寄养", "寄养家庭", "代养人", "委托照护人"), "foster"),
    **dict.fromkeys(("儿童福利机构", "福利机构", "儿童福利院", "福利院"), "institution"),
    "其他": "other",
}
SUB_TYPES = {"父母均外出务工": "both_parents_away", "父母双方外出务工": "both_parents_away",
             "父母一方外出务工": "one_parent_away", "一方外出务工": "one_parent_away",
             "孤儿": "orphan", "事实无人抚养": "unsupported", "事实无人抚养儿童": "unsupported",
             "残疾": "disability", "残疾儿童": "disability", "重病": "serious_illness",
             "重病儿童": "serious_illness", "低保家庭": "low_income", "低保": "low_income",
             "随父母流动": "with_migrant_parents", "随父母外出务工": "with_migrant_parents",
             "随父母一方流动": "with_one_migrant_parent", "随亲属流动": "with_migrant_relatives",
             "其他": "other"}
#: The words to write, as suggested in messages and the template's drop-downs.
WRITE_GENDER = "男、女"
WRITE_CATEGORY = "留守儿童、困境儿童、流动儿童"
WRITE_PRIORITY = "一般、重点、紧急"
WRITE_NEEDS = "学业辅导、心理陪伴、生活帮扶、安全教育、医疗康复、法律援助、网络素养、兴趣培养"
WRITE_SUB_TYPE = ("父母均外出务工、父母一方外出务工、孤儿、事实无人抚养、残疾、重病、低保家庭、"
                  "随父母流动、随父母一方流动、随亲属流动、其他")
WRITE_RELATION = "祖父母、外祖父母、父亲、母亲、其他亲属、寄养照料人、儿童福利机构、其他"

_SPLIT_NEEDS = re.compile(r"[、，,;；/\s]+")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_EXCEL_EPOCH = date(1899, 12, 30)
_MASKED_PHONE = re.compile(r"\d{3}\*{4}\d{4}")


def _fold(text) -> str:
    text = str(text or "")
    return (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip()


def parse_day(value) -> date | None:
    """A date cell, or text in one of the ways counties write dates; None if not a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and 1 <= value < 2958466:  # an Excel serial day
        return _EXCEL_EPOCH + timedelta(days=int(value))
    text = _fold(value).replace(" ", "")
    if re.fullmatch(r"\d{8}", text):
        parts = (text[:4], text[4:6], text[6:])
    elif match := _DATE.fullmatch(text) or _DATE.fullmatch(text[:10]):
        parts = match.groups()
    else:
        return None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


_CODES: dict[tuple, str | None] = {}


def _code(value, names: dict[str, str], codes) -> str | None:
    """The code for a Chinese name, an English code or label; None if unknown."""
    key = (value, id(names))
    if key not in _CODES:
        if len(_CODES) > 50_000:
            _CODES.clear()
        _CODES[key] = _find_code(value, names, codes)
    return _CODES[key]


def _find_code(value, names: dict[str, str], codes) -> str | None:
    text = _fold(value)
    if text in codes:
        return text
    return names.get(text) or names.get(text.lower()) or (
        text.lower() if text.lower() in codes else None)


class RowValues:
    """Turns one ledger row's county-style values into codes, collecting problems."""

    def __init__(self, raw: dict, fail):
        self.raw = raw
        self.fail = fail

    def choice(self, name: str, names: dict, codes, write: str) -> None:
        value = self.raw.get(name)
        if value is None or _fold(value) == "":
            return
        code = _code(value, names, codes)
        if code is None:
            self.fail(name, N_("%(value)s is not understood; write one of: %(allowed)s."),
                      value=_fold(value), allowed=write)
        else:
            self.raw[name] = code

    def needs(self, name: str, codes) -> None:
        value = self.raw.get(name)
        if value is None:
            return
        found, unknown = [], []
        for part in _SPLIT_NEEDS.split(_fold(value)):
            if part:
                code = _code(part, NEEDS, codes)
                (found if code else unknown).append(code or part)
        if unknown:
            self.fail(name, N_("%(value)s is not a need we know; write needs from: "
                               "%(allowed)s, separated by 、"),
                      value="、".join(unknown), allowed=WRITE_NEEDS)
        else:
            self.raw[name] = ";".join(found)

    def day(self, name: str) -> None:
        value = self.raw.get(name)
        if value is None or _fold(value) == "":
            return
        parsed = parse_day(value)
        if parsed is None:
            self.fail(name, N_("%(value)s is not a date; write it as 2016-05-04 or "
                               "2016年5月4日."), value=_fold(value))
        else:
            self.raw[name] = parsed

    def phone(self, name: str) -> None:
        value = self.raw.get(name)
        if isinstance(value, float) and value.is_integer():
            self.raw[name] = str(int(value))
        elif value is not None:
            self.raw[name] = _fold(value)

    def amount(self, name: str, units: tuple[str, ...]) -> None:
        """A number written with its unit (2人, 25公里, 30km): the number."""
        value = self.raw.get(name)
        if not isinstance(value, str):
            return
        text = _fold(value).replace(" ", "")
        for unit in units:
            if text.lower().endswith(unit) and len(text) > len(unit):
                text = text[:-len(unit)]
                break
        self.raw[name] = text

    def region(self, name: str, tree: RegionTree, own: set[str] | None) -> None:
        text = _fold(self.raw.get(name)).replace(" ", "")
        if text.endswith(".0"):
            text = text[:-2]
        if not text or text.isdigit():
            self.raw[name] = text
            return
        codes = tree.counties_named(text)
        if len(codes) > 1 and own is not None:
            codes = [c for c in codes if c in own] or codes
        if len(codes) == 1:
            self.raw[name] = codes[0]
        elif not codes:
            self.fail(name, N_("%(value)s is not a county we know; write the county's name "
                               "as in 南宁市横县, or its 6-digit code."), value=text)
        else:
            self.fail(name, N_("%(value)s names more than one county (%(candidates)s); write "
                               "the city too, or the 6-digit code."), value=text,
                      candidates="、".join(f"{tree.full_name(c)} {c}" for c in codes))

    def from_id_number(self) -> None:
        """Birth date and gender from a valid ID number; a ledger that differs is wrong."""
        try:
            number = normalise_id_number(_fold(self.raw.get("id_number")))
        except ValueError:
            return
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        gender = "M" if int(number[16]) % 2 else "F"
        given = self.raw.get("birth_date")
        if given in (None, ""):
            self.raw["birth_date"] = born
        elif isinstance(given, date) and given != born:
            self.fail("birth_date", N_("The birth date %(value)s differs from the one in the "
                                       "ID number (%(expected)s); correct one of them."),
                      value=given.isoformat(), expected=born.isoformat())
            self.raw["birth_date"] = ""
        written = self.raw.get("gender")
        if written in (None, ""):
            self.raw["gender"] = gender
        elif written in ("M", "F") and written != gender:
            self.fail("gender", N_("The gender differs from the one in the ID number (%("
                                   "expected)s); correct one of them."),
                      expected="男" if gender == "M" else "女")


def masked_phone(value) -> bool:
    """A phone number as the export shows it (137****1234): keep the number on file."""
    return bool(_MASKED_PHONE.fullmatch(_fold(value)))


def masked_id_number(value) -> bool:
    """An ID number as the export shows it (**************123X)."""
    text = _fold(value)
    return text.startswith("*" * 10)
