"""The JSON API of protection cases and the child's timeline, scoped like every resource."""

from datetime import timedelta

from core import clock
from tests.api.test_api_pairs_followups import paired  # noqa: F401 (fixture)
from tests.conftest import APPROVED_AT

AT = APPROVED_AT + timedelta(days=1)


def report(client, paired, **extra):  # noqa: F811
    body = {"pair_id": paired["pair"], "kind": "abuse_neglect", "text": "孩子身上有淤青",
            **extra}
    with clock.frozen(AT):
        response = client.post("/api/v1/concerns", json=body, headers=paired["volunteer"])
    assert response.status_code == 201, response.json
    return response.json


def test_a_case_through_its_steps_by_api(client, paired):  # noqa: F811
    raised = report(client, paired, immediate_danger=True, place="村口小卖部",
                    occurred_on="2026-12-02")
    assert raised["immediate_danger"] is True and raised["step"] == "reported"
    base = f"/api/v1/cases/{raised['id']}"
    with clock.frozen(AT + timedelta(hours=1)):
        early = client.post(f"{base}/assessment", headers=paired["a"], json={
            "risk_level": "high", "plan": "x", "next_review_on": "2026-12-10"})
        assert early.status_code == 409
        assert client.post(f"{base}/acknowledge", headers=paired["a"]).status_code == 200
        bad = client.post(f"{base}/assessment", headers=paired["a"], json={
            "risk_level": "terrible", "plan": "x", "next_review_on": "2026-12-10"})
        assert bad.status_code == 422 and "risk_level" in bad.json["errors"]
        assert client.post(f"{base}/assessment", headers=paired["a"], json={
            "risk_level": "high", "plan": "安排临时照料", "next_review_on": "2026-12-10"}
        ).json["step"] == "assessed"
        referred = client.post(f"{base}/referrals", headers=paired["a"], json={
            "referred_on": "2026-12-02", "department": "public_security",
            "contact_name": "李警官", "contact_phone": "13600005555", "request": "上门核实",
            "guardianship_intervention": True})
        assert referred.status_code == 201
        [referral] = referred.json["referrals"]
        assert referral["contact_phone_masked"] == "136****5555"
        assert "13600005555" not in referred.get_data(as_text=True)
        outcome = client.post(f"{base}/referrals/{referral['id']}/outcome",
                              headers=paired["a"],
                              json={"outcome": "已出警", "outcome_on": "2026-12-02"})
        assert outcome.json["referrals"][0]["outcome"] == "已出警"
        assert client.post(f"{base}/referrals/999/outcome", headers=paired["a"], json={
            "outcome": "x", "outcome_on": "2026-12-02"}).status_code == 404
        closed = client.post(f"{base}/close", headers=paired["a"],
                             json={"outcome": "孩子安全", "close_reason": "监护落实"})
        assert closed.json["status"] == "closed"
        assert client.post(f"{base}/close", headers=paired["a"], json={
            "outcome": "x", "close_reason": "y"}).status_code == 409
    assert [e["kind"] for e in closed.json["events"]] == [
        "reported", "acknowledged", "assessed", "referred", "referral_outcome", "closed"]
    listed = client.get("/api/v1/cases?status=closed", headers=paired["a"]).json
    assert [c["id"] for c in listed["items"]] == [raised["id"]]
    assert client.get("/api/v1/cases?step=maybe", headers=paired["a"]).status_code == 422


def test_cases_are_scoped_like_everything_else(client, paired):  # noqa: F811
    raised = report(client, paired)
    base = f"/api/v1/cases/{raised['id']}"
    assert client.get(base).status_code == 401
    assert client.get(base, headers=paired["volunteer"]).status_code == 403
    assert client.get(base, headers=paired["b"]).status_code == 404
    assert client.post(f"{base}/acknowledge", headers=paired["b"]).status_code == 404
    assert client.get("/api/v1/cases", headers=paired["b"]).json["items"] == []
    assert client.get(base, headers=paired["admin"]).status_code == 200


def test_the_childs_timeline_by_api(client, paired):  # noqa: F811
    report(client, paired)
    path = f"/api/v1/children/{paired['child']}/timeline"
    everything = client.get(path, headers=paired["a"]).json["items"]
    assert {"registry", "pair", "case", "sms"} <= {e["kind"] for e in everything}
    only = client.get(f"{path}?kind=case", headers=paired["a"]).json["items"]
    assert [(e["kind"], e["record"]["event"]) for e in only] == [("case", "reported")]
    assert only[0]["title"] == "报告关注情况"
    sms = [e for e in everything if e["kind"] == "sms"]
    assert all("*" in e["record"]["to_phone_masked"] for e in sms)
    assert client.get(f"{path}?kind=nonsense", headers=paired["a"]).status_code == 422
    assert client.get(path, headers=paired["b"]).status_code == 404
    assert client.get(path, headers=paired["volunteer"]).status_code == 403
