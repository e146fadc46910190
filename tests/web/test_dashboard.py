"""The coordinator dashboard: figures on a planted dataset, scoped to the coordinator's
counties, and the chart data the page's script draws."""

from datetime import date, datetime

import pytest
from sqlalchemy import update

from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import Pair, User, Volunteer
from services.followups import contacts
from services.shared.idcard import check_char
from tests.conftest import COUNTY_A, COUNTY_B

#: Nine days after make_pair's approval (2026-12-01), a Thursday.
SOON = datetime(2026, 12, 10, 10, 0, tzinfo=LOCAL_TZ)
#: Long after: the pair's contact is overdue and its last contact older than 30 days.
LATE = datetime(2027, 1, 20, 10, 0, tzinfo=LOCAL_TZ)
PRECISE = {"latitude": "22.812345", "longitude": "109.401234"}


def valid_id_number(county: str, birth: str, serial: str = "123") -> str:
    first17 = county + birth.replace("-", "") + serial
    return first17 + check_char(first17)


@pytest.fixture
def planted(app, make_pair, create_user, create_child, create_volunteer):
    """County A: one pair (with a contact on 12-05), a consented urgent child and a high
    child waiting, a child without consent, a pending volunteer, an open concern.
    County B: a pair and two waiting children, none of which A may ever count."""
    a = make_pair(**PRECISE)
    coordinator_a = min(a["coordinators"])
    create_child(coordinator_a, name="=HYPERLINK(\"http://x\")", priority="urgent",
                 id_number=valid_id_number(COUNTY_A, "2015-03-02"))
    create_child(coordinator_a, name="李小花", gender="F", priority="high")
    create_child(coordinator_a, name="李小草", consent=False, priority="normal")
    create_volunteer(name="陆待审")
    b = make_pair(county=COUNTY_B)
    coordinator_b = min(b["coordinators"])
    for name in ("莫一", "莫二"):
        create_child(coordinator_b, name=name, region_code=COUNTY_B, priority="normal")
    with app.app_context():
        # The pair's volunteer takes only one child: at capacity.
        db.session.execute(update(Volunteer).where(Volunteer.id == a["volunteer"])
                           .values(capacity=1))
        volunteer_user = db.session.get(User, db.session.get(Volunteer, a["volunteer"]).user_id)
        with clock.frozen(datetime(2026, 12, 5, 18, 0, tzinfo=LOCAL_TZ)):
            contacts.log_contact(db.session, volunteer_user, db.session.get(Pair, a["pair"]), {
                "contact_date": "2026-12-05", "kind": "call", "child_mood": "fine"})
            contacts.raise_concern(db.session, volunteer_user, a["child"], "health", "咳嗽",
                                    pair_id=a["pair"])
        db.session.commit()
    return {"a": a, "b": b, "coordinator_a": coordinator_a, "coordinator_b": coordinator_b,
            "admin": create_user(role="admin")}


def data_of(client, when=SOON):
    with clock.frozen(when):
        response = client.get("/dashboard/data")
    assert response.status_code == 200 and response.is_json
    return response.json


def test_figures_of_a_county_coordinator(planted, login, client):
    login(planted["coordinator_a"])
    body = data_of(client)
    assert body["totals"] == {
        "children": {"registered": 4, "with_consent": 3, "paired": 1,
                     "waiting": {"urgent": 1, "high": 1, "normal": 0},
                     "by_category": {"left_behind": 4, "in_difficulty": 0, "migrant": 0}},
        "volunteers": {"pending": 1, "vetted": 1, "at_capacity": 1},
        "pairs": {"active": 1, "compliant": 1, "overdue": 0, "compliance_share": 1.0},
        "open_concerns": 1,
        "applications": {"received": 0, "waiting": 0, "due": 0, "verified_within_7_days": 0,
                         "verified_within_7_days_share": None},
    }
    assert [c["code"] for c in body["counties"]] == [COUNTY_A]
    (county,) = body["counties"]
    assert county["coverage"] == pytest.approx(1 / 3, abs=0.001)
    assert county["waiting"] == 2 and county["vetted_volunteers"] == 1


def test_a_coordinator_never_sees_another_countys_numbers(planted, login, client):
    login(planted["coordinator_b"])
    body = data_of(client)
    assert body["totals"]["children"] == {
        "registered": 3, "with_consent": 3, "paired": 1,
        "waiting": {"urgent": 0, "high": 0, "normal": 2},
        "by_category": {"left_behind": 3, "in_difficulty": 0, "migrant": 0}}
    assert body["totals"]["open_concerns"] == 0
    assert body["totals"]["volunteers"]["pending"] == 0
    assert [c["code"] for c in body["counties"]] == [COUNTY_B]
    assert sum(w["contacts"] for w in body["trend"]) == 0
    # The map of county A is empty for B's coordinator, as if nobody lived there.
    points = client.get(f"/dashboard/scatter?county={COUNTY_A}").json
    assert points == {"county": COUNTY_A, "children": [], "volunteers": []}


