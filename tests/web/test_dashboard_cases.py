"""The dashboard's case figures: open cases by step and age, overdue acknowledgements and
reviews, within the user's counties (frozen clock)."""

from datetime import date, timedelta

from core import clock
from extensions import db
from models import Concern, User, Volunteer
from services.followups import cases, contacts
from services.reports import dashboard
from tests.conftest import APPROVED_AT, COUNTY_B

T0 = APPROVED_AT + timedelta(days=1)


def test_case_figures_by_step_age_and_overdue(app, make_pair, login, auth):
    a, b = make_pair(), make_pair(county=COUNTY_B)
    with app.app_context():
        coordinator = db.session.get(User, min(a["coordinators"]))

        def raise_at(made, moment, **options):
            volunteer = db.session.get(User, db.session.get(Volunteer, made["volunteer"]).user_id)
            with clock.frozen(moment):
                return contacts.raise_concern(db.session, volunteer, made["child"], "safety",
                                              "x", **options)

        old = raise_at(a, T0 - timedelta(days=40))          # unacknowledged, 40 days
        fresh = raise_at(a, T0 - timedelta(hours=3), immediate_danger=True)  # 2 h window
        recent = raise_at(a, T0 - timedelta(days=3))
        with clock.frozen(T0 - timedelta(days=3)):
            cases.acknowledge(db.session, coordinator, recent)
            cases.assess(db.session, coordinator, recent, {
                "risk_level": "medium", "plan": "回访", "next_review_on": date(2026, 12, 1)})
        closed = raise_at(a, T0 - timedelta(days=2))
        with clock.frozen(T0):
            cases.close(db.session, coordinator, closed, {"outcome": "x", "close_reason": "y"})
        raise_at(b, T0 - timedelta(hours=30))  # another county: never counted
        db.session.commit()
        figures = dashboard.case_figures(db.session, coordinator, T0)
        assert figures == {
            "open": 3,
            "by_step": {"reported": 2, "acknowledged": 0, "assessed": 1, "referred": 0},
            "by_age": {"under_1_day": 1, "days_1_7": 1, "days_8_30": 0, "over_30_days": 1},
            "overdue_acknowledgements": 2,  # the old one and the immediate one (3 h > 2 h)
            "overdue_reviews": 1,           # review date 2026-12-01 < 2026-12-02
        }
        assert old.id and fresh.id and db.session.get(Concern, closed.id).status == "closed"
    staff = login(min(a["coordinators"]), app.test_client())
    with clock.frozen(T0):
        page = staff.get("/dashboard/").get_data(as_text=True)
    assert 'data-figure="overdue_acknowledgements">2<' in page
    assert 'data-cases-step="assessed">1<' in page
    with clock.frozen(T0):
        api = staff.get("/api/v1/dashboard", headers=auth(min(a["coordinators"])))
    assert api.json["cases"]["overdue_acknowledgements"] == 2
    assert api.json["cases"]["by_step"]["reported"] == 2
