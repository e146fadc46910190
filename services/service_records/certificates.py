"""The certificate of a volunteer's service record (志愿服务记录证明) and its check.

A certificate states the programme and the issuing organisation, the volunteer's name,
their masked mobile number, the period, the total confirmed hours, what the service was,
the date and a verification code. Its facts are kept as printed (``service_certificates``),
so ``/verify/<code>`` shows exactly those facts and nothing more. The PDF uses
reportlab's built-in CID font STSong-Light (Adobe-GB1): no font file, no network.
"""

import io
import logging
import secrets

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import today_local
from core.errors import DomainError
from models import ServiceCertificate, Volunteer
from services.access import audit
from services.service_records.records import hours, hours_of
from services.shared.phones import mask_phone

log = logging.getLogger(__name__)

PROGRAMME = "“牵手童行”爱心家长结对帮扶志愿服务项目"
FONT = "STSong-Light"
#: The service content, in the certificate's words, per contact kind.
CONTENT_WORDS = {"call": "电话陪伴", "video": "视频陪伴", "home_visit": "家访",
                 "activity": "共同活动", "message": "消息交流"}
#: Letters for codes people read aloud: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def content_in_words(by_content: dict[str, int]) -> str:
    parts = [f"{CONTENT_WORDS.get(kind, kind)} {n} 次"
             for kind, n in sorted(by_content.items(), key=lambda kv: -kv[1])]
    return "为农村留守儿童和困境儿童提供结对关爱：" + "；".join(parts)


def issue(session: Session, volunteer: Volunteer, issuer: str) -> ServiceCertificate:
    """A certificate of everything confirmed so far; the same one again on the same day
    while nothing changed, so downloads do not pile up."""
    record = hours_of(session, volunteer.id)
    if not record["records"]:
        raise DomainError("No confirmed service time yet: a certificate can be issued once "
                          "a coordinator has confirmed your logged contacts.")
    today = today_local()
    same = session.execute(
        select(ServiceCertificate).where(
            ServiceCertificate.volunteer_id == volunteer.id,
            ServiceCertificate.issued_on == today,
            ServiceCertificate.total_minutes == record["total_minutes"],
            ServiceCertificate.period_end == record["last"])
        .order_by(ServiceCertificate.id.desc()).limit(1)).scalar_one_or_none()
    if same is not None:
        return same
    certificate = ServiceCertificate(
        code=_new_code(), volunteer_id=volunteer.id, volunteer_name=volunteer.name,
        masked_phone=mask_phone(volunteer.phone), period_start=record["first"],
        period_end=record["last"], total_minutes=record["total_minutes"],
        content=content_in_words(record["by_content"]), issuer=issuer, issued_on=today)
    session.add(certificate)
    session.flush()
    audit.record(session, None, "service.certificate", "volunteer", volunteer.id,
                 certificate=certificate.id)
    log.info("certificate %s issued to volunteer %s", certificate.id, volunteer.id)
    return certificate


def find(session: Session, code: str) -> ServiceCertificate | None:
    """The certificate with this verification code (case and spaces forgiven)."""
    cleaned = "".join((code or "").split()).upper()
    if len(cleaned) != CODE_LENGTH or set(cleaned) - set(CODE_ALPHABET):
        return None
    return session.execute(select(ServiceCertificate).where(
        ServiceCertificate.code == cleaned)).scalar_one_or_none()


def facts(certificate: ServiceCertificate) -> dict:
    """What a certificate states (the verification page shows these and nothing else)."""
    return {"programme": PROGRAMME, "issuer": certificate.issuer,
            "volunteer_name": certificate.volunteer_name,
            "masked_phone": certificate.masked_phone,
            "period_start": certificate.period_start, "period_end": certificate.period_end,
            "hours": hours(certificate.total_minutes), "content": certificate.content,
            "issued_on": certificate.issued_on, "code": certificate.code}


def _day(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def render_pdf(certificate: ServiceCertificate, verify_url: str) -> bytes:
    """The certificate as a one-page A4 PDF."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    f = facts(certificate)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    page.setTitle("志愿服务记录证明")
    page.setAuthor(certificate.issuer)
    width, height = A4
    page.setLineWidth(1.5)
    page.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    page.setFont(FONT, 26)
    page.drawCentredString(width / 2, height - 45 * mm, "志愿服务记录证明")
    lines = [
        f"兹证明 {f['volunteer_name']}（手机 {f['masked_phone']}）于 "
        f"{_day(f['period_start'])}至{_day(f['period_end'])}",
        f"参加{f['programme']}，",
        f"经组织方确认的志愿服务时长共计 {f['hours']} 小时。",
        "",
        "服务内容：",
        *_content_lines(f["content"]),
        "",
        f"项目：{f['programme']}",
        f"出具单位：{f['issuer']}",
        f"出具日期：{_day(f['issued_on'])}",
        f"验证码：{f['code']}",
        f"查验：{verify_url}",
        "",
        "本证明依据《志愿服务条例》第十九条、第二十条出具，",
        "所记服务时长均经协调员核实。",
    ]
    text = page.beginText(25 * mm, height - 65 * mm)
    text.setFont(FONT, 13)
    text.setLeading(22)
    for line in lines:
        text.textLine(line)
    page.drawText(text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _content_lines(text: str) -> list[str]:
    """One line for what the service was, then one per kind of contact."""
    head, _, parts = text.partition("：")
    return [head + "：" if parts else head] + [f"    {part}" for part in parts.split("；") if part]
