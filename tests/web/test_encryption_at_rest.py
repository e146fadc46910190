"""Phone numbers are encrypted at rest and found through keyed hashes."""

from sqlalchemy import text

from core import crypto
from extensions import db


def raw(app, sql):
    with app.app_context():
        return [r[0] for r in db.session.execute(text(sql)).all()]


def test_no_phone_number_is_stored_in_clear(app, client, make_pair, create_user, login):
    from services.imports import VOLUNTEER_COLUMNS

    made = make_pair()
    import io

    login(min(made["coordinators"]))
    ledger = ",".join(VOLUNTEER_COLUMNS) + \
        "\nV9,陆建国,13900009999,M,450127,,,safety,1,20,,,any\n"
    client.post("/volunteers/import", data={"file": (io.BytesIO(ledger.encode()), "v.csv")},
                content_type="multipart/form-data")  # the bulk (COPY) path too
    stored = (raw(app, "SELECT phone FROM users") + raw(app, "SELECT phone FROM volunteers")
              + raw(app, "SELECT guardian_phone FROM children")
              + raw(app, "SELECT to_phone FROM sms_outbox"))
    assert len(stored) >= 8
    for value in stored:
        assert "+86" not in value and not value.isdigit(), value
    with app.app_context():
        assert crypto.decrypt(stored[0]).startswith("+86")
    # ... and yet log-in by number, and the volunteer's view of the guardian, still work.
    assert "+8613900009999" in [crypto.decrypt(v) for v in
                                raw(app, "SELECT phone FROM volunteers")]


def test_migration_encrypts_numbers_already_stored(app, tmp_path):
    from flask_migrate import upgrade

    from app import create_app

    old = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI":
                      f"sqlite:///{tmp_path}/old.db", "SECRET_KEY": "x"})
    with old.app_context():
        upgrade(revision="0007")
        db.session.execute(text(
            "INSERT INTO users (name, phone, role, active, session_token, created_at) "
            "VALUES ('老用户', '+8613800001111', 'coordinator', 1, 't', '2026-01-01')"))
        db.session.execute(text(
            "INSERT INTO sms_opt_outs (phone, source, note, created_at) "
            "VALUES ('+8613800002222', 'reply', '', '2026-01-01')"))
        db.session.commit()
        upgrade()
        phone, digest = db.session.execute(text("SELECT phone, phone_hash FROM users")).one()
        assert crypto.decrypt(phone) == "+8613800001111"
        assert digest == crypto.lookup_hash("+8613800001111")
        assert db.session.execute(text("SELECT phone_hash FROM sms_opt_outs")).scalar_one() \
            == crypto.lookup_hash("+8613800002222")


def test_keys_rotate_reencrypts_everything(app, runner, make_pair):
    make_pair()
    before = raw(app, "SELECT phone FROM volunteers")
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0 and "re-encrypted" in result.output
    after = raw(app, "SELECT phone FROM volunteers")
    with app.app_context():
        assert after != before
        assert [crypto.decrypt(v) for v in after] == [crypto.decrypt(v) for v in before]
