"""Backup and restore of PostgreSQL with the documented scripts, on a small database."""

import subprocess
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from extensions import db
from models import AuditEntry, Child, Pair, User
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_backup_then_restore_into_an_empty_database(app, make_pair, tmp_path):
    assert TEST_DATABASE_URL, "set TEST_DATABASE_URL to a PostgreSQL database"
    make_pair()
    with app.app_context():
        before = {model.__name__: db.session.execute(
            select(func.count()).select_from(model)).scalar_one()
            for model in (User, Child, Pair, AuditEntry)}
        phone = db.session.execute(select(User.phone)).scalars().first()
    dump = tmp_path / "backup.dump"
    subprocess.run([ROOT / "scripts" / "backup.sh", TEST_DATABASE_URL, str(dump)], check=True,
                   capture_output=True)
    assert dump.stat().st_size > 0
    url = make_url(TEST_DATABASE_URL)
    admin = psycopg2.connect(dbname="postgres", user=url.username, host=url.host,
                             port=url.port or 5432)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS qianshou_restore_test")
        cur.execute("CREATE DATABASE qianshou_restore_test")
    restored_url = url.set(database="qianshou_restore_test").render_as_string(
        hide_password=False)
    try:
        subprocess.run([ROOT / "scripts" / "restore.sh", str(dump), restored_url], check=True,
                       capture_output=True)
        from app import create_app

        restored = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": restored_url,
                               "SECRET_KEY": "x"})
        with restored.app_context():
            after = {model.__name__: db.session.execute(
                select(func.count()).select_from(model)).scalar_one()
                for model in (User, Child, Pair, AuditEntry)}
            assert after == before
            # Encrypted values come back readable with the same keys; the log stays
            # append-only after a restore.
            assert db.session.execute(select(User.phone)).scalars().first() == phone
            from sqlalchemy import text
            from sqlalchemy.exc import DatabaseError

            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(text("DELETE FROM audit_entries"))
            db.session.rollback()
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS qianshou_restore_test")
        admin.close()
