"""Import a volunteers ledger; ``vetted`` imports record the importer as the checker."""

import logging

from sqlalchemy import insert, literal, select, update
from sqlalchemy.orm import Session

from core.clock import now, today_local
from core.crypto import lookup_hash
from models import BackgroundCheck, ImportJob, User, Volunteer
from services.access import audit
from services.access.policy import county_scope
from services.imports import values as county
from services.imports.common import (
    Problems,
    Progress,
    RowProblem,
    check_scope,
    clean_rows,
    finish_job,
    locate,
    no_progress,
    save_rows,
    start_job,
)
from services.imports.reader import Ledger
from services.regions import RegionTree
from services.registry.background_checks import expiry_for
from services.registry.volunteers import CHILD_GENDER_CHOICES, clean_volunteer
from services.settings import get_settings
from services.shared import taxonomy
from services.shared.taxonomy import N_

log = logging.getLogger(__name__)

VOLUNTEER_COLUMNS = ("external_id", "name", "phone", "gender", "region_code", "latitude",
                     "longitude", "skills", "capacity", "max_distance_km", "age_min",
                     "age_max", "child_gender")


#: Units a clerk may write after a number: 2人, 25公里, 30km.
COUNTS = ("人", "名", "个")
KILOMETRES = ("公里", "千米", "km")
CHILD_GENDERS = {"男": "M", "女": "F", "男孩": "M", "女孩": "F", "不限": "any", "均可": "any",
                 "男女均可": "any", "": "any"}


def prepare_volunteer(tree: RegionTree, own: set[str] | None):
    """County-style values of a volunteers ledger's row → codes."""

    def prepare(raw: dict, fail) -> None:
        row = county.RowValues(raw, fail)
        row.phone("phone")
        row.choice("gender", county.GENDERS, taxonomy.GENDERS, county.WRITE_GENDER)
        row.region("region_code", tree, own)
        row.needs("skills", taxonomy.NEEDS)
        row.amount("capacity", COUNTS)
        row.amount("max_distance_km", KILOMETRES)
        row.choice("child_gender", CHILD_GENDERS, CHILD_GENDER_CHOICES, "男、女、不限")

    return prepare


def import_volunteers(session: Session, actor: User, ledger: Ledger, tree: RegionTree, *,
                      vetted: bool = False, job: ImportJob | None = None,
                      progress: Progress = no_progress) -> ImportJob:
    """Write every row or none; raise ImportFailed listing each bad row.

    A row without an external_id is the volunteer on file with its phone number.
    ``job`` is a queued import's record; ``progress`` hears of rows checked and saved.
    """
    problems = Problems()
    cleaned = clean_rows(ledger.rows, lambda raw, c: clean_volunteer(raw, tree, c), problems,
                         progress, total=ledger.total,
                         prepare=prepare_volunteer(tree, county_scope(session, actor)))
    matched_by = _assign_keys(session, cleaned)
    table = Volunteer.__table__
    existing = check_scope(session, actor, table, cleaned, problems, N_(
        "external_id %(value)s is already used by a volunteer outside your regions."), tree)
    phone_owner = _phone_owners(session, [v["phone"] for _, v in cleaned])
    seen_phones: dict[str, int] = {}
    for number, values in cleaned:
        owner = phone_owner.get(values["phone"], values["external_id"])
        if owner != values["external_id"] or values["phone"] in seen_phones:
            problems.append(RowProblem(number, "phone", "This phone number already belongs to "
                                       "another volunteer."))
        seen_phones[values["phone"]] = number
    locate(problems, ledger)
    job = start_job(session, "volunteers", actor, cleaned, problems, job, vetted=vetted)
    stamp = now()
    absent = [c for c in OPTIONAL if c not in ledger.fields]
    on_file = _on_file(session, [v["external_id"] for _, v in cleaned])
    records, unchanged = [], 0
    for _, values in cleaned:
        record = {**values, "phone_hash": lookup_hash(values["phone"]), "status": "pending",
                  "privacy_consent_at": stamp,
                  "last_import_id": job.id, "created_at": stamp, "updated_at": stamp,
                  "availability": "", "motivation": "", "status_reason": ""}
        old = on_file.get(values["external_id"])
        # A row the same as on file is left alone, unless a vetted import is to vet it.
        if old is not None and not (vetted and old.status == "pending") and all(
                record[c] == getattr(old, c) for c in COMPARED if c not in absent):
            unchanged += 1
            continue
        records.append(record)
    save_rows(session, table, records, "external_id", progress,
              keep_on_update=("status", "privacy_consent_at", "availability", "motivation",
                              "status_reason", *absent))
    newly_vetted = _vet_imported(session, actor, job) if vetted else 0
    finish_job(session, job, cleaned, existing, unchanged)
    job.report = {"unchanged": unchanged, "extra_columns": ledger.extra[:50],
                  "matched_by": matched_by, "vetted": newly_vetted}
    log.info("volunteers import %s: %s created, %s updated, vetted=%s",
             job.id, job.created, job.updated, vetted)
    return job


