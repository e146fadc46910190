"""Benchmark: the reminder sweep over 100,000 active pairs (target under 10 s).

Pairs are written straight into the benchmark database: every child of the province
gets an active pair; a tenth of them have a contact or visit due today, a tenth are a
few days overdue, a twentieth are escalations, the rest are not due.
"""

import random
import time
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from core.clock import LOCAL_TZ, now
from extensions import db
from models import Child, OutboxMessage, Pair, Volunteer
from services.access import accounts
from services.followups import reminders
from services.settings import get_settings
from services.shared.bulk import insert_rows

SWEEP_AT = datetime(2026, 12, 15, 10, 0, tzinfo=LOCAL_TZ)


def _due(rng: random.Random, today):
    draw = rng.random()
    if draw < 0.10:
        return today
    if draw < 0.20:
        return today - timedelta(days=rng.randint(3, 6))
    if draw < 0.25:
        return today - timedelta(days=rng.randint(7, 20))
    return today + timedelta(days=rng.randint(1, 30))


def run(app) -> dict:
    rng = random.Random(5)
    today = SWEEP_AT.date()
    db.session.execute(delete(Pair))
    children = db.session.execute(select(Child.id)).scalars().all()
    volunteers = db.session.execute(select(Volunteer.id)).scalars().all()
    stamp = now()
    rows = [{"child_id": child, "volunteer_id": volunteers[i % len(volunteers)],
             "status": "active", "started_at": stamp, "end_reason": "",
             "next_contact_due": _due(rng, today),
             "next_visit_due": today + timedelta(days=rng.randint(1, 30))}
            for i, child in enumerate(children)]
    insert_rows(db.session, Pair.__table__, rows)
    # Escalations go to the coordinators covering each county: one for the province,
    # one for Nanning.

    for phone, region in (("13800000091", "450000"), ("13800000092", "450100")):
        accounts.create_user(db.session, role="coordinator", name="协调员", phone=phone,
                             password="bench-password", regions=[region])
    db.session.commit()
    settings = get_settings(db.session)
    timings = []
    for _ in range(2):  # the second sweep finds everything already queued
        started = time.perf_counter()
        reminders.sweep(db.session, SWEEP_AT, settings)
        db.session.commit()
        timings.append(round(time.perf_counter() - started, 2))
    queued = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    return {"active_pairs": len(rows), "outbox_rows": queued,
            "first_sweep_s": timings[0], "repeat_sweep_s": timings[1]}
