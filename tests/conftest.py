"""Fixtures: an app on a fresh database built by the migrations, clients, factories.

SQLite by default; when TEST_DATABASE_URL is set the same suite runs on PostgreSQL.
The schema is built once per run with ``alembic upgrade head`` (migrations are tested);
after each test every table but the region table is emptied.
"""

import gc
import os
import tempfile
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

# Set once per run: this module is imported both as `conftest` and as `tests.conftest`.
_instance = os.environ.setdefault("QIANSHOU_TEST_INSTANCE",
                                  tempfile.mkdtemp(prefix="qianshou-test-"))
os.environ["QIANSHOU_INSTANCE"] = _instance
os.environ.setdefault("SMS_BACKEND", "file")

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from core import clock
from extensions import db, limiter  # noqa: E402
from services.access import accounts
from services.pairs import lifecycle
from services.regions import region_tree  # noqa: E402
from services.registry import children, volunteers

COUNTY_A = "450127"  # 横县, Nanning
COUNTY_B = "450329"  # 资源县, Guilin
CITY_A = "450100"  # Nanning
PASSWORD = "correct-horse"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
DATABASE_URL = TEST_DATABASE_URL or f"sqlite:///{_instance}/test.db"
INSTANCE_DIR = _instance


def _settings(**extra):
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SECRET_KEY": "test-secret",
    }
    settings.update(extra)
    return settings


def _reset_schema(app):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()


@pytest.fixture(autouse=True)
def _no_real_sms_provider(monkeypatch):
    """Any attempt to reach a real SMS provider fails the test (tests use fakes)."""
    from services.sms.providers.aliyun import AliyunBackend
    from services.sms.providers.tencent import TencentBackend

    def refuse(self):
        # pytest.fail raises a BaseException: a backend's "except Exception" cannot hide it.
        pytest.fail(f"a test tried to reach the real {self.name} SMS service")

    for backend in (AliyunBackend, TencentBackend):
        monkeypatch.setattr(backend, "_make_client", refuse)


@pytest.fixture(autouse=True)
def _no_frozen_objects():
    """``flask match run`` freezes the objects it finds (gc.freeze) for its own short
    process; a test that invokes it in this process must not keep them from collection."""
    yield
    gc.unfreeze()


@pytest.fixture(scope="session")
def app():
    app = create_app(_settings(CELERY_ALWAYS_EAGER=True))
    _reset_schema(app)
    return app


@pytest.fixture(autouse=True)
def _celery_of_the_test_app(request):
    """Each create_app makes its Celery app the current one, which shared tasks use: a
    test that builds another app (make_app, an app with older keys) must not leave its
    Celery, with its broker and eager setting, to the tests that run after it."""
    if "app" in request.fixturenames:
        celery = request.getfixturevalue("app").extensions["celery"]
        celery.set_current()
        celery.set_default()
    # Celery marks "inside a task" in one flag for the whole process while an eager task
    # runs; tests that run eager tasks on several threads at once (the concurrency
    # tests) can leave it set, and every later ``result.get()`` would then refuse.
    from celery.result import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Empty every table but the regions after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name != "regions"]
        with db.engine.begin() as conn:
            _empty_audit_log(conn)
            for table in tables:
                if table.name != "audit_entries":
                    conn.execute(table.delete())
    limiter.reset()


