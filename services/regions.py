"""The region tree: lookups, descendants and the cascade, from the regions table.

The table is small (about 3,500 rows) and never changes while the app runs, so it is read
once per process on first use (never at import) and kept in memory.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Region

#: City-level rows of municipalities and directly administered units are placeholders.
_PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
REGIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "regions.csv"


@dataclass(frozen=True, slots=True)
class RegionInfo:
    code: str
    name: str
    parent_code: str | None
    level: str
    latitude: float
    longitude: float


class RegionTree:
    """All regions with parent/children links."""

    def __init__(self, regions: list[RegionInfo]):
        self.by_code = {r.code: r for r in regions}
        self.children: dict[str | None, list[RegionInfo]] = {}
        for region in regions:
            self.children.setdefault(region.parent_code, []).append(region)

    def get(self, code: str) -> RegionInfo | None:
        return self.by_code.get(code)

    def is_leaf(self, code: str) -> bool:
        """A region people can be registered in: a county, or a city with no counties."""
        return code in self.by_code and not self.children.get(code)

    def leaves_under(self, codes) -> set[str]:
        """Every leaf region at or below any of ``codes``."""
        found: set[str] = set()
        stack = [c for c in codes if c in self.by_code]
        while stack:
            code = stack.pop()
            kids = self.children.get(code)
            if kids:
                stack.extend(k.code for k in kids)
            else:
                found.add(code)
        return found

    def path(self, code: str) -> list[RegionInfo]:
        """Province → … → this region."""
        chain = []
        region = self.by_code.get(code)
        while region is not None:
            chain.append(region)
            region = self.by_code.get(region.parent_code) if region.parent_code else None
        return list(reversed(chain))

    def search_counties(self, text: str, limit: int = 10) -> list[tuple[str, str]]:
        """Counties (leaf regions) whose name holds ``text``, names starting with it first:
        [(code, full name)]. Typing 横县, 横 or 南宁横县 all find 450127."""
        text = "".join((text or "").split())
        if not text:
            return []
        found = []
        for code, region in self.by_code.items():
            if not self.is_leaf(code):
                continue
            full = self.full_name(code)
            if text in region.name:
                rank = 0 if region.name.startswith(text) else 1
            elif text in full:
                rank = 2
            else:
                continue
            found.append((rank, len(region.name), code, full))
        found.sort()
        return [(code, full) for _, _, code, full in found[:limit]]

    def county_named(self, text: str) -> str | None:
        """The one county this name means (its exact name or full name), else None."""
        text = "".join((text or "").split())
        exact = [code for code, full in self.search_counties(text, limit=50)
                 if text in (self.by_code[code].name, full)]
        return exact[0] if len(exact) == 1 else None

    def full_name(self, code: str) -> str:
        """Province, city and county names; placeholder city rows (市辖区) are left out."""
        names = [r.name for r in self.path(code) if r.name not in _PLACEHOLDER_NAMES]
        return "".join(names) or code

    def name_in_province(self, code: str) -> str:
        """City and county names, without the province's (a row among one province's)."""
        names = [r.name for r in self.path(code)
                 if r.level != "province" and r.name not in _PLACEHOLDER_NAMES]
        return "".join(names) or self.full_name(code)

    def counties_named(self, text: str) -> list[str]:
        """Codes of the counties a written name may mean: 横县, 南宁市横县 and
        广西壮族自治区南宁市横县 all mean 450127; 朝阳区 means two districts."""
        if not hasattr(self, "_leaves_by_name"):
            self._leaves_by_name: dict[str, list[str]] = {}
            self._named: dict[str, list[str]] = {}
            for region in self.by_code.values():
                if self.is_leaf(region.code):
                    self._leaves_by_name.setdefault(region.name, []).append(region.code)
        known = self._named.get(text)
        if known is not None:
            return known
        found = []
        for start in range(len(text)):
            for code in self._leaves_by_name.get(text[start:], ()):
                if self.full_name(code).endswith(text):
                    found.append(code)
        if len(self._named) < 10_000:
            self._named[text] = sorted(set(found))
        return sorted(set(found))


def read_regions_csv(path: Path = REGIONS_CSV) -> list[dict]:
    """The shipped region table as dicts ready to insert."""
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            {
                "code": row["code"],
                "name": row["name"],
                "parent_code": row["parent_code"] or None,
                "level": row["level"],
                "latitude": float(row["latitude"]),
                "longitude": float(row["longitude"]),
            }
            for row in csv.DictReader(fh)
        ]


_trees: dict[str, RegionTree] = {}


def region_tree(session: Session) -> RegionTree:
    """The region tree of the session's database, loaded once per process."""

    key = str(session.get_bind().url)
    tree = _trees.get(key)
    if tree is None:
        rows = session.execute(select(Region)).scalars().all()
        tree = RegionTree(
            [RegionInfo(r.code, r.name, r.parent_code, r.level, r.latitude, r.longitude)
             for r in rows]
        )
        if rows:
            _trees[key] = tree
    return tree
