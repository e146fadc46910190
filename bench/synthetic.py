"""Synthetic ledgers: children and volunteers spread over a province's counties."""

import csv
import random
from pathlib import Path

from services.matching.engine.geo import EARTH_RADIUS_KM
from services.regions import RegionTree
from services.shared.taxonomy import NEEDS

CODES = list(NEEDS)
CHILD_HEADER = ["external_id", "name", "gender", "birth_date", "region_code", "latitude",
                "longitude", "category", "needs", "priority", "guardian_name",
                "guardian_phone", "guardian_relation"]
VOLUNTEER_HEADER = ["external_id", "name", "phone", "gender", "region_code", "latitude",
                    "longitude", "skills", "capacity", "max_distance_km", "age_min",
                    "age_max", "child_gender"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韦覃蒙莫陆"
GIVEN = "明华强丽芳军伟秀英敏静磊洋艳勇杰娟涛超霞平刚桂兰"


def _point(rng: random.Random, lat: float, lng: float, spread_km: float):
    """A point around a county centre (Gaussian, ``spread_km`` standard deviation)."""
    import math

    dlat = rng.gauss(0, spread_km) / EARTH_RADIUS_KM
    dlng = rng.gauss(0, spread_km) / (EARTH_RADIUS_KM * math.cos(math.radians(lat)))
    return round(lat + math.degrees(dlat), 5), round(lng + math.degrees(dlng), 5)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def counties_of(tree: RegionTree, region_code: str):
    return [tree.get(code) for code in sorted(tree.leaves_under([region_code]))]


def write_children(path: Path, counties, n: int, seed: int = 1, prefix: str = "C"):
    """A children ledger of ``n`` rows; counties weighted unevenly, like real ones."""
    rng = random.Random(seed)
    weights = [rng.uniform(0.3, 1.7) for _ in counties]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(CHILD_HEADER)
        for i, county in enumerate(rng.choices(counties, weights, k=n)):
            lat, lng = _point(rng, county.latitude, county.longitude, 12)
            located = rng.random() < 0.7  # the rest fall back to the county centre
            out.writerow([
                f"{prefix}{i:06d}", _name(rng), rng.choice("MF"),
                f"{rng.randint(2009, 2022)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                county.code, lat if located else "", lng if located else "",
                rng.choice(["left_behind", "in_difficulty"]),
                ";".join(rng.sample(CODES, rng.randint(1, 3))),
                rng.choices(["urgent", "high", "normal"], [1, 2, 7])[0],
                _name(rng), f"137{rng.randint(0, 99_999_999):08d}", "grandparent",
            ])


def write_volunteers(path: Path, counties, n: int, seed: int = 2, prefix: str = "V",
                     phone_start: int = 0):
    """A volunteers ledger of ``n`` rows with capacities 1-3 and reach 5-50 km."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(VOLUNTEER_HEADER)
        for i, county in enumerate(rng.choices(counties, k=n)):
            lat, lng = _point(rng, county.latitude, county.longitude, 10)
            ages = sorted(rng.sample(range(4, 17), 2)) if rng.random() < 0.3 else ["", ""]
            out.writerow([
                f"{prefix}{i:06d}", _name(rng), f"139{phone_start + i:08d}", rng.choice("MF"),
                county.code, lat, lng, ";".join(rng.sample(CODES, rng.randint(2, 4))),
                rng.choice([1, 1, 2, 2, 3]), rng.randint(5, 50), ages[0], ages[1],
                rng.choices(["any", "M", "F"], [8, 1, 1])[0],
            ])