def test_an_admin_sees_every_county(planted, login, client):
    login(planted["admin"])
    body = data_of(client)
    assert body["totals"]["children"]["registered"] == 7
    assert [c["code"] for c in body["counties"]] == sorted([COUNTY_A, COUNTY_B])


def test_overdue_and_compliance_later(planted, login, client):
    login(planted["coordinator_a"])
    pairs = data_of(client, LATE)["totals"]["pairs"]
    assert pairs == {"active": 1, "compliant": 0, "overdue": 1, "compliance_share": 0.0}


def test_weekly_trend_of_new_pairs_and_contacts(planted, login, client):
    login(planted["coordinator_a"])
    trend = data_of(client)["trend"]
    assert len(trend) == 12 and trend[-1]["week"] == "2026-12-07"
    by_week = {w["week"]: w for w in trend}
    # Approved Tuesday 2026-12-01, contact on Saturday 2026-12-05: the week of 11-30.
    assert by_week["2026-11-30"] == {"week": "2026-11-30", "new_pairs": 1, "contacts": 1}
    assert sum(w["new_pairs"] for w in trend) == 1 and sum(w["contacts"] for w in trend) == 1


def test_week_boundaries_are_local_days(app):
    from services.reports.dashboard import local_midnight, week_starts

    assert week_starts(date(2026, 12, 7), 2) == [date(2026, 11, 30), date(2026, 12, 7)]
    # Monday 00:00 in Shanghai is Sunday 16:00 UTC: a pair approved then is Monday's.
    assert local_midnight(date(2026, 12, 7)).astimezone(clock.UTC).hour == 16


def test_scatter_rounds_coordinates_and_carries_no_names(planted, login, client, app):
    login(planted["coordinator_a"])
    response = client.get(f"/dashboard/scatter?county={COUNTY_A}")
    assert response.status_code == 200
    body = response.json
    from services.regions import region_tree

    with app.app_context():
        centre = region_tree(db.session).get(COUNTY_A)
    children = {(x, y): n for x, y, n in body["children"]}
    assert children[(109.4, 22.81)] == 1  # the located child, on a 0.01° grid
    assert children[(round(centre.longitude, 2), round(centre.latitude, 2))] == 3
    assert sum(children.values()) == 4
    assert sum(n for _, _, n in body["volunteers"]) == 1  # vetted volunteers only
    text = response.get_data(as_text=True)
    for secret in ("黄小明", "李小花", "韦丽华", "HYPERLINK", "22.812345", "109.401234"):
        assert secret not in text


def test_scatter_refuses_a_bad_county(planted, login, client):
    login(planted["coordinator_a"])
    for bad in ("", "45", "abcdef", "450100"):  # 450100 is a city, not a county
        response = client.get(f"/dashboard/scatter?county={bad}")
        assert response.status_code == 400 and response.json["error"]


def test_the_page_shows_figures_and_loads_its_charts_from_static(planted, login, client):
    login(planted["coordinator_a"])
    with clock.frozen(SOON):
        response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html  # CSP: no inline code
    assert "/static/dashboard.js" in html and "/static/vendor/echarts/echarts.min.js" in html
    assert 'data-url="/dashboard/data"' in html and 'data-scatter-url="/dashboard/scatter"' in html
    assert f'data-county="{COUNTY_A}"' in html and f'data-county="{COUNTY_B}"' not in html
    assert "Content-Security-Policy" in response.headers


def test_the_dashboard_is_for_coordinators_and_admins(planted, login, client, app):
    assert client.get("/dashboard/").status_code == 302  # to the log-in page
    with app.app_context():
        volunteer_user = db.session.get(Volunteer, planted["a"]["volunteer"]).user_id
    login(volunteer_user)
    for url in ("/dashboard/", "/dashboard/data", f"/dashboard/scatter?county={COUNTY_A}",
                "/dashboard/ledgers", "/dashboard/ledgers/children?fmt=csv"):
        assert client.get(url).status_code == 403, url


def test_home_page_links_to_the_dashboard(planted, login, client):
    login(planted["coordinator_a"])
    html = client.get("/").get_data(as_text=True)
    assert 'href="/dashboard/"' in html


def test_chart_labels_follow_the_language(planted, login, client):
    login(planted["coordinator_a"])
    assert data_of(client)["labels"]["new_pairs"] == "新结对"
    client.post("/language/en")
    assert data_of(client)["labels"]["new_pairs"] == "New pairs"


