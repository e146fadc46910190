"""In the embedded default (no Redis) background jobs still run: a real worker process
takes tasks from the filesystem broker under instance/."""

from tests.worker import running_worker


def test_worker_runs_tasks_without_any_server(make_app):
    app = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=None)
    assert app.config["CELERY"]["broker_url"] == "filesystem://"
    celery = app.extensions["celery"]
    with running_worker():
        result = celery.send_task("system.ping")
        answer = result.get(timeout=60)
    assert answer["pong"] is True and answer["regions"] > 3000


def test_reminders_go_out_on_schedule_without_any_server(app, make_app, make_pair, tmp_path):
    """What `make run` starts: a worker with beat on the filesystem broker, no Redis."""
    import json
    from datetime import timedelta

    from core.clock import today_local
    from extensions import db
    from models import Pair
    from tests.worker import wait_for

    made = make_pair()
    with app.app_context():
        pair = db.session.get(Pair, made["pair"])
        pair.next_contact_due = today_local() - timedelta(days=1)
        db.session.commit()
    sms_file = tmp_path / "sms.jsonl"

    def reminder_sent():
        if not sms_file.exists():
            return False
        return any(json.loads(line)["template"] == "contact_due"
                   for line in sms_file.read_text().splitlines())

    # Quiet hours are switched off so the test passes at any time of day.
    with app.app_context():
        from services.settings import get_settings

        settings = get_settings(db.session)
        settings.quiet_start = settings.quiet_end = 0
        db.session.commit()
    with running_worker(beat=True, SMS_BACKEND="file", SMS_FILE=str(sms_file),
                        REMINDER_SWEEP_SECONDS="1"):
        wait_for(reminder_sent, timeout=90)
