"""Data never goes through gettext: gettext's output is treated as safe HTML by the
templates, so a stored value passed through ``_()`` would render as markup."""

import re
from pathlib import Path

import pytest

from extensions import db
from models import Child
from services.shared import taxonomy
from tests.conftest import child_data

INJECTED = '<h1 id="injected">x</h1><a href="https://evil.example">y</a>'
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_guardian_relation_is_a_code_from_the_list_everywhere(client, create_user, login,
                                                               auth):
    user = create_user()
    headers = auth(user)
    body = {**child_data(guardian_relation=INJECTED), "needs": ["academic"],
            "consent": {"given_by": "黄奶奶", "relation": "grandparent", "method": "paper",
                        "given_on": "2026-01-10"}}
    answer = client.post("/api/v1/children", json=body, headers=headers)
    assert answer.status_code == 422 and "guardian_relation" in answer.json["errors"]
    login(user)
    page = client.post("/children/new", data=child_data(guardian_relation=INJECTED))
    assert page.status_code == 200 and "injected" not in page.get_data(as_text=True)
    from services.imports import CHILD_COLUMNS
    from tests.web.test_imports import CHILD_ROWS, csv_bytes, upload

    row = [*CHILD_ROWS[0][:-1], INJECTED.replace(",", " ")]
    upload(client, "children", csv_bytes(CHILD_COLUMNS, [row]), follow=True)
    with client.application.app_context():
        assert db.session.query(Child).count() == 0


def test_a_stored_free_text_relation_is_shown_escaped(app, client, create_user, login,
                                                      create_child):
    user = create_user()
    child_id = create_child(user)
    with app.app_context():  # a value written before the list was enforced
        db.session.get(Child, child_id).guardian_relation = INJECTED
        db.session.commit()
    login(user)
    page = client.get(f"/children/{child_id}").get_data(as_text=True)
    assert 'id="injected"' not in page and "&lt;h1" in page


def test_labels_translate_codes_and_show_other_text_as_text(app):
    from blueprints.web import label

    with app.test_request_context("/"):
        assert label(taxonomy.GUARDIAN_RELATIONS, "grandparent") == "祖父母/外祖父母"
        shown = label(taxonomy.GUARDIAN_RELATIONS, INJECTED)
        assert shown == INJECTED and type(shown) is str  # plain text: the template escapes it
        assert label(taxonomy.PRIORITIES, None) == ""


def test_message_parameters_that_are_data_are_not_translated(app):
    from blueprints.web import translate

    with app.test_request_context("/"):
        # "Pending" is a message id when it comes from the code, data when a person typed it.
        typed = translate("%(value)s is not a valid mainland mobile number.",
                          {"value": "Pending"})
        assert typed.startswith("Pending")
        from services.registry.volunteers import STATUS_LABELS

        assert translate("A %(current)s volunteer cannot become %(target)s.",
                         {"current": STATUS_LABELS["pending"],
                          "target": STATUS_LABELS["vetted"]}) != \
            "A Pending volunteer cannot become Vetted."


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_no_template_passes_a_lookup_or_fallback_through_gettext(path):
    """``_(table.get(code, code))`` and ``_(table[code])`` are the ways data reached
    gettext; the ``label`` helper replaces them."""
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"_\([^()\"']*\.get\(", text), path
    assert not re.search(r"_\([\w.]+\[", text), path