def test_the_consent_flag_follows_the_consent_records(app, create_user, create_child):
    """The dashboard counts consent from ``children.consenting``: it must always say what
    the consent records say, through registration, consent, withdrawal and imports."""
    from sqlalchemy import exists, select

    from models import Child, ConsentRecord
    from services import imports
    from services.imports import CHILD_COLUMNS
    from services.regions import region_tree
    from services.registry import children
    from tests.web.test_imports import CHILD_ROWS, csv_bytes

    coordinator = create_user(regions=(COUNTY_A,))
    with_consent = create_child(coordinator, name="甲")
    without = create_child(coordinator, name="乙", consent=False)
    withdrawn = create_child(coordinator, name="丙")
    consent = {"given_by": "黄奶奶", "relation": "grandparent", "method": "paper",
               "given_on": date(2026, 1, 10)}

    def flags_match() -> bool:
        current = exists().where(ConsentRecord.child_id == Child.id,
                                 ConsentRecord.withdrawn_at.is_(None))
        rows = db.session.execute(select(Child.id, Child.consenting, current)).all()
        return all(flag == truth for _, flag, truth in rows) and len(rows) > 0

    with app.app_context():
        actor = db.session.get(User, coordinator)
        assert flags_match()
        children.withdraw_consent(db.session, actor, db.session.get(Child, withdrawn))
        late = db.session.get(Child, without)
        children.record_consent(db.session, actor, late, consent)
        db.session.commit()
        assert flags_match()
        assert db.session.get(Child, withdrawn).consenting is False
        assert db.session.get(Child, without).consenting is True
        ledger = imports.read_ledger(csv_bytes(CHILD_COLUMNS, CHILD_ROWS), "children")
        imports.import_children(db.session, actor, ledger, region_tree(db.session))
        db.session.commit()
        assert flags_match()
        assert db.session.get(Child, with_consent).consenting is True


def test_a_pair_ended_this_week_is_still_new_but_no_longer_active(planted, login, client,
                                                                   app):
    from services.pairs.lifecycle import end_pair

    with app.app_context(), clock.frozen(SOON):
        end_pair(db.session, db.session.get(User, planted["coordinator_a"]),
                 db.session.get(Pair, planted["a"]["pair"]), "家庭搬迁", cause="other")
        db.session.commit()
    login(planted["coordinator_a"])
    body = data_of(client)
    assert body["totals"]["pairs"]["active"] == 0
    assert body["totals"]["children"]["paired"] == 0
    # The paired child (urgent, with consent) waits again.
    assert body["totals"]["children"]["waiting"] == {"urgent": 2, "high": 1, "normal": 0}
    assert {w["week"]: w["new_pairs"] for w in body["trend"]}["2026-11-30"] == 1


def test_a_contact_counts_in_the_county_where_it_happened(planted, login, client, app):
    """Contacts keep their child's county when logged: after the child moves, county A's
    trend still has the contact and county B's does not gain it."""
    from models import Child, ContactLog

    with app.app_context():
        (county,) = db.session.query(ContactLog.region_code).filter(
            ContactLog.pair_id == planted["a"]["pair"]).one()
        assert county == COUNTY_A
        db.session.execute(update(Child).where(Child.id == planted["a"]["child"])
                           .values(region_code=COUNTY_B))
        db.session.commit()
    login(planted["coordinator_a"])
    assert sum(w["contacts"] for w in data_of(client)["trend"]) == 1
    other = login(planted["coordinator_b"], app.test_client())
    assert sum(w["contacts"] for w in data_of(other)["trend"]) == 0
    assert data_of(other)["totals"]["children"]["registered"] == 4  # the child did move


def test_a_contact_written_without_a_county_takes_its_childs(planted, app):
    from models import ContactLog

    with app.app_context():
        entry = ContactLog(pair_id=planted["b"]["pair"], contact_date=date(2026, 12, 2),
                           kind="call", child_mood="fine")
        db.session.add(entry)
        db.session.commit()
        assert entry.region_code == COUNTY_B


def test_county_rows_name_the_city_and_county_without_the_province(planted, login, client,
                                                                   app):
    """On a phone the per-county table scrolls sideways; a row's name stays on one line
    and leaves out the province every row shares (the full name is its title)."""
    from services.regions import region_tree

    with app.app_context():
        tree = region_tree(db.session)
        full, short = tree.full_name(COUNTY_A), tree.name_in_province(COUNTY_A)
    assert short.endswith(tree.get(COUNTY_A).name) and full.endswith(short) and short != full
    login(planted["coordinator_a"])
    with clock.frozen(SOON):
        html = client.get("/dashboard/").get_data(as_text=True)
    assert f'<td class="text-nowrap" title="{full}">{short}</td>' in html


def test_contacts_by_county_reach_no_volunteer(planted, app):
    from sqlalchemy import select

    from models import ContactLog
    from services.access import policy

    with app.app_context():
        volunteer_user = db.session.get(
            User, db.session.get(Volunteer, planted["a"]["volunteer"]).user_id)
        coordinator = db.session.get(User, planted["coordinator_a"])
        for user, seen in ((coordinator, 1), (volunteer_user, 0)):
            stmt = policy.scoped_contacts(db.session, user, select(ContactLog.id))
            assert len(db.session.execute(stmt).all()) == seen
