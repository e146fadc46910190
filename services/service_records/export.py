"""Service hours as a workbook per county and month, for the county's records."""

from datetime import date

from sqlalchemy.orm import Session

from models import User
from services.access import audit
from services.reports.ledgers import write_xlsx
from services.service_records import records

HEADER = ["日期", "志愿者", "服务内容", "确认时长（分钟）", "记录时长（分钟）", "更正原因"]
KIND_WORDS = {"call": "电话", "video": "视频", "home_visit": "家访", "activity": "活动",
              "message": "消息"}


def hours_workbook(session: Session, user: User, county: str, start: date,
                   end: date) -> bytes:
    """Every confirmed record of the county and month, one row each, then the total."""
    rows = [(record.service_date.isoformat(), name, KIND_WORDS.get(record.content,
                                                                   record.content),
             record.minutes, record.logged_minutes, record.correction_reason)
            for record, name in records.confirmed(session, user, county, start, end)]
    total = sum(r[3] for r in rows)
    rows.append(("合计", "", "", total, "", f"{records.hours(total)} 小时"))
    audit.record(session, user, "ledger.export", "ledger", None, ledger="service_hours",
                 format="xlsx", county=county, month=start.strftime("%Y-%m"))
    return b"".join(write_xlsx(HEADER, [rows], f"{county} {start:%Y-%m}"))
