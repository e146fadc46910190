"""The SMS outbox (one row per message, written once) and opted-out numbers."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from models.base import Base, EncryptedText

OUTBOX_STATUSES = ("queued", "sending", "sent", "delivered", "failed", "skipped", "unknown")


class OutboxMessage(Base):
    """One SMS to send. ``key`` is unique per (subject, kind, due date, stage, recipient),
    so a second sweep or a double beat can never queue the same reminder twice."""

    __tablename__ = "sms_outbox"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'skipped', "
            "'unknown')", name="status"),
        CheckConstraint("priority IN (0, 1, 2)", name="priority"),
        # The claim order: most urgent class first, then due time, then queue order.
        Index("ix_sms_outbox_due", "priority", "not_before", "id",
              postgresql_where=text("status = 'queued'"), sqlite_where=text("status = 'queued'")),
        Index(None, "status", "created_at"),
        Index(None, "pair_id"),
        #: A number's messages of the day (the daily cap counts them for every batch).
        Index("ix_sms_outbox_number_claimed", "to_phone_hash", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. pair:12:contact:2026-12-01:due — the exactly-once key.
    key: Mapped[str] = mapped_column(String(128), unique=True)
    template: Mapped[str] = mapped_column(String(32))
    #: The template's priority class (services.sms.templates.PRIORITIES): 0 mandatory,
    #: 1 interactive, 2 routine. Claims take the lowest number first.
    priority: Mapped[int] = mapped_column(SmallInteger, default=2, server_default=text("2"))
    #: What it is about: contact, visit (reminders), approval, concern.
    subject: Mapped[str] = mapped_column(String(16))
    #: Who it is for: volunteer, guardian, coordinator.
    audience: Mapped[str] = mapped_column(String(16))
    #: The number, encrypted at rest; found through to_phone_hash.
    to_phone: Mapped[str] = mapped_column(EncryptedText)
    to_phone_hash: Mapped[str] = mapped_column(String(64), index=True, default="")
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                     ondelete="SET NULL"))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"),
                                                 index=True)
    concern_id: Mapped[int | None] = mapped_column(ForeignKey("concerns.id",
                                                              ondelete="CASCADE"))
    #: Template parameters, filled in when the message is sent (never a full name or ID).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    #: Why it was skipped or failed, for the outbox page (opted out, quiet hours...).
    reason: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not sent before this time (quiet hours, retry back-off).
    not_before: Mapped[datetime] = mapped_column(default=now)
    #: The provider that accepted it (or whose answer was ambiguous).
    provider: Mapped[str] = mapped_column(String(16), default="")
    #: Every provider call for this message, in order: [{"provider", "status", "error",
    #: "at"}]; shows a failover (e.g. aliyun unreachable, then tencent sent it).
    provider_attempts: Mapped[list] = mapped_column(JSON, default=list,
                                                    server_default=text("'[]'"))
    provider_message_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    claimed_at: Mapped[datetime | None]
    #: The batch claim (services.sms.claims) this message was last claimed in.
    claim_token: Mapped[str | None] = mapped_column(String(16))
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.key} {self.status}>"


class OptOut(Base):
    """A number that gets no more SMS, by its own reply or a coordinator's decision."""

    __tablename__ = "sms_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Keyed hash of the number (core.crypto.lookup_hash); the number is not kept.
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: "reply" (the person texted T) or "coordinator".
    source: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)