#: Columns a volunteers ledger may leave out: the values on file are kept.
OPTIONAL = ("latitude", "longitude", "age_min", "age_max", "child_gender")
#: Fields compared with the volunteer on file to tell a changed row from an unchanged one.
COMPARED = ("name", "phone_hash", "gender", "region_code", "skills", "capacity",
            "max_distance_km", *OPTIONAL)


def _on_file(session: Session, ids: list[str]) -> dict:
    found = {}
    columns = [Volunteer.external_id, Volunteer.status,
               *(getattr(Volunteer, c) for c in COMPARED)]
    for start in range(0, len(ids), 2000):
        stmt = select(*columns).where(Volunteer.external_id.in_(ids[start:start + 2000]))
        found.update({row.external_id: row for row in session.execute(stmt)})
    return found


def _assign_keys(session: Session, cleaned) -> dict[str, int]:
    """A row without an external_id takes that of the volunteer on file with its phone,
    or one made from the phone's keyed hash. Returns how many rows each rule identified."""
    keyless: dict[str, list[dict]] = {}
    for _, values in cleaned:
        if not values["external_id"]:
            digest = lookup_hash(values["phone"])
            values["external_id"] = "PH-" + digest[:24]
            keyless.setdefault(digest, []).append(values)
    hashes = list(keyless)
    for start in range(0, len(hashes), 2000):
        for digest, external_id, volunteer_id in session.execute(
                select(Volunteer.phone_hash, Volunteer.external_id, Volunteer.id)
                .where(Volunteer.phone_hash.in_(hashes[start:start + 2000]))):
            for values in keyless[digest]:
                if external_id:
                    values["external_id"] = external_id
                else:
                    session.execute(update(Volunteer).where(Volunteer.id == volunteer_id)
                                    .values(external_id=values["external_id"]))
    by_phone = sum(len(rows) for rows in keyless.values())
    counts = {"external_id": len(cleaned) - by_phone, "phone": by_phone}
    return {rule: n for rule, n in counts.items() if n}


def _phone_owners(session: Session, phones: list[str]) -> dict[str, str | None]:
    """Map phone → external_id of the volunteer (or account) that already has it."""
    owners: dict[str, str | None] = {}
    by_hash = {lookup_hash(phone): phone for phone in phones}
    hashes = list(by_hash)
    for start in range(0, len(hashes), 2000):
        chunk = hashes[start:start + 2000]
        for digest, external_id in session.execute(
                select(Volunteer.phone_hash, Volunteer.external_id)
                .where(Volunteer.phone_hash.in_(chunk))):
            owners[by_hash[digest]] = external_id
        for (digest,) in session.execute(select(User.phone_hash).where(
                User.phone_hash.in_(chunk), User.role != "volunteer")):
            owners.setdefault(by_hash[digest], None)
    return owners


def _vet_imported(session: Session, actor: User, job: ImportJob) -> int:
    """Vet the volunteers this import wrote that are still pending, with the importer as
    the checker: a check and a vetting on each one's audit trail. Returns how many.

    Volunteers already vetted, rejected or suspended keep their status and checks; rows
    left alone as unchanged were not written, so they are not vetted again.
    """
    volunteers = Volunteer.__table__
    checks = BackgroundCheck.__table__
    expires_on = expiry_for(get_settings(session), today_local())
    session.execute(insert(checks).from_select(
        ["volunteer_id", "source", "certificate_no", "issuing_office", "checked_by_id",
         "checked_at", "expires_on"],
        select(volunteers.c.id, literal("import"), literal(""), literal(""),
               literal(actor.id), literal(now(), checks.c.checked_at.type),
               literal(expires_on, checks.c.expires_on.type))
        .where(volunteers.c.last_import_id == job.id, volunteers.c.status == "pending")))
    vetted_ids = list(session.execute(update(volunteers).where(
        volunteers.c.last_import_id == job.id, volunteers.c.status == "pending",
    ).values(status="vetted", status_changed_at=now(), status_reason="vetted ledger import")
        .returning(volunteers.c.id)).scalars())
    audit.record_many(session, actor, "volunteer.check", "volunteer", vetted_ids,
                      import_id=job.id)
    audit.record_many(session, actor, "volunteer.vet", "volunteer", vetted_ids,
                      status="vetted", import_id=job.id)
    return len(vetted_ids)
