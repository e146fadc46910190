"""Programme targets per region and date: set by administrators (by region name), shown
with progress per city and county on the dashboard, carried by the monthly report."""

from datetime import date

from sqlalchemy import select

from extensions import db
from models import ProgrammeTarget
from tests.conftest import COUNTY_A, COUNTY_B


def test_admins_set_targets_by_region_name(client, app, create_user, login):
    login(create_user(role="admin"))
    page = client.get("/admin/targets").get_data(as_text=True)
    assert "项目目标" in page and "尚未设定目标" in page
    for region, value in (("广西壮族自治区", "10000"), ("南宁市", "800")):
        client.post("/admin/targets", data={"region_code": region, "metric": "caring_parents",
                                            "value": value, "due_on": "2026-12-31"})
    client.post("/admin/targets", data={"region_code": "南宁市", "metric": "caring_parents",
                                        "value": "900", "due_on": "2026-12-31"})  # changed
    refused = client.post("/admin/targets", data={
        "region_code": "南宁市", "metric": "compliance_percent", "value": "120",
        "due_on": "2026-12-31"}, follow_redirects=True).get_data(as_text=True)
    assert "百分比不超过 100" in refused
    with app.app_context():
        rows = db.session.execute(select(ProgrammeTarget.region_code, ProgrammeTarget.value)
                                  .order_by(ProgrammeTarget.region_code)).all()
    assert rows == [("450000", 10000), ("450100", 900)]
    page = client.get("/admin/targets").get_data(as_text=True)
    assert "广西壮族自治区南宁市" in page and "爱心家长（已审核）" in page


def test_dashboard_shows_progress_per_city_and_county(client, app, create_user, login,
                                                      create_volunteer, create_child):
    admin = create_user(role="admin")
    coordinator = create_user(regions=("450000",))
    for code in (COUNTY_A, COUNTY_A, COUNTY_B):
        create_volunteer(status="vetted", actor_id=coordinator, region_code=code)
    create_child(coordinator, region_code=COUNTY_A, priority="urgent")
    login(admin)
    for region, metric, value in (("450000", "caring_parents", "10"),
                                  ("450100", "caring_parents", "2"),
                                  ("450000", "urgent_paired_days", "30"),
                                  ("450000", "compliance_percent", "90")):
        client.post("/admin/targets", data={"region_code": region, "metric": metric,
                                            "value": value, "due_on": "2026-12-31"})
    login(coordinator)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "项目目标" in page and "目标 10，现在 3。" in page
    assert 'data-target-part="450100"' in page and 'data-target-part="450127"' in page
    nanning = page.split('data-target-part="450100"')[1].split("</tr>")[0]
    assert ">3<" not in nanning and ">2<" in nanning and "✓" in nanning  # 2 of 2: met
    assert "超期等待：0 名" in page  # the urgent child was registered today
    assert 'data-target-trend' in page
    report = client.get("/dashboard/ledgers/month?month=2026-12&fmt=csv")
    text = report.get_data().decode("utf-8-sig")
    assert "项目目标" in text and "爱心家长（已审核）" in text and "10000" not in text
    assert ",10,3," in text.replace("\r", "")


def test_a_county_coordinator_sees_the_targets_over_their_county(client, create_user, login,
                                                                 app):
    from services.regions import region_tree
    from services.reports import targets

    admin = create_user(role="admin")
    with app.app_context():
        from models import User

        targets.set_target(db.session, db.session.get(User, admin), "450000",
                           "caring_parents", 10_000, date(2026, 12, 31),
                           region_tree(db.session))
        db.session.commit()
    login(create_user(regions=(COUNTY_B,)))
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "目标 10000，现在 0。" in page and 'data-target-part="450329"' in page
    assert 'data-target-part="450127"' not in page


def test_the_trend_counts_caring_parents_of_each_target_by_week(app, create_user,
                                                               create_volunteer):
    from datetime import timedelta

    from sqlalchemy import update

    from core.clock import today_local
    from models import BackgroundCheck, User
    from services.regions import region_tree
    from services.reports import dashboard, targets

    coordinator = create_user(regions=("450000",))
    weeks_ago = {COUNTY_A: (0, 3), COUNTY_B: (1,)}  # first checks, in weeks before today
    made = [(create_volunteer(status="vetted", actor_id=coordinator, region_code=code), age)
            for code, ages in weeks_ago.items() for age in ages]
    with app.app_context():
        weeks = dashboard.week_starts(today_local(), targets.TREND_WEEKS)
        for volunteer, age in made:  # a Tuesday morning of the week ``age`` weeks back
            at = dashboard.local_midnight(weeks[-1 - age]) + timedelta(days=1, hours=9)
            db.session.execute(update(BackgroundCheck).where(
                BackgroundCheck.volunteer_id == volunteer).values(checked_at=at))
        db.session.commit()
        user, tree = db.session.get(User, coordinator), region_tree(db.session)
        for region in ("450000", "450100"):
            targets.set_target(db.session, user, region, "caring_parents", 5,
                               date(2030, 1, 1), tree)
        figures = dashboard.county_figures(db.session, user, today_local())
        rows = targets.progress(db.session, user, figures, tree, today_local())
    trends = {row["region_code"]: [week["value"] for week in row["trend"]] for row in rows}
    # Oldest week first, this week last.
    assert trends["450000"][-5:] == [0, 1, 1, 2, 3]
    assert trends["450100"][-5:] == [0, 1, 1, 1, 2]  # 南宁市 holds COUNTY_A only
