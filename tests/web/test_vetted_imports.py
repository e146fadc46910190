"""A vetted volunteers' ledger (``flask import volunteers --vetted``) imported again: rows
the same as on file and already vetted are left alone (no write, no new check, no audit
row); rows that changed are updated, and only volunteers not yet vetted are vetted, with
the importer recorded as the checker."""

from sqlalchemy import select

from extensions import db
from models import AuditEntry, BackgroundCheck, User, Volunteer
from services.registry import volunteers
from tests.web.test_volunteer_ledgers import ROWS, workbook


def import_file(runner, path, *options):
    result = runner.invoke(args=["import", "volunteers", str(path), *options])
    assert result.exit_code == 0, result.output
    return result.output


def state(app) -> dict:
    """Per volunteer: what a write or a vetting would change."""
    with app.app_context():
        return {v.name: (v.status, v.status_changed_at, v.updated_at, v.last_import_id,
                         v.capacity, sorted((c.checked_by_id, c.source) for c in v.checks))
                for v in db.session.execute(select(Volunteer)).scalars()}


def volunteer_audit(app) -> list[tuple]:
    with app.app_context():
        return sorted(db.session.execute(
            select(AuditEntry.action, AuditEntry.record_id, AuditEntry.actor_id)
            .where(AuditEntry.record_type == "volunteer")).all())


def ids(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Volunteer.name, Volunteer.id)).all())


def test_a_vetted_ledger_imported_again_writes_nothing(app, runner, create_user, tmp_path):
    admin = create_user(role="admin")
    path = tmp_path / "志愿者台账.xlsx"
    path.write_bytes(workbook(ROWS[:2]))
    assert "新增 2，更新 0，未变 0" in import_file(runner, path, "--vetted")
    before, audited = state(app), volunteer_audit(app)
    assert {name: s[0] for name, s in before.items()} == {"陆建国": "vetted", "莫小燕": "vetted"}
    assert all(s[5] == [(admin, "import")] for s in before.values())
    on_trail = {(action, vid) for action, vid, _ in audited}
    assert on_trail == {(a, v) for a in ("volunteer.check", "volunteer.vet")
                        for v in ids(app).values()}
    assert {actor for *_, actor in audited} == {admin}
    output = import_file(runner, path, "--vetted")
    assert "新增 0，更新 0，未变 2" in output and "审核通过" not in output
    assert state(app) == before
    assert volunteer_audit(app) == audited
    with app.app_context():
        assert len(db.session.execute(select(BackgroundCheck)).all()) == 2
        last = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "volunteers.import").order_by(AuditEntry.id.desc())).scalar()
        assert (last.detail["created"], last.detail["updated"]) == (0, 0)


def test_a_vetted_import_vets_only_who_is_not_yet_vetted(app, runner, create_user, tmp_path):
    admin = create_user(role="admin")
    coordinator = create_user()
    path = tmp_path / "志愿者台账.xlsx"
    path.write_bytes(workbook(ROWS[:2]))
    import_file(runner, path, "--vetted")  # 陆建国 and 莫小燕 vetted
    path.write_bytes(workbook(ROWS[:4]))
    import_file(runner, path)  # 韦丽华 and 黄志强 pending
    with app.app_context():  # 黄志强 is turned down by a coordinator
        volunteers.change_status(db.session, db.session.get(User, coordinator),
                                 db.session.get(Volunteer, ids(app)["黄志强"]), "rejected",
                                 reason="证明材料不全")
        db.session.commit()
    before, audited = state(app), volunteer_audit(app)
    rows = [list(row) for row in ROWS]
    rows[1][6] = 2  # 莫小燕 can now take two children
    rows.append([5, "农海燕", "13900001005", "女", "横县", "兴趣培养", 1, 5, "", ""])
    path.write_bytes(workbook(rows))
    output = import_file(runner, path, "--vetted")
    assert "新增 1，更新 2，未变 2" in output and "审核通过 2 名" in output
    after = state(app)
    assert after["陆建国"] == before["陆建国"] and after["黄志强"] == before["黄志强"]
    moved = after["莫小燕"]  # written, still vetted on its first check
    assert (moved[0], moved[1], moved[4], moved[5]) == (
        "vetted", before["莫小燕"][1], 2, before["莫小燕"][5])
    assert moved[2] > before["莫小燕"][2]
    for name in ("韦丽华", "农海燕"):  # vetted now, the importer the checker
        assert (after[name][0], after[name][5]) == ("vetted", [(admin, "import")]), name
    new_rows = sorted(set(volunteer_audit(app)) - set(audited))
    vetted_now = {ids(app)[name] for name in ("韦丽华", "农海燕")}
    assert new_rows == sorted((action, vid, admin) for vid in vetted_now
                              for action in ("volunteer.check", "volunteer.vet"))


def test_a_plain_import_of_a_pending_volunteer_stays_unchanged(app, runner, create_user,
                                                               tmp_path):
    create_user(role="admin")
    path = tmp_path / "志愿者台账.xlsx"
    path.write_bytes(workbook(ROWS[:1]))
    import_file(runner, path)
    before = state(app)
    assert "新增 0，更新 0，未变 1" in import_file(runner, path)
    assert state(app) == before and before["陆建国"][0] == "pending"
