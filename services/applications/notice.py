"""The privacy notice a family reads and signs before applying."""

from services.shared.taxonomy import N_

#: Change the version whenever the text changes: each consent keeps the version it saw.
NOTICE_VERSION = "2026-apply-1"

NOTICE = N_(
    "Qianshou (牵手童行) is run by the county civil-affairs bureau with volunteer caring "
    "parents. By applying you agree that the bureau uses what you give here about your "
    "child and your family (name, gender, birth date, where you live, the situation and "
    "the needs, your mobile number) to check the application, to register your child, to "
    "pair your child with a vetted caring parent and to follow the pairing up, including "
    "SMS to your number. Only the coordinators of the county you choose read the "
    "application; the caring parent sees only what a pairing needs. The personal "
    "information of a child under 14 is sensitive personal information and needs your "
    "separate consent as guardian. You may withdraw the consent at any time by telling the county "
    "coordinator; the child then leaves the pairing and receives no more messages. "
    "Records are deleted when they are no longer needed.")
