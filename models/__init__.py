"""Models, one module per aggregate, re-exported here."""

from models.api_token import ApiToken
from models.application import Application
from models.audit import AuditEntry
from models.child import Child, ConsentRecord
from models.duplicates import ChildDuplicate
from models.feedback import FeedbackRequest, PairFeedback
from models.followup import CaseEvent, CaseReferral, Concern, ContactLog, ProgrammeSettings
from models.imports import (
    FormSubmission,
    ImportColumnMapping,
    ImportComparison,
    ImportJob,
    ImportUpload,
)
from models.matching import MatchRun, MatchRunPart, Pair, Proposal, UnpairedChild
from models.otp import PhoneCode
from models.region import Region
from models.service_record import ServiceCertificate, ServiceRecord
from models.sms import OptOut, OutboxMessage
from models.target import ProgrammeTarget
from models.user import CoordinatorRegion, User
from models.volunteer import BackgroundCheck, Volunteer
from models.welfare_contact import WelfareContact

__all__ = [
    "ApiToken",
    "Application",
    "AuditEntry",
    "BackgroundCheck",
    "CaseEvent",
    "CaseReferral",
    "Child",
    "ChildDuplicate",
    "ConsentRecord",
    "Concern",
    "ContactLog",
    "CoordinatorRegion",
    "FeedbackRequest",
    "FormSubmission",
    "ImportComparison",
    "ImportJob",
    "ImportUpload",
    "ImportColumnMapping",
    "MatchRun",
    "MatchRunPart",
    "OptOut",
    "OutboxMessage",
    "Pair",
    "PhoneCode",
    "PairFeedback",
    "ProgrammeSettings",
    "ProgrammeTarget",
    "Proposal",
    "ServiceCertificate",
    "ServiceRecord",
    "UnpairedChild",
    "Region",
    "User",
    "Volunteer",
    "WelfareContact",
]
