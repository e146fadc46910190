from sqlalchemy import select

from core.crypto import lookup_hash
from extensions import db
from models import User


def test_users_create_admin_and_coordinator(runner, app):
    result = runner.invoke(args=["users", "create", "--role", "admin", "--name", "管理员",
                                 "--phone", "13800009999", "--password-stdin"],
                           input="a-long-password\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "create", "--role", "coordinator", "--name", "协调员",
                                 "--phone", "13800009998", "--password-stdin",
                                 "--region", "450100", "--region", "450329"],
                           input="a-long-password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        coordinator = db.session.execute(
            select(User).where(User.phone_hash == lookup_hash("+8613800009998"))).scalar_one()
        assert coordinator.region_codes == ["450100", "450329"]


def test_users_create_refuses_bad_input(runner, app):
    result = runner.invoke(args=["users", "create", "--role", "coordinator", "--name", "x",
                                 "--phone", "123", "--password-stdin"], input="long-enough\n")
    assert result.exit_code == 1
    result = runner.invoke(args=["users", "create", "--role", "admin", "--name", "x",
                                 "--phone", "13800009997", "--password-stdin"], input="short\n")
    assert result.exit_code == 1
    result = runner.invoke(args=["users", "create", "--role", "coordinator", "--name", "x",
                                 "--phone", "13800009996", "--password-stdin",
                                 "--region", "990000"], input="long-enough\n")
    assert result.exit_code == 1
    with app.app_context():
        assert db.session.execute(select(User)).first() is None


def test_demo_load_is_idempotent(runner, app):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0 and "13800000001" in result.output
    with app.app_context():
        assert len(db.session.execute(select(User)).all()) == 7


def test_ping_task_runs_eagerly(app):
    from tasks.system import ping

    with app.app_context():
        assert ping.delay().get()["regions"] > 3000


def test_match_run_spares_the_garbage_collector_the_apps_objects(runner, app):
    # Walking them at exit took a third of a second of every `flask match run`.
    import gc

    assert gc.get_freeze_count() == 0
    runner.invoke(args=["match", "run", "--region", "990000"])
    assert gc.get_freeze_count() > 10_000


def test_starting_the_app_does_not_import_what_only_some_runs_need():
    # SciPy (a fifth of a second) serves the NumPy twin of the kernels and children with
    # no eligible volunteer; openpyxl and pypinyin serve workbooks and duplicates.
    import subprocess
    import sys

    child = subprocess.run(
        [sys.executable, "-c", "import sys, app; print(sorted({m.split('.')[0] + "
         "('.' + m.split('.')[1] if m.count('.') else '') for m in sys.modules}))"],
        capture_output=True, text=True, check=True)
    loaded = child.stdout
    for heavy in ("scipy.sparse", "scipy.spatial", "openpyxl", "pypinyin"):
        assert f"'{heavy}" not in loaded, heavy


def test_a_runs_peak_memory_is_its_own_not_its_parents():
    # A benchmark starts `flask match run` from a process holding a province's import;
    # the run's peak must not be that process's (``ru_maxrss`` survives fork and exec).
    import subprocess
    import sys

    parent = bytearray(400 * 2**20)
    for at in range(0, len(parent), 4096):
        parent[at] = 1
    child = subprocess.run(
        [sys.executable, "-c", "from core.memory import peak_mib; print(peak_mib())"],
        capture_output=True, text=True, check=True)
    assert 0 < int(child.stdout) < 300
