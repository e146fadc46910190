"""Benchmark: a 100,000-row children ledger as a county keeps it, in Chinese .xlsx.

Title row, Chinese headers, 女/男, dates written 2016.5.4, counties by name, needs joined
with 、, relations by name, phones with spaces, no external_id column (rows are matched
by the keyed hash of the ID number), and 合计 / 填表人 footers. Imported twice: the
second import finds every child and changes none. Peak memory is the process's maximum
resident set size (Linux), measured before and after.
"""

import os
import random
import resource
import time
from pathlib import Path

from openpyxl import Workbook

from bench.synthetic import SURNAMES, _name
from extensions import db
from models import User
from services import imports
from services.imports.values import WRITE_NEEDS
from services.regions import RegionTree, region_tree
from services.shared.idcard import check_char

HEADERS = ["序号", "姓名", "性别", "公民身份号码", "出生日期", "县（市、区）", "乡镇（街道）",
           "儿童类别", "主要需求", "监护人姓名", "与儿童关系", "监护人联系电话"]
NEEDS = WRITE_NEEDS.split("、")
RELATIONS = ["祖父", "祖母", "外祖父母", "父亲", "母亲", "其他亲属"]


def write_ledger(path: Path, tree: RegionTree, counties, n: int, seed: int = 3) -> None:
    """A county-style .xlsx ledger of ``n`` children (write-only: rows stream to disk)."""
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(["广西壮族自治区农村留守儿童和困境儿童信息台账（2026年11月）"])
    sheet.append(["填报单位：自治区民政厅"])
    sheet.append(HEADERS)
    born_on: dict[tuple, int] = {}
    for i in range(n):
        county = rng.choice(counties)
        year, month, day = rng.randint(2009, 2022), rng.randint(1, 12), rng.randint(1, 28)
        odd = rng.random() < 0.5
        seq = born_on[(county.code, year, month, day, odd)] = \
            born_on.get((county.code, year, month, day, odd), -1) + 1  # unique ID numbers
        first17 = f"{county.code}{year}{month:02d}{day:02d}{seq // 5:02d}" \
            f"{('13579' if odd else '02468')[seq % 5]}"
        sheet.append([
            i + 1, _name(rng), "男" if odd else "女", first17 + check_char(first17),
            f"{year}.{month}.{day}", tree.full_name(county.code), "某某镇",
            rng.choice(["留守儿童", "困境儿童"]), "、".join(rng.sample(NEEDS, rng.randint(1, 3))),
            rng.choice(SURNAMES) + "某", rng.choice(RELATIONS),
            f"137 {rng.randint(0, 9999):04d} {i % 10000:04d}",
        ])
    sheet.append(["合计", f"{n} 人"])
    sheet.append(["填表人：某某", None, None, "审核人：某某"])
    book.save(path)


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _import(path: Path, actor_id: int):
    started, cpu = time.perf_counter(), time.process_time()
    ledger = imports.read_ledger(path.read_bytes(), "children")
    job = imports.import_children(db.session, db.session.get(User, actor_id), ledger,
                                  region_tree(db.session))
    db.session.commit()
    job.cpu_s = round(time.process_time() - cpu, 1)  # this process only, not PostgreSQL
    return round(time.perf_counter() - started, 1), job


def run(app, admin_id: int, work: Path, n: int = 100_000) -> dict:
    tree = region_tree(db.session)
    counties = [tree.get(code) for code in sorted(tree.leaves_under(["450000"]))
                if tree.counties_named(tree.get(code).name) == [code]]
    path = work / "county_ledger.xlsx"
    write_ledger(path, tree, counties, n)
    before = _peak_mb()
    first, job = _import(path, admin_id)
    again, job2 = _import(path, admin_id)
    return {"rows": n, "file_mb": round(path.stat().st_size / 2**20, 1),
            "first_import_s": first, "first_import_cpu_s": job.cpu_s, "created": job.created,
            "reimport_s": again, "reimport_cpu_s": job2.cpu_s,
            "reimport_created": job2.created,
            "reimport_changed": job2.updated, "reimport_unchanged": job2.report["unchanged"],
            "peak_rss_mb_before": before, "peak_rss_mb_after": _peak_mb(),
            "load_average_1min": round(os.getloadavg()[0], 1)}
