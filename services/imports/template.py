"""The ledger template a clerk fills in: Chinese headers, one example row, a 说明 sheet,
and drop-down lists (gender, category, priority, relation, needs, the coordinator's own
counties) kept on a hidden 选项 sheet, so a list may be longer than Excel's 255
characters of inline choices."""

import io

from services.imports import headers, values
from services.regions import RegionTree

CHILD_TEMPLATE = ("name", "gender", "birth_date", "id_number", "region_code", "township",
                  "category", "sub_type", "needs", "priority", "guardian_name",
                  "guardian_relation", "guardian_phone", "school", "notes")
VOLUNTEER_TEMPLATE = ("name", "phone", "gender", "region_code", "skills", "capacity",
                      "max_distance_km", "age_min", "age_max", "child_gender")
CHILD_EXAMPLE = {"name": "黄小明", "gender": "男", "birth_date": "2015-03-02",
                 "id_number": "", "township": "百合镇", "category": "留守儿童",
                 "sub_type": "父母均外出务工", "needs": "学业辅导、心理陪伴", "priority": "一般",
                 "guardian_name": "黄秀英", "guardian_relation": "祖母",
                 "guardian_phone": "13700001234", "school": "百合镇中心小学", "notes": ""}
VOLUNTEER_EXAMPLE = {"name": "陆建国", "phone": "13900001001", "gender": "男",
                     "skills": "学业辅导、安全教育", "capacity": "2", "max_distance_km": "25",
                     "age_min": "6", "age_max": "14", "child_gender": "不限"}
#: field → the words of its drop-down list (counties are added per coordinator).
CHOICES = {
    "gender": values.WRITE_GENDER.split("、"),
    "category": values.WRITE_CATEGORY.split("、"),
    "sub_type": values.WRITE_SUB_TYPE.split("、"),
    "priority": values.WRITE_PRIORITY.split("、"),
    "guardian_relation": values.WRITE_RELATION.split("、"),
    "needs": values.WRITE_NEEDS.split("、"),
    "skills": values.WRITE_NEEDS.split("、"),
    "child_gender": ["男", "女", "不限"],
}
#: Lists where several words may be written (needs): the list helps, it does not refuse.
SEVERAL = ("needs", "skills")
NOTES = {
    "children": [
        "每行填写一名儿童；第一行是列名，请不要改动列名。示例行可以删除或改写。",
        "必填：姓名、县(市、区)、儿童类别、主要需求、监护人姓名、与儿童关系、监护人联系电话；"
        "性别和出生日期可由公民身份号码得出。",
        "出生日期写作 2015-03-02、2015/3/2、2015.3.2、2015年3月2日 或 20150302。",
        "性别写 男 或 女；儿童类别写 留守儿童 或 困境儿童；优先级写 一般、重点 或 紧急。",
        "主要需求可写多项，用 、 分开：" + values.WRITE_NEEDS + "。",
        "与儿童关系写：" + values.WRITE_RELATION + "（也可写 祖父、祖母、外祖父、外祖母）。",
        "县(市、区) 从下拉列表选择，或写区县名称（如 南宁市横县）或 6 位区划代码。",
        "联系电话写 11 位手机号码，可带空格、短横线或 +86。",
        "再次导入同一台账会更新已有儿童，不会重复：有编号列时按编号，否则按身份证号，"
        "再否则按 姓名 + 出生日期 + 监护人电话。",
        "台账底部的 合计、填表人、审核人 等行会被跳过。",
    ],
    "volunteers": [
        "每行填写一名志愿者（爱心家长）；第一行是列名，请不要改动列名。",
        "必填：姓名、手机号码、性别、县(市、区)、特长/技能、可结对人数（1 至 3）、"
        "最远距离(公里)。",
        "特长/技能可写多项，用 、 分开：" + values.WRITE_NEEDS + "。",
        "儿童性别写 男、女 或 不限；最小年龄、最大年龄写 0 至 17 的整数，可不填。",
        "再次导入会更新已有志愿者：有编号列时按编号，否则按手机号码。",
    ],
}
ROWS_WITH_LISTS = 2000
_HEADER_FILL = "DDEBF7"


def template_workbook(kind: str, tree: RegionTree, counties: list[str]) -> bytes:
    """The ``kind`` ledger's template as .xlsx bytes, the counties' names in their list."""
    # openpyxl is imported where used: loading it takes a tenth of a second, which
    # every command and worker would pay otherwise.
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    fields = CHILD_TEMPLATE if kind == "children" else VOLUNTEER_TEMPLATE
    example = dict(CHILD_EXAMPLE if kind == "children" else VOLUNTEER_EXAMPLE)
    county_names = [tree.full_name(code) for code in sorted(counties)]
    example["region_code"] = county_names[0] if county_names else ""
    book = Workbook()
    sheet = book.active
    sheet.title = "儿童信息台账" if kind == "children" else "志愿者台账"
    sheet.append([headers.LABELS[f] for f in fields])
    sheet.append([example.get(f, "") for f in fields])
    for index, name in enumerate(fields):
        cell = sheet.cell(row=1, column=index + 1)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor=_HEADER_FILL)
        sheet.column_dimensions[headers.column_letter(index)].width = \
            24 if name in ("id_number", "needs", "region_code", "skills") else 14
    sheet.freeze_panes = "A2"
    lists = book.create_sheet("选项")
    choices = {**CHOICES, "region_code": county_names}
    for column, name in enumerate(f for f in fields if choices.get(f)):
        letter = headers.column_letter(column)
        lists.cell(row=1, column=column + 1, value=headers.LABELS[name])
        for row, word in enumerate(choices[name], start=2):
            lists.cell(row=row, column=column + 1, value=word)
        target = headers.column_letter(fields.index(name))
        check = DataValidation(type="list", allow_blank=True,
                               formula1=f"'选项'!${letter}$2:${letter}${len(choices[name]) + 1}",
                               showErrorMessage=name not in SEVERAL,
                               errorTitle="请从列表中选择", error="请从下拉列表中选择一项。")
        sheet.add_data_validation(check)
        check.add(f"{target}2:{target}{ROWS_WITH_LISTS}")
    lists.sheet_state = "hidden"
    notes = book.create_sheet("说明")
    notes.column_dimensions["A"].width = 100
    for line in NOTES[kind]:
        notes.append([line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
