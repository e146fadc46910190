"""Regions by name: codes or names, half- or full-width, wherever a region is typed;
pickers start at what the coordinator covers; admins assign and read regions by name."""

from sqlalchemy import select

from extensions import db
from models import Child, User
from services import region_names
from services.regions import RegionInfo, RegionTree, read_regions_csv
from tests.conftest import COUNTY_A, COUNTY_B, child_data

TREE = RegionTree([RegionInfo(**r) for r in read_regions_csv()])


def test_codes_and_names_in_any_width_resolve():
    for typed in ("450127", "４５０１２７", " 450 127 ", "横县", "广西壮族自治区南宁市横县",
                  "横县(450127)", "横县（450127）"):
        assert region_names.resolve_one(TREE, typed) == ("450127", []), typed
    codes, unknown, ambiguous = region_names.resolve_many(
        TREE, "450126，450127、南宁市；资源县  鼓楼区 火星县")
    assert codes == ["450100", "450126", "450127", "450329"]
    assert unknown == ["火星县"] and ambiguous == ["鼓楼区"]
    found = region_names.search(TREE, "横", within={"450100"})
    assert [r["code"] for r in found] == ["450127"]
    assert {r["code"] for r in region_names.search(TREE, "资源")} == {"450329"}


def test_child_form_takes_a_name_or_a_full_width_code(client, app, create_user, login):
    login(create_user(regions=("450100",)))
    client.post("/children/new", data=child_data(name="黄一", region_code="横县"))
    client.post("/children/new", data=child_data(name="黄二", region_code="４５０１２６"))
    with app.app_context():
        rows = dict(db.session.execute(select(Child.name, Child.region_code)).all())
    assert rows == {"黄一": "450127", "黄二": "450126"}
    refused = client.post("/children/new", data=child_data(name="黄三", region_code="火星县"))
    assert "请选择县，或输入县名或 6 位代码" in refused.get_data(as_text=True)


def test_one_county_coordinator_has_it_chosen(client, create_user, login):
    login(create_user(regions=(COUNTY_A,)))
    page = client.get("/children/new").get_data(as_text=True)
    assert 'value="450127"' in page and 'data-covers="450127"' in page
    city = client.application.test_client()
    login(create_user(regions=("450100",)), city)
    page = city.get("/children/new").get_data(as_text=True)
    assert 'data-covers="4501"' in page and 'value="450127"' not in page


def test_search_is_within_a_coordinators_regions(client, create_user, login):
    login(create_user(regions=(COUNTY_A,)))
    assert [r["code"] for r in client.get("/regions/search?q=县").json] == [COUNTY_A]
    assert client.get("/regions/search?q=资源").json == []
    assert [r["code"] for r in client.get("/regions/search?q=资源&scope=all").json] == [COUNTY_B]


def test_admin_assigns_regions_by_name_and_reads_names(client, app, create_user, login):
    login(create_user(role="admin"))
    coordinator = create_user(regions=(COUNTY_A,))
    page = client.get(f"/admin/users/{coordinator}/regions").get_data(as_text=True)
    assert "广西壮族自治区南宁市横县" in page and 'value="450127"' not in page
    client.post(f"/admin/users/{coordinator}/regions", data={"regions": "450126，450127"})
    with app.app_context():
        assert db.session.get(User, coordinator).region_codes == ["450126", "450127"]
    client.post(f"/admin/users/{coordinator}/regions", data={"regions": "南宁市、资源县"})
    with app.app_context():
        assert db.session.get(User, coordinator).region_codes == ["450100", COUNTY_B]
    refused = client.post(f"/admin/users/{coordinator}/regions", follow_redirects=True,
                          data={"regions": "火星县"}).get_data(as_text=True)
    assert "没有名为 火星县 的地区" in refused
    users = client.get("/admin/users").get_data(as_text=True)
    assert "南宁市" in users and "资源县" in users
