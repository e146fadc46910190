import re

from sqlalchemy import select

from extensions import db
from models import User, Volunteer
from tests.conftest import volunteer_data
from tests.sms_codes import last_code


def test_signup_creates_pending_volunteer_and_logs_in_after_the_code(client, app,
                                                                    monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SMS_FILE", str(tmp_path / "sms.jsonl"))
    response = client.post("/volunteers/signup", data=volunteer_data())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/verify")
    response = client.post("/auth/verify", data={"code": last_code(app, "+8613900001111")})
    assert response.headers["Location"].endswith("/volunteers/me")
    with app.app_context():
        volunteer = db.session.execute(select(Volunteer)).scalar_one()
        assert volunteer.status == "pending"
        assert volunteer.phone == "+8613900001111"
        assert volunteer.skills == "academic;emotional"
        assert volunteer.privacy_consent_at is not None
        user = db.session.get(User, volunteer.user_id)
        assert user.role == "volunteer" and user.password_hash != volunteer_data()["password"]
    page = client.get("/volunteers/me")
    assert page.status_code == 200 and b"139****1111" in page.data


def _errors(client, **overrides):
    response = client.post("/volunteers/signup", data=volunteer_data(**overrides))
    assert response.status_code == 200  # the form again, with errors
    return response.get_data(as_text=True)


def test_bad_phone_is_reported(client, app):
    page = _errors(client, phone="12345")
    assert "12345" in page and "invalid-feedback" in page
    with app.app_context():
        assert db.session.execute(select(Volunteer)).first() is None


def test_missing_privacy_consent_is_reported(client, app):
    data = volunteer_data()
    del data["privacy_consent"]
    response = client.post("/volunteers/signup", data=data)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.execute(select(Volunteer)).first() is None


def test_capacity_out_of_range(client, app):
    _errors(client, capacity="5")
    with app.app_context():
        assert db.session.execute(select(Volunteer)).first() is None


def test_non_county_region_and_unknown_region(client, app):
    assert "450100" in _errors(client, region_code="450100")
    assert "999999" in _errors(client, region_code="999999")


def test_age_range_must_be_ordered(client, app):
    _errors(client, age_min="12", age_max="8")
    with app.app_context():
        assert db.session.execute(select(Volunteer)).first() is None


def test_same_phone_cannot_sign_up_twice(client, app):
    assert client.post("/volunteers/signup", data=volunteer_data()).status_code == 302
    client.post("/auth/logout")
    other = app.test_client()
    response = other.post("/volunteers/signup", data=volunteer_data(name="别人"))
    assert response.status_code == 200
    with app.app_context():
        assert len(db.session.execute(select(Volunteer)).all()) == 1


def test_signup_page_in_chinese_by_default(client):
    page = client.get("/volunteers/signup").get_data(as_text=True)
    assert "爱心家长" in page


def _summary_links(page: str) -> list[str]:
    summary = page.split('data-error-summary', 1)[1].split("</div>", 1)[0]
    return re.findall(r'href="#([\w-]+)"', summary)


def test_four_mistakes_are_reported_at_once_with_a_summary(client, app):
    """Distance, phone, password and consent wrong together: four errors, one page."""
    data = volunteer_data(phone="12345", password="short", max_distance_km="500",
                          availability="周末上午")
    del data["privacy_consent"]
    page = client.post("/volunteers/signup", data=data).get_data(as_text=True)
    assert _summary_links(page) == ["phone", "password", "max_distance_km", "privacy_consent"]
    assert page.count('class="invalid-feedback') >= 4
    # What was typed stays, except the password, which says so.
    assert 'value="韦丽华"' in page and 'value="12345"' in page and "周末上午" in page
    assert 'value="500"' in page and 'value="short"' not in page
    assert "为了您的安全" in page or "请重新输入" in page
    with app.app_context():
        assert db.session.execute(select(Volunteer)).first() is None


def test_a_taken_number_is_never_revealed_the_other_mistakes_are(client, app):
    """The page says nothing about whether a number has an account (the owner is told by
    SMS instead); every other mistake is still shown at once."""
    assert client.post("/volunteers/signup", data=volunteer_data()).status_code == 302
    other = app.test_client()
    page = other.post("/volunteers/signup", data=volunteer_data(
        name="", password="x")).get_data(as_text=True)
    assert _summary_links(page) == ["name", "password"]


def test_empty_form_says_what_to_do_for_each_field(client):
    page = client.post("/volunteers/signup", data={}).get_data(as_text=True)
    links = _summary_links(page)
    assert links[:5] == ["name", "phone", "password", "gender-0", "county_name"]
    assert "privacy_consent" in links and "skills-0" in links
    assert "输入您的姓名" in page and "例如 13800000000" in page
    assert "This field is required" not in page


def test_the_county_is_found_by_its_name_without_script(client, app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SMS_FILE", str(tmp_path / "sms.jsonl"))
    response = client.post("/volunteers/signup",
                           data=volunteer_data(region_code="", county_name="横县"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.execute(select(Volunteer.region_code)).scalar_one() == "450127"


def test_county_search_over_the_shipped_region_table(client):
    found = client.get("/regions/counties?q=横").get_json()
    assert found[0] == {"code": "450127", "name": "广西壮族自治区南宁市横县"}
    assert all(len(r["code"]) == 6 for r in found)
    assert client.get("/regions/counties?q=南宁市横县").get_json()[0]["code"] == "450127"
    assert client.get("/regions/counties?q=").get_json() == []


def test_the_privacy_notice_is_real_and_its_version_is_recorded(client, app):
    from services.registry.privacy import NOTICE_VERSION

    signup = client.get("/volunteers/signup").get_data(as_text=True)
    assert 'href="/privacy"' in signup
    notice = client.get("/privacy").get_data(as_text=True)
    for words in ("我们收集的信息", "为什么收集", "谁能看到", "保存多久", "撤回同意",
                  "第十七条", "第三十条", "第三十一条", NOTICE_VERSION):
        assert words in notice, words
    assert client.post("/volunteers/signup", data=volunteer_data()).status_code == 302
    with app.app_context():
        volunteer = db.session.execute(select(Volunteer)).scalar_one()
        assert volunteer.privacy_notice_version == NOTICE_VERSION


def test_a_county_name_that_is_not_one_county_says_to_pick_it(client):
    page = client.post("/volunteers/signup", data=volunteer_data(
        region_code="", county_name="新区")).get_data(as_text=True)
    assert "新区" in page and "列表中点选" in page
