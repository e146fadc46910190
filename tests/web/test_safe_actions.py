"""Safe actions: approving nothing is refused; rejecting asks why and confirms, and the
reason is kept on the child's pairing history; bulk approval says how many and asks once;
ending a pair is its own page with the cause; distances say when they are estimates."""

from sqlalchemy import func, select

from extensions import db
from models import AuditEntry, Child, MatchRun, Pair, Proposal
from services.matching.distances import distance_as_known
from tests.conftest import COUNTY_A, COUNTY_B


def _setup(client, app, login, create_user, create_volunteer, create_child, children=2):
    coordinator = create_user(regions=(COUNTY_A,), name="李协调")
    create_volunteer(status="vetted", actor_id=coordinator, capacity="3", skills=["academic"],
                     name="韦丽华")
    for name in ("甲一", "甲二", "甲三")[:children]:
        create_child(coordinator, name=name, needs=["academic"])
    login(coordinator)
    client.post("/matching/runs", data={"region_code": COUNTY_A})
    with app.app_context():
        run_id = db.session.execute(select(func.max(MatchRun.id))).scalar_one()
        ids = db.session.execute(select(Proposal.id).order_by(Proposal.id)).scalars().all()
    return coordinator, run_id, ids


def _active(app):
    with app.app_context():
        return db.session.execute(select(func.count(Pair.id))
                                  .where(Pair.status == "active")).scalar_one()


def test_approving_nothing_is_refused_with_a_message(client, app, login, create_user,
                                                    create_volunteer, create_child):
    _, run_id, _ = _setup(client, app, login, create_user, create_volunteer, create_child)
    page = client.post(f"/matching/runs/{run_id}/approve", data={}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "请先勾选至少一个待审核的建议" in text and "已批准 0" not in text
    assert _active(app) == 0


def test_bulk_approval_says_how_many_and_asks_once(client, app, login, create_user,
                                                   create_volunteer, create_child):
    _, run_id, ids = _setup(client, app, login, create_user, create_volunteer, create_child)
    asked = client.post(f"/matching/runs/{run_id}/approve",
                        data={"proposal_ids": [str(i) for i in ids]})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "批准 2 个结对？" in text and "批准全部 2 个结对" in text
    assert "甲一" in text and "甲二" in text
    assert _active(app) == 0  # nothing approved before the answer
    done = client.post(f"/matching/runs/{run_id}/approve", follow_redirects=True,
                       data={"proposal_ids": [str(i) for i in ids], "confirmed": "yes"})
    assert _active(app) == 2 and "已批准 2 个结对" in done.get_data(as_text=True)


def test_rejecting_asks_for_a_reason_confirms_and_keeps_it(client, app, login, create_user,
                                                            create_volunteer, create_child):
    _, run_id, ids = _setup(client, app, login, create_user, create_volunteer, create_child,
                            children=1)
    [proposal_id] = ids
    run_page = client.get(f"/matching/runs/{run_id}").get_data(as_text=True)
    assert f'/matching/proposals/{proposal_id}/reject' in run_page
    asked = client.get(f"/matching/proposals/{proposal_id}/reject").get_data(as_text=True)
    assert "不通过这个结对建议？" in asked and "距离太远" in asked and "确认不通过" in asked
    # No cause: refused, still open.
    refused = client.post(f"/matching/proposals/{proposal_id}/reject", data={"reason": ""})
    assert refused.status_code == 200 and "请选择不通过的原因" in refused.get_data(as_text=True)
    # "Another reason" needs words.
    client.post(f"/matching/proposals/{proposal_id}/reject", data={"cause": "other"})
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).status == "open"
    client.post(f"/matching/proposals/{proposal_id}/reject",
                data={"cause": "too_far", "reason": "山路难走"})
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert (proposal.status, proposal.reject_cause, proposal.reject_reason) == \
            ("rejected", "too_far", "山路难走")
        child_id = proposal.child_id
        assert db.session.execute(select(AuditEntry.detail).where(
            AuditEntry.action == "proposal.reject")).scalar_one() == {
                "child": child_id, "cause": "too_far"}
    history = client.get(f"/children/{child_id}").get_data(as_text=True)
    assert "结对记录" in history and "与 韦丽华 的结对建议未通过" in history
    assert "距离太远" in history and "山路难走" in history and "李协调" in history


def test_ending_a_pair_is_its_own_page_with_the_cause(client, app, make_pair, login):
    made = make_pair()
    login(min(made["coordinators"]))
    pairs = client.get("/matching/pairs/").get_data(as_text=True)
    assert f'href="/matching/pairs/{made["pair"]}/end"' in pairs
    assert 'name="reason"' not in pairs  # no inline end form in the list
    page = client.get(f"/matching/pairs/{made['pair']}/end").get_data(as_text=True)
    assert "结束这个结对？" in page and "黄小明" in page and 'name="cause"' in page
    client.post(f"/matching/pairs/{made['pair']}/end",
                data={"cause": "volunteer_withdrew", "reason": "搬去外地"})
    assert _active(app) == 0
    history = client.get(f"/children/{made['child']}").get_data(as_text=True)
    assert "搬去外地" in history and "爱心家长退出" in history


def test_distance_says_when_it_is_estimated(client, app, login, create_user,
                                            create_volunteer, create_child):
    _, run_id, _ = _setup(client, app, login, create_user, create_volunteer, create_child,
                          children=1)
    page = client.get(f"/matching/runs/{run_id}").get_data(as_text=True)
    assert "同县（按县中心估算）" in page and "0.0 km" not in page

    class Person:
        def __init__(self, region_code, latitude=None, longitude=None):
            self.region_code, self.latitude, self.longitude = region_code, latitude, longitude

    assert distance_as_known(Person(COUNTY_A, 22.7, 109.2), Person(COUNTY_A, 22.8, 109.3),
                             14.2) == ("exact", 14.2)
    assert distance_as_known(Person(COUNTY_A), Person(COUNTY_A, 22.8, 109.3), 0.0) == \
        ("same_county", None)
    assert distance_as_known(Person(COUNTY_A), Person(COUNTY_B), 300.0) == \
        ("estimated", 300.0)
    with app.app_context():
        assert db.session.execute(select(func.count(Child.id))).scalar_one() == 1
