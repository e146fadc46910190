"""Regions typed by people: codes or names, in half- or full-width characters.

A county clerk types "450127", "４５０１２７", "横县" or "广西南宁市横县"; an admin types
"450126，450127" or "南宁市、资源县". Text is NFKC-normalised first (full-width digits,
commas and spaces become ASCII), then split on commas, 、, semicolons and spaces. A token is
a code when it is six digits; otherwise a name, matched against full names
(province+city+county) and then short names; a short name shared by several regions
(城区, 市辖区) is ambiguous and must be written with its city.
"""

import re
import unicodedata

from core.errors import DomainError
from services.regions import RegionTree

_SEPARATORS = re.compile(r"[,;、\s]+")
_IN_BRACKETS = re.compile(r"[(\[].*?[)\]]")


def normalise(text: str | None) -> str:
    """Full-width characters to half-width, surrounding space removed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def resolve_one(tree: RegionTree, text: str) -> tuple[str | None, list[str]]:
    """(code, []) when ``text`` names one region; (None, candidates' codes) otherwise."""
    token = re.sub(r"\s+", "", normalise(text))
    if re.fullmatch(r"\d{6}", token):
        return (token, []) if tree.get(token) else (None, [])
    inside = re.search(r"\d{6}", token)
    if inside and tree.get(inside.group()):  # "横县(450127)"
        return inside.group(), []
    token = _IN_BRACKETS.sub("", token)
    if not token:
        return None, []
    by_full = [code for code in tree.by_code if tree.full_name(code) == token]
    if len(by_full) == 1:
        return by_full[0], []
    by_name = sorted(code for code, r in tree.by_code.items() if r.name == token)
    if len(by_name) == 1:
        return by_name[0], []
    return None, by_name


def resolve_many(tree: RegionTree, text: str) -> tuple[list[str], list[str], list[str]]:
    """(codes, unknown tokens, ambiguous tokens) of a list typed by a person."""
    codes, unknown, ambiguous = [], [], []
    for token in filter(None, _SEPARATORS.split(normalise(text))):
        code, candidates = resolve_one(tree, token)
        if code:
            codes.append(code)
        elif candidates:
            ambiguous.append(token)
        else:
            unknown.append(token)
    return sorted(set(codes)), unknown, ambiguous


def search(tree: RegionTree, text: str, within: set[str] | None = None,
           limit: int = 20) -> list[dict]:
    """Regions whose name contains ``text`` (counties first), optionally only those at or
    below the codes ``within``, as {"code", "name", "full_name", "level"}."""
    needle = re.sub(r"\s+", "", normalise(text))
    if not needle:
        return []
    allowed = None
    if within is not None:
        allowed = set(within) | tree.leaves_under(within)
        for code in list(within):  # the cities between a province and its counties
            allowed |= {c.code for c in tree.children.get(code, [])}
    found = [r for r in tree.by_code.values()
             if (needle in r.name or needle == r.code or needle in tree.full_name(r.code))
             and (allowed is None or r.code in allowed)]
    order = {"county": 0, "city": 1, "province": 2}
    found.sort(key=lambda r: (not r.name.startswith(needle), order.get(r.level, 3), r.code))
    return [{"code": r.code, "name": r.name, "full_name": tree.full_name(r.code),
             "level": r.level} for r in found[:limit]]


def codes_from_text(tree: RegionTree, text: str) -> list[str]:
    """The codes of a typed list; a token naming no region, or several, is refused."""
    codes, unknown, ambiguous = resolve_many(tree, text)
    if unknown:
        raise DomainError("No region is called %(value)s. Type its name as it is written, "
                          "e.g. Hengxian, or its 6-digit code.", value="、".join(unknown))
    if ambiguous:
        raise DomainError("Several regions are called %(value)s. Add the city, e.g. "
                          "Nanning Xingning.", value="、".join(ambiguous))
    return codes


def names_text(tree: RegionTree, codes) -> str:
    """Codes as the names an admin reads and can type back (full names, 、-separated)."""
    return "、".join(tree.full_name(code) for code in codes)
