"""Schemathesis against the live OpenAPI document: every operation, with a real token,
bounded examples. No 5xx, and every response conforms to the document."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from extensions import db
from models import User
from services.access import api_tokens

pytestmark = pytest.mark.integration
EXAMPLES = os.environ.get("SCHEMATHESIS_EXAMPLES", "20")


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize("role", ["coordinator", "volunteer"])
def test_every_operation_conforms(app, live_server, make_pair, role, tmp_path):
    made = make_pair()  # real records for the operations to find
    with app.app_context():
        from models import Volunteer

        user_id = min(made["coordinators"]) if role == "coordinator" else \
            db.session.get(Volunteer, made["volunteer"]).user_id
        token, _ = api_tokens.create_token(db.session, db.session.get(User, user_id), "st")
        db.session.commit()
    result = subprocess.run(
        [str(Path(sys.executable).parent / "schemathesis"), "run",
         f"{live_server}/api/v1/openapi.json", "--header", f"Authorization: Bearer {token}",
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                     "response_headers_conformance,response_schema_conformance",
         "--max-examples", EXAMPLES, "--generation-deterministic", "--no-color",
         "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
