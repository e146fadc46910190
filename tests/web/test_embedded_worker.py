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
