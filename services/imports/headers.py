"""Ledger headers as counties write them: the published English names, the Chinese names
on the county's own 信息台账 and their usual variants, all meaning one field.

Headers are compared after :func:`header_key`: full-width and half-width characters are
the same (NFKC), brackets of either kind, spaces, line breaks, asterisks and colons are
ignored, and Latin letters are lower-cased. The header row is the first of the first
rows that names enough known fields: title rows (the ledger's name, 填报单位) above it are
skipped.
"""

import re
import unicodedata

#: Per ledger: field → the names a county may give its column (the field name itself,
#: the export's English and Chinese headers, and the usual variants).
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "children": {
        "external_id": ("编号", "台账编号", "儿童编号", "External id", "外部编号"),
        "name": ("姓名", "儿童姓名", "Name"),
        "gender": ("性别", "Gender"),
        "birth_date": ("出生日期", "出生年月", "出生年月日", "Birth date"),
        "id_number": ("公民身份号码", "身份证号", "身份证号码", "身份证", "ID number",
                      "身份证号(已遮蔽)", "ID number (masked)"),
        "region_code": ("县(市、区)", "县(市,区)", "所在县", "县区", "县(区)", "县", "县市区",
                        "所在县(市、区)", "County code", "县代码", "区划代码",
                        "行政区划代码", "County"),
        "township": ("乡镇(街道)", "乡镇", "所在乡镇", "乡镇街道", "Township / village",
                     "乡镇/村"),
        "village": ("村(社区)", "村", "村社区", "所在村"),
        "category": ("儿童类别", "类别", "Category"),
        "sub_type": ("困境类型", "留守类型", "具体类型", "Sub type"),
        "needs": ("主要需求", "帮扶需求", "需求", "Needs"),
        "priority": ("优先级", "帮扶优先级", "Priority"),
        "guardian_name": ("监护人", "监护人姓名", "Guardian"),
        "guardian_relation": ("与儿童关系", "监护关系", "与监护人关系", "监护人与儿童关系",
                              "关系", "Relation"),
        "guardian_phone": ("联系电话", "监护人电话", "监护人联系电话", "监护人手机",
                           "Guardian phone", "监护人电话(已遮蔽)", "Guardian phone (masked)"),
        "hukou_region_code": ("户籍地", "户籍所在地", "户籍县", "户籍所在县(市、区)",
                              "户籍地代码", "Household registration"),
        "school": ("就读学校", "学校", "School"),
        "notes": ("备注", "Notes"),
        "latitude": ("纬度", "Latitude"),
        "longitude": ("经度", "Longitude"),
    },
    "volunteers": {
        "external_id": ("编号", "志愿者编号", "台账编号", "External id"),
        "name": ("姓名", "志愿者姓名", "Name"),
        "phone": ("手机号码", "手机号", "联系电话", "手机", "联系方式", "本人手机号码",
                  "Phone"),
        "gender": ("性别", "Gender"),
        "region_code": ("县(市、区)", "县(市,区)", "所在县", "所在县(市、区)", "县区", "县(区)",
                        "县", "县市区", "County code", "县代码", "区划代码", "行政区划代码",
                        "County"),
        "skills": ("特长/技能", "特长", "技能", "专长", "特长技能", "服务特长", "Skills"),
        "capacity": ("可结对人数", "结对人数", "可结对儿童数", "可结对儿童人数", "Capacity"),
        "max_distance_km": ("最远距离(公里)", "最远距离", "最远距离(km)", "服务半径",
                            "服务半径(公里)", "Max distance"),
        "age_min": ("最小年龄", "儿童最小年龄", "Youngest age"),
        "age_max": ("最大年龄", "儿童最大年龄", "Oldest age"),
        "child_gender": ("儿童性别", "结对儿童性别", "Child gender"),
        "latitude": ("纬度", "Latitude"),
        "longitude": ("经度", "Longitude"),
    },
}

