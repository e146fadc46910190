"""SMS templates: the Chinese text of every message the programme sends.

Rules:
- A template takes only what it shows. Children appear by given name only
  (``child_given_name``, e.g. 小明), never a full name, ID number or address.
- Sign 【牵手童行】 plus text fits one 70-character segment for realistic values
  (2-character given names, dates like 12月31日, county names of up to 5 characters).
- The reminders a volunteer gets (contact_due, visit_due, contact_overdue) end with the
  opt-out hint 回T退订; notices about approvals, escalations, concerns and expiring
  checks do not, because they are operational messages that must not be switched off
  by a reply.
- ``verification_code`` carries a one-time code and ``feedback_request`` a link with a
  token (it opens the feedback form without log-in), the only secrets a message holds:
  the sender blanks the parameters named in SECRET_PARAMS once the message has left the
  queue, and the outbox page never shows parameters. The person asked for it just now,
  so opt-outs do not hold it back; nor the answers to a family's own application
  (application_received, _accepted, _declined), which they asked for.
- Every template declares its priority class (PRIORITIES), the order in which the outbox
  is sent and what may hold a message back:
  - ``mandatory``: concern alerts and escalations to coordinators and local child-welfare
    contacts. Never held by an opt-out, the daily cap or quiet hours; sent first.
  - ``interactive``: one-time codes, which a person is waiting for on a screen. Never held
    by an opt-out; past its own daily cap a code is skipped (tomorrow it is useless).
  - ``routine``: reminders, notices, feedback requests, check expiry. Held by opt-outs, the
    daily cap and quiet hours, and sent after the other two classes.
- The codes are ours; each provider maps them to its approved template (Aliyun variables
  are named like our params, e.g. ``${child_given_name}``; Tencent takes them in order).
"""

import string
from dataclasses import dataclass

OPT_OUT_HINT = "回T退订"


#: Priority classes, most urgent first; a row stores its class's position (0, 1, 2).
PRIORITIES = ("mandatory", "interactive", "routine")
MANDATORY, INTERACTIVE, ROUTINE = range(len(PRIORITIES))


@dataclass(frozen=True)
class Template:
    code: str
    text: str
    params: tuple[str, ...]
    #: One of PRIORITIES.
    priority: str

    def __post_init__(self):
        if self.priority not in PRIORITIES:
            raise ValueError(f"template {self.code}: unknown priority {self.priority!r}")
        # A placeholder without a declared param (or the reverse) would only fail at send time.
        used = {name for _, name, _, _ in string.Formatter().parse(self.text) if name}
        if used != set(self.params):
            raise ValueError(f"template {self.code}: placeholders {sorted(used)} "
                             f"do not match params {sorted(self.params)}")


