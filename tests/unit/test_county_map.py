"""The map's area and colour classes (services.reports.county_map)."""

from services.regions import RegionInfo, RegionTree, read_regions_csv
from services.reports.county_map import COMPLIANCE_BANDS, area, band_of, count_bands, layers
from services.reports.dashboard import CountyFigures

TREE = RegionTree([RegionInfo(**r) for r in read_regions_csv()])
GUANGXI_CITIES = {code for code, r in TREE.by_code.items()
                  if r.level == "city" and code.startswith("45")}


def test_count_classes_are_zero_and_four_round_steps():
    assert [(b["lo"], b["hi"]) for b in count_bands(5)] == [(0, 0), (1, 2), (3, 4), (5, 6),
                                                            (7, None)]
    assert [(b["lo"], b["hi"]) for b in count_bands(900)] == [
        (0, 0), (1, 500), (501, 1000), (1001, 1500), (1501, None)]
    bands = count_bands(40)
    assert [band_of(v, bands) for v in (0, 1, 10, 11, 30, 31, 400)] == [0, 1, 1, 2, 3, 4, 4]
    compliance = [{"lo": lo, "hi": hi} for lo, hi, _ in COMPLIANCE_BANDS]
    assert [band_of(v, compliance) for v in (0, 49, 50, 89, 90, 100, None)] == \
        [0, 0, 1, 2, 3, 3, None]


def test_layers_give_each_county_its_value_and_class():
    a = CountyFigures("450127", active_pairs=10, compliant_pairs=9, volunteers_vetted=3)
    a.waiting = {"urgent": 3, "high": 1, "normal": 1}
    b = CountyFigures("450329")
    result = layers({"450127": a, "450329": b})
    assert result["waiting"]["values"] == {"450127": 5, "450329": 0}
    assert result["waiting"]["classes"] == {"450127": 3, "450329": 0}
    assert result["compliance"]["values"] == {"450127": 90, "450329": None}
    assert result["compliance"]["classes"] == {"450127": 3, "450329": None}


def test_the_area_is_the_users_city_or_province():
    assert area(TREE, {"450127"}, {}, GUANGXI_CITIES)["code"] == "450100"
    assert area(TREE, TREE.leaves_under(["450100"]), {}, GUANGXI_CITIES) == {
        "level": "city", "code": "450100", "cities": ["450100"]}
    province = area(TREE, {"450127", "450329"}, {}, GUANGXI_CITIES)
    assert province["level"] == "province" and province["code"] == "450000"
    assert len(province["cities"]) == 14
    assert area(TREE, None, {"450329": None}, GUANGXI_CITIES)["code"] == "450300"
    assert area(TREE, {"110101"}, {}, GUANGXI_CITIES) is None  # no boundaries vendored