def _empty_audit_log(conn):
    """The audit log refuses DELETE (by design); between tests it is emptied around that."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("TRUNCATE audit_entries"))  # TRUNCATE is not a row DELETE
        return
    triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                 "AND tbl_name = 'audit_entries'")).all()
    for name, _ in triggers:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    conn.execute(text("DELETE FROM audit_entries"))
    for _, sql in triggers:
        conn.execute(text(sql))


@pytest.fixture
def make_app(app):
    """Build another app on the same database with other settings (CSRF on, limits on)."""

    def make(**extra):
        return create_app(_settings(**{"CELERY_ALWAYS_EAGER": True, **extra}))

    return make


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def tree(app):
    with app.app_context():
        return region_tree(db.session)


@pytest.fixture
def create_user(app):
    counter = iter(range(1000, 9999))

    def create(role="coordinator", regions=(COUNTY_A,), name="测试用户", phone=None):
        with app.app_context():
            user = accounts.create_user(
                db.session, role=role, name=name, phone=phone or f"1380000{next(counter):04d}",
                password=PASSWORD, regions=regions if role == "coordinator" else ())
            db.session.commit()
            return user.id

    return create


@pytest.fixture
def login(client, app):
    def do_login(user_id, a_client=None):
        from models import User

        with app.app_context():
            phone = db.session.get(User, user_id).phone
        target = a_client or client
        response = target.post("/auth/login", data={"phone": phone, "password": PASSWORD})
        assert response.status_code == 302, response.data[:500]
        return target

    return do_login


def volunteer_data(**overrides):
    data = {
        "name": "韦丽华", "phone": "13900001111", "password": PASSWORD, "gender": "F",
        "region_code": COUNTY_A, "skills": ["academic", "emotional"], "capacity": "2",
        "max_distance_km": "30", "child_gender": "any", "privacy_consent": "y",
        "availability": "周末", "motivation": "想帮助孩子",
    }
    data.update(overrides)
    return data


def child_data(**overrides):
    data = {
        "name": "黄小明", "gender": "M", "birth_date": "2015-03-02", "region_code": COUNTY_A,
        "category": "left_behind", "sub_type": "both_parents_away",
        "needs": ["academic", "emotional"], "priority": "urgent", "guardian_name": "黄奶奶",
        "guardian_relation": "grandparent", "guardian_phone": "13700001234", "township": "",
        "school": "", "notes": "", "id_number": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def auth(app):
    """Bearer headers for a user id: a fresh API token each call."""
    from models import User
    from services.access import api_tokens

    def headers(user_id, days=90):
        with app.app_context():
            token, _ = api_tokens.create_token(db.session, db.session.get(User, user_id),
                                               "test", days=days)
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def create_volunteer(app, tree):
    counter = iter(range(2000, 9999))

    def create(status="pending", actor_id=None, **overrides):
        from models import User

        raw = volunteer_data(**{"phone": f"1390000{next(counter):04d}", **overrides})
        with app.app_context():
            volunteer = volunteers.sign_up(db.session, raw, tree, phone_verified=True)
            if status == "vetted":
                actor = db.session.get(User, actor_id)
                volunteers.record_check(db.session, actor, volunteer, certificate_no="N1",
                                        issuing_office="县公安局", issued_on=date(2026, 1, 1))
                volunteers.change_status(db.session, actor, volunteer, "vetted")
            db.session.commit()
            return volunteer.id

    return create


@pytest.fixture
def create_child(app, tree):
    def create(actor_id, consent=True, **overrides):
        from models import User

        with app.app_context():
            actor = db.session.get(User, actor_id)
            consent_data = {"given_by": "黄奶奶", "relation": "grandparent", "method": "paper",
                            "given_on": date(2026, 1, 10)} if consent else None
            child = children.register_child(db.session, actor, child_data(**overrides), tree,
                                            consent_data)
            db.session.commit()
            return child.id

    return create


#: When make_pair approves its pair (Asia/Shanghai).
APPROVED_AT = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def make_pair(app, create_user, create_volunteer, create_child):
    """An approved pair in county A at APPROVED_AT, with coordinators of A and of its city
    (alerted) and of county B (never alerted)."""
    from models import MatchRun, Proposal, User

    def make(county=COUNTY_A, **child):
        coordinator = create_user(regions=(county,))
        city_coordinator = create_user(regions=(county[:4] + "00",))
        create_user(regions=(COUNTY_B if county == COUNTY_A else COUNTY_A,))  # never alerted
        volunteer = create_volunteer(status="vetted", actor_id=coordinator, name="韦丽华",
                                     region_code=county)
        child_id = create_child(coordinator, name="黄小明", region_code=county, **child)
        with app.app_context(), clock.frozen(APPROVED_AT):
            run = MatchRun(region_code=county, run_date=APPROVED_AT.date(), status="done",
                           stats={})
            db.session.add(run)
            db.session.flush()
            proposal = Proposal(run_id=run.id, child_id=child_id, volunteer_id=volunteer,
                                distance_km=1, quality=90, need_score=60, distance_score=30,
                                matched_needs="academic", priority="urgent", reject_reason="")
            db.session.add(proposal)
            db.session.flush()
            pair = lifecycle.approve_proposal(db.session, db.session.get(User, coordinator),
                                          proposal.id)
            db.session.commit()
            return {"pair": pair.id, "coordinators": {coordinator, city_coordinator},
                    "volunteer": volunteer, "child": child_id}

    return make
