from services.regions import RegionInfo, RegionTree, read_regions_csv


def test_region_table_is_complete_and_consistent():
    rows = read_regions_csv()
    codes = {r["code"] for r in rows}
    assert len(rows) > 3000
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert all(r["parent_code"] in codes for r in rows if r["parent_code"])
    guangxi_counties = [r for r in rows if r["code"].startswith("45") and r["level"] == "county"]
    assert len(guangxi_counties) == 111
    assert all(3 <= r["latitude"] <= 54 and 73 <= r["longitude"] <= 136
               for r in rows if r["code"][:2] not in ("71", "81", "82"))


def test_leaves_under_city_and_province():
    tree = RegionTree([RegionInfo(**r) for r in read_regions_csv()])
    nanning = tree.leaves_under(["450100"])
    assert "450127" in nanning and "450329" not in nanning
    guangxi = tree.leaves_under(["450000"])
    assert nanning < guangxi and len(guangxi) == 111
    assert tree.is_leaf("450127") and not tree.is_leaf("450100")
    assert tree.is_leaf("441900")  # 东莞: a city with no counties is a leaf
    assert tree.full_name("450127").startswith("广西")
    assert "市辖区" not in tree.full_name("110101")
