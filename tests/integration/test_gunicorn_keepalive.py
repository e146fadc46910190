"""The site as production serves it (gunicorn.conf.py, the Procfile's settings): a person's
browser, or the proxy in front, reuses its connection after a pause between two pages, and
the next page still arrives, never a reset."""

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.worker import free_port

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
PAUSE = 3.5  # seconds between two pages: longer than gunicorn's default keep-alive (2 s)


@pytest.fixture
def served(tmp_path):
    port = free_port()
    env = {**os.environ, "WEB_CONCURRENCY": "1", "QIANSHOU_INSTANCE": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path}/site.db"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", "app:app"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                probe.connect()
                probe.close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_connection_reused_after_a_pause_gets_its_page(served):
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=10)
    request = connection.request
    try:
        _two_pages_with_a_pause(connection, request)
    finally:
        connection.close()


def _two_pages_with_a_pause(connection, request):
    request("GET", "/static/app.css")
    first = connection.getresponse()
    first.read()
    assert first.status == 200 and first.getheader("Connection") != "close"
    socket_before = connection.sock.getsockname()
    time.sleep(PAUSE)
    request("GET", "/static/app.css")  # the same connection, kept alive
    second = connection.getresponse()
    second.read()
    assert second.status == 200
    assert connection.sock.getsockname() == socket_before  # not a new connection


def test_the_procfile_and_the_image_serve_with_these_settings():
    assert "gunicorn -c gunicorn.conf.py app:app" in (ROOT / "Procfile").read_text()
    assert '"gunicorn", "-c", "gunicorn.conf.py", "app:app"' in (ROOT / "Dockerfile").read_text()