TEMPLATES: dict[str, Template] = {t.code: t for t in (
    Template("pair_approved_volunteer",
             "您与{county}的{child_given_name}结对已获批准，请登录平台查看，一周内首次联系孩子。",
             ("child_given_name", "county"), "routine"),
    Template("pair_approved_guardian",
             "爱心家长{volunteer_given_name}已与您家孩子结对，近期会与您联系。有疑问请找县里协调员。",
             ("volunteer_given_name",), "routine"),
    Template("contact_due",
             "提醒：请于{due_date}前与{child_given_name}通一次电话或视频，并在平台记录。"
             + OPT_OUT_HINT,
             ("child_given_name", "due_date"), "routine"),
    Template("visit_due",
             "提醒：请于{due_date}前到{child_given_name}家中家访一次，并在平台记录。"
             + OPT_OUT_HINT,
             ("child_given_name", "due_date"), "routine"),
    Template("contact_overdue",
             "提醒：与{child_given_name}的联系已逾期{days}天，请尽快通话或视频；已联系请在平台补记。"
             + OPT_OUT_HINT,
             ("child_given_name", "days"), "routine"),
    Template("escalation_coordinator",
             "爱心家长{volunteer_given_name}与{child_given_name}的跟进已逾期{days}天，"
             "请登录平台查看并跟进。",
             ("volunteer_given_name", "child_given_name", "days"), "mandatory"),
    Template("escalation_no_local_contact",
             "爱心家长{volunteer_given_name}与{child_given_name}的跟进已逾期{days}天，"
             "孩子所在地未登记儿童主任或督导员，请登录平台跟进。",
             ("volunteer_given_name", "child_given_name", "days"), "mandatory"),
    Template("escalation_local_contact",
             "您好，{child_given_name}的爱心家长{volunteer_given_name}已逾期{days}天未跟进，"
             "请您关注孩子近况，必要时联系县协调员。",
             ("child_given_name", "volunteer_given_name", "days"), "mandatory"),
    Template("concern_raised",
             "{county}有一条新的关注报告（{kind}），请尽快登录平台处理。",
             ("county", "kind"), "mandatory"),
    Template("case_immediate_danger",
             "紧急：{county}的{child_given_name}可能正处于危险中，报告人已被提醒拨打110，请立即登录平台受理。",
             ("county", "child_given_name"), "mandatory"),
    Template("case_danger_local_contact",
             "紧急：{child_given_name}可能正处于危险中，请立即了解情况，必要时拨打110，并联系县协调员。",
             ("child_given_name",), "mandatory"),
    Template("case_unacknowledged",
             "{county}的关注报告（{kind}）已超过{hours}小时无人受理，请立即登录平台受理。",
             ("county", "kind", "hours"), "mandatory"),
    Template("check_expiring",
             "您的无犯罪记录证明核查将于{expires_on}到期，请尽快开具新证明交给县里协调员，以便继续结对。",
             ("expires_on",), "routine"),
    Template("volunteer_vetted",
             "您的爱心家长报名已审核通过，谢谢您！有合适的孩子时，协调员会为您结对并短信告诉您。",
             (), "routine"),
    Template("volunteer_not_approved",
             "谢谢您报名爱心家长。这次审核未能通过，原因可登录平台查看或问县里协调员。感谢您对孩子的关心。",
             (), "routine"),
    Template("volunteer_suspended",
             "您的爱心家长资格已暂停，结对已结束。原因请登录平台查看，如有疑问请联系县里协调员。",
             (), "routine"),
    Template("check_expired",
             "您的无犯罪记录证明核查已到期，暂不能新结对。请开具新证明交给县里协调员。",
             (), "routine"),
    Template("volunteer_withdrew",
             "爱心家长{volunteer_given_name}已退出项目，{pairs}个结对已结束，孩子待重新结对，请登录平台处理。",
             ("volunteer_given_name", "pairs"), "routine"),
    Template("feedback_request",
             "请花1分钟为与{child_given_name}的结对填写反馈：{link}",
             ("child_given_name", "link"), "routine"),
    Template("signup_has_account",
             "有人用您的手机号申请注册，但该号码已有账号：请直接登录，忘记密码可在登录页重设。"
             "非本人操作请忽略。",
             (), "interactive"),
    Template("signup_on_ledger",
             "有人用您的手机号申请注册，该号码已在县里的爱心家长名单中：请联系县协调员为您开通账号。"
             "非本人操作请忽略。",
             (), "interactive"),
    Template("verification_code",
             "您的验证码是{code}，10分钟内有效。请勿告诉他人。",
             ("code",), "interactive"),
    Template("application_received",
             "您为{child_given_name}的申报已收到，编号{reference}。县里协调员会联系您核实。",
             ("child_given_name", "reference"), "interactive"),
    Template("application_accepted",
             "您为{child_given_name}的申报（编号{reference}）已核实通过，孩子已纳入关爱帮扶。",
             ("child_given_name", "reference"), "interactive"),
    Template("application_declined",
             "您为{child_given_name}的申报（编号{reference}）未通过：{reason}。"
             "有疑问请联系县民政局。",
             ("child_given_name", "reference", "reason"), "interactive"),
)}

#: Parameters blanked in the outbox once a message is sent, failed or skipped.
SECRET_PARAMS: dict[str, tuple[str, ...]] = {"verification_code": ("code",),
                                              "feedback_request": ("link",)}
REDACTED = "******"


def redacted(template: str, params: dict) -> dict:
    """``params`` with the template's secret values blanked."""
    secret = SECRET_PARAMS.get(template, ())
    return {k: REDACTED if k in secret else v for k, v in params.items()}


def priority_of(template: str) -> int:
    """The priority class (MANDATORY, INTERACTIVE or ROUTINE) of a template code."""
    return PRIORITIES.index(TEMPLATES[template].priority)


def templates_of(priority: int) -> frozenset[str]:
    """The template codes of one priority class."""
    return frozenset(code for code, t in TEMPLATES.items()
                     if t.priority == PRIORITIES[priority])
