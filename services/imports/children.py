"""Import a county's children ledger; a row imported by a coordinator counts as the
guardian's consent recorded on paper, and the import records that."""

import logging

from sqlalchemy import exists, insert, literal, select, update
from sqlalchemy.orm import Session

from core.clock import now, today_local
from core.crypto import lookup_hash
from models import Child, ConsentRecord, ImportJob, User
from services.duplicates.detect import detect_for_import, pinyin_key
from services.imports.common import (
    Progress,
    RowProblem,
    check_columns,
    check_scope,
    clean_rows,
    finish_job,
    no_progress,
    save_rows,
    start_job,
)
from services.regions import RegionTree
from services.registry.children import apply_id_number, clean_child
from services.shared.taxonomy import N_

log = logging.getLogger(__name__)

#: The published column contract; extra columns (township, school, sub_type, id_number,
#: notes) are read when present.
CHILD_COLUMNS = ("external_id", "name", "gender", "birth_date", "region_code", "latitude",
                 "longitude", "category", "needs", "priority", "guardian_name",
                 "guardian_phone", "guardian_relation")


def import_children(session: Session, actor: User, header: list[str], rows: list[dict],
                    tree: RegionTree, *, job: ImportJob | None = None,
                    progress: Progress = no_progress) -> ImportJob:
    """Write every row or none; raise ImportFailed listing each bad row.

    ``job`` is a queued import's record; ``progress`` hears of rows checked and saved.
    """
    check_columns(header, CHILD_COLUMNS)
    problems: list[RowProblem] = []
    cleaned = clean_rows(rows, lambda raw, c: clean_child(raw, tree, c), problems, progress)
    table = Child.__table__
    existing = check_scope(session, actor, table, cleaned, problems, N_(
        "external_id %(value)s is already used by a child outside your regions."))
    job = start_job(session, "children", actor, cleaned, problems, job)
    stamp = now()
    records = []
    for _, values in cleaned:
        holder = Child()
        apply_id_number(holder, values.pop("id_number"))
        records.append({**values, "guardian_phone_hash": lookup_hash(values["guardian_phone"]),
                        "id_number_encrypted": holder.id_number_encrypted,
                        "id_number_tail": holder.id_number_tail,
                        "id_number_hash": holder.id_number_hash,
                        "pinyin_key_hash": pinyin_key(values["name"], values["birth_date"],
                                                      values["region_code"]),
                        "created_by_id": actor.id,
                        "last_import_id": job.id, "created_at": stamp, "updated_at": stamp})
    save_rows(session, table, records, "external_id", progress,
              keep_on_update=("created_by_id",),
              keep_if_empty=("id_number_encrypted", "id_number_tail", "id_number_hash",
                             "sub_type"))
    _record_paper_consent(session, actor, job)
    finish_job(session, job, cleaned, existing)
    #: Possible duplicates anywhere, per row; they never fail the import.
    job.duplicate_rows = detect_for_import(
        session, actor, job, {values["external_id"]: number for number, values in cleaned})
    log.info("children import %s: %s created, %s updated", job.id, job.created, job.updated)
    return job


def _record_paper_consent(session: Session, actor: User, job: ImportJob) -> None:
    """Consent on paper for imported children that never had a consent record.

    A child whose guardian withdrew consent keeps it withdrawn: re-importing the ledger
    does not consent again.
    """
    children = Child.__table__
    consents = ConsentRecord.__table__
    source = select(
        children.c.id, children.c.guardian_name, children.c.guardian_relation,
        literal("import"), literal(today_local()), literal("2026-1"),
        literal("matching,follow_up,sms"), literal(actor.id),
        literal(now(), consents.c.recorded_at.type),
    ).where(
        children.c.last_import_id == job.id,
        ~exists().where(consents.c.child_id == children.c.id),
    )
    session.execute(insert(consents).from_select(
        ["child_id", "given_by", "relation", "method", "given_on", "notice_version", "scope",
         "recorded_by_id", "recorded_at"], source))
    current = exists().where(consents.c.child_id == children.c.id,
                             consents.c.withdrawn_at.is_(None))
    session.execute(update(children).where(children.c.last_import_id == job.id)
                    .values(consenting=current))