#: Fields a ledger cannot do without. For children, gender and birth date may instead
#: come from the ID number (see :data:`FROM_ID_NUMBER`).
REQUIRED: dict[str, tuple[str, ...]] = {
    "children": ("name", "gender", "birth_date", "region_code", "category", "needs",
                 "guardian_name", "guardian_phone", "guardian_relation"),
    "volunteers": ("name", "phone", "gender", "region_code", "skills", "capacity",
                   "max_distance_km"),
}
FROM_ID_NUMBER = ("gender", "birth_date")

#: Chinese labels of the fields, for messages and the template's headers.
LABELS: dict[str, str] = {
    "external_id": "编号", "name": "姓名", "gender": "性别", "birth_date": "出生日期",
    "id_number": "公民身份号码", "region_code": "县(市、区)", "township": "乡镇(街道)",
    "village": "村(社区)", "category": "儿童类别", "sub_type": "困境类型",
    "needs": "主要需求", "priority": "优先级", "guardian_name": "监护人姓名",
    "guardian_relation": "与儿童关系", "guardian_phone": "监护人联系电话",
    "hukou_region_code": "户籍地", "school": "就读学校", "notes": "备注", "latitude": "纬度",
    "longitude": "经度",
    "phone": "手机号码", "skills": "特长/技能", "capacity": "可结对人数",
    "max_distance_km": "最远距离(公里)", "age_min": "最小年龄", "age_max": "最大年龄",
    "child_gender": "儿童性别",
}

#: The column a marked-up ledger's problems are written in (services.imports.markup).
NOTE_COLUMN = "问题说明"
#: Rows to look through for the header row.
HEADER_SEARCH_ROWS = 20
_IGNORED = re.compile(r"[\s()\[\]【】<>《》*:：_\-]+")


def header_key(text) -> str:
    """The form two headers are compared in: 县（市、区） and 县(市、区) are equal."""
    folded = unicodedata.normalize("NFKC", str(text or "")).lower()
    return _IGNORED.sub("", folded).replace("，", ",")


def _index(kind: str) -> dict[str, str]:
    index = {}
    for name, aliases in ALIASES[kind].items():
        for alias in (name, *aliases):
            index.setdefault(header_key(alias), name)
    return index


_INDEXES = {kind: _index(kind) for kind in ALIASES}


def field_for(kind: str, header) -> str | None:
    """The field a header names in a ``kind`` ledger, or None."""
    return _INDEXES[kind].get(header_key(header))


def map_header(kind: str, cells: list) -> tuple[dict[int, str], list[str]]:
    """Columns of a header row: {column index: field} and the headers that name no field.

    A field named twice is read from its first column; the second is listed as extra.
    """
    columns: dict[int, str] = {}
    extra = []
    for index, cell in enumerate(cells):
        text = str(cell or "").strip()
        if not text or text == NOTE_COLUMN:
            continue
        name = field_for(kind, text)
        if name is None or name in columns.values():
            extra.append(text)
        else:
            columns[index] = name
    return columns, extra


def looks_like_header(kind: str, cells: list) -> bool:
    """A row naming at least three known fields (a title row names none)."""
    return len(map_header(kind, cells)[0]) >= 3


def missing_fields(kind: str, fields) -> list[str]:
    """Required fields no column gives; gender and birth date are given by an ID number."""
    present = set(fields)
    missing = [f for f in REQUIRED[kind] if f not in present]
    if "id_number" in present:
        missing = [f for f in missing if f not in FROM_ID_NUMBER]
    return missing


#: First cells of rows below the data that are not children: totals and signatures.
_FOOTER_STARTS = ("合计", "小计", "总计", "填表人", "审核人", "填报人", "负责人", "制表人",
                  "填表日期", "填报日期", "说明", "注:", "注：")


def is_footer(cells: list) -> bool:
    """A totals or signature row (合计, 小计, 填表人, 审核人 …) anywhere in its first cells."""
    for cell in cells[:4]:
        text = unicodedata.normalize("NFKC", str(cell or "")).replace(" ", "")
        if text.startswith(_FOOTER_STARTS):
            return True
    return False


def column_letter(index: int) -> str:
    """Excel's name of a 0-based column: 0 → A, 27 → AB."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
