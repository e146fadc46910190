"""What coordinators see of possible duplicates, and their decisions (link or dismiss).

A coordinator sees their own child of the pair and, of the other record, only where it is
(the county) and whom to contact there (the coordinators covering it, by name and the
region they cover); the other record is opened only when it is in their own counties.
Coordinators of either county can link or dismiss; anyone else gets "not found".
"""

import logging
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.clock import now
from core.errors import DomainError
from models import Child, ChildDuplicate, CoordinatorRegion, User
from services.access import audit, policy
from services.duplicates import links
from services.regions import RegionTree, region_tree
from services.shared.taxonomy import N_

log = logging.getLogger(__name__)

RULE_LABELS = {
    "id_number": N_("Same ID number"),
    "name_birth_phone": N_("Same name, birth date and guardian phone"),
    "pinyin_birth_county": N_("Same name in pinyin, birth date and county"),
    "linked_group": N_("Linked through another record"),
}
STATUS_LABELS = {"open": N_("To decide"), "linked": N_("Linked: one child"),
                 "dismissed": N_("Dismissed: two children")}


@dataclass
class Contact:
    name: str
    region_name: str


@dataclass
class Notice:
    """One possible duplicate as one coordinator may see it."""

    duplicate_id: int
    child_id: int
    child_name: str
    rule: str
    status: str
    other_region_code: str
    other_region_name: str
    contacts: list[Contact]
    #: The other record's id, only when it is in the viewer's counties.
    other_child_id: int | None

    @property
    def rule_label(self) -> str:
        return RULE_LABELS[self.rule]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def contacts(session: Session, tree: RegionTree, county: str) -> list[Contact]:
    """The active coordinators nearest to a county: its own, else its city's, else its
    province's."""
    path = [r.code for r in tree.path(county)]
    rows = session.execute(
        select(CoordinatorRegion.region_code, User.name)
        .join(User, User.id == CoordinatorRegion.user_id)
        .where(User.role == "coordinator", User.active,
               CoordinatorRegion.region_code.in_(path))).all()
    for code in reversed(path):
        names = sorted({name for region_code, name in rows if region_code == code})
        if names:
            return [Contact(name, tree.full_name(code)) for name in names]
    return []


def describe(session: Session, actor: User, duplicates: list[ChildDuplicate],
             ours: set[int] | None = None) -> list[Notice]:
    """Notices for these pairs: one per side in ``ours`` (default: one per pair, from the
    side in the actor's counties)."""
    ids = {x for d in duplicates for x in (d.child_a_id, d.child_b_id)}
    children = {row.id: row for row in session.execute(
        select(Child.id, Child.name, Child.region_code).where(Child.id.in_(sorted(ids))))}
    scope = policy.county_scope(session, actor)
    tree = region_tree(session)
    cache: dict[str, list[Contact]] = {}

    def reachable(child_id: int) -> bool:
        return scope is None or children[child_id].region_code in scope

    notices = []
    for dup in duplicates:
        sides = [x for x in (dup.child_a_id, dup.child_b_id) if x in ours] if ours \
            else [next((x for x in (dup.child_a_id, dup.child_b_id) if reachable(x)),
                       dup.child_a_id)]
        for mine in sides:
            other = children[dup.other(mine)]
            if other.region_code not in cache:
                cache[other.region_code] = contacts(session, tree, other.region_code)
            notices.append(Notice(
                dup.id, mine, children[mine].name, dup.rule, dup.status, other.region_code,
                tree.full_name(other.region_code), cache[other.region_code],
                other.id if reachable(other.id) else None))
    return notices


def notices_for(session: Session, actor: User, child_ids: list[int],
                statuses=("open",)) -> list[Notice]:
    """The possible duplicates of these children (shown on registration and import)."""
    if not child_ids:
        return []
    found = []
    for start in range(0, len(child_ids), 2000):
        chunk = child_ids[start:start + 2000]
        found += session.execute(select(ChildDuplicate).where(
            ChildDuplicate.status.in_(statuses),
            or_(ChildDuplicate.child_a_id.in_(chunk), ChildDuplicate.child_b_id.in_(chunk)))
            .order_by(ChildDuplicate.id)).scalars().all()
    unique = list({d.id: d for d in found}.values())
    return describe(session, actor, unique, ours=set(child_ids))


def listing(session: Session, actor: User, status: str | None = "open"):
    """The select of pairs with a child in the actor's counties, newest first."""
    stmt = policy.scoped_duplicates(session, actor).order_by(ChildDuplicate.id.desc())
    if status:
        stmt = stmt.where(ChildDuplicate.status == status)
    return stmt


def _decided(session: Session, actor: User, duplicate_id: int) -> ChildDuplicate:
    duplicate = policy.get_duplicate(session, actor, duplicate_id)
    links.lock_group(session, [duplicate.child_a_id, duplicate.child_b_id])
    duplicate = session.execute(
        select(ChildDuplicate).where(ChildDuplicate.id == duplicate_id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()
    if duplicate.status != "open":
        raise DomainError("This possible duplicate has already been decided.")
    duplicate.decided_by_id, duplicate.decided_at = actor.id, now()
    return duplicate


def dismiss(session: Session, actor: User, duplicate_id: int) -> ChildDuplicate:
    """Two different children: the pair is never reported again."""
    duplicate = _decided(session, actor, duplicate_id)
    duplicate.status = "dismissed"
    session.flush()
    audit.record(session, actor, "duplicate.dismiss", "duplicate", duplicate.id,
                 children=[duplicate.child_a_id, duplicate.child_b_id])
    log.info("possible duplicate %s dismissed by user %s", duplicate.id, actor.id)
    return duplicate


def link(session: Session, actor: User, duplicate_id: int) -> ChildDuplicate:
    """One child: the records are linked and the group is never paired twice.

    Refused when two records of the group already have active pairs. When one has, the
    others' open proposals are withdrawn.
    """
    duplicate = _decided(session, actor, duplicate_id)
    group = links.group_of(session, [duplicate.child_a_id, duplicate.child_b_id])
    paired = links.actively_paired(session, group)
    if len(paired) > 1:
        raise DomainError("Both records already have an active pair: end one of the pairs "
                          "before linking them.")
    duplicate.status = "linked"
    _complete_group(session, actor, group)
    if paired:
        links.withdraw_open_proposals(session, group - paired)
    session.flush()
    audit.record(session, actor, "duplicate.link", "duplicate", duplicate.id,
                 children=[duplicate.child_a_id, duplicate.child_b_id])
    log.info("possible duplicate %s linked by user %s", duplicate.id, actor.id)
    return duplicate


def _complete_group(session: Session, actor: User, group: set[int]) -> None:
    """Link every two records of the group (a twin's twin is a twin)."""
    ids = sorted(group)
    existing = {(d.child_a_id, d.child_b_id): d for d in session.execute(
        select(ChildDuplicate).where(ChildDuplicate.child_a_id.in_(ids),
                                     ChildDuplicate.child_b_id.in_(ids))).scalars()}
    for i, low in enumerate(ids):
        for high in ids[i + 1:]:
            row = existing.get((low, high))
            if row is None:
                session.add(ChildDuplicate(child_a_id=low, child_b_id=high,
                                           rule="linked_group", status="linked",
                                           decided_by_id=actor.id, decided_at=now()))
            elif row.status != "linked":
                row.status, row.decided_by_id, row.decided_at = "linked", actor.id, now()
