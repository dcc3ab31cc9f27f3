"""All models, imported here so Alembic's autogenerate sees every table."""
from . import co_unit_order  # noqa: F401  (keeps item_co_unit's order copies: registers its events)
from .accountability import DeclaredDate, ExtensionRequest, ExtensionStatus, HandbackRequest, HandbackStatus
from .accounts import Role, Unit, UnitKind, User
from .activity import TARGET_ORGANS, Activity, ActivityKind
from .audit import AuditAction, AuditEntry
from .base import local_today, utcnow
from .closure import (
    Closure,
    ClosureKind,
    Lookback,
    LookbackFinding,
    TerminationCause,
    Verdict,
    VerdictGrade,
)
from .commitment import AnswerClass, Commitment, CommitmentSource, CommitmentStatus
from .evaluation import Evaluation, EvaluationMode, EvaluationStatus, ResultSource
from .followup import NOTICE_KIND_LABELS, Notice, NoticeKind, Notification, NotificationKind, OutboxMail
from .item import (
    DEADLINE_STAGES,
    Attachment,
    EntryKind,
    Item,
    LineStatus,
    Origin,
    ProgressEntry,
    ReviewStatus,
    Stage,
    item_co_unit,
)
from .register import IssuedLetter, LetterKind, LetterSeries
from .report import Report
from .search import RecurrenceLink, SearchEntry, SearchTerm
from .security import AuditChainHead, LoginThrottle, ParkedForm, PasswordHistory, UserSession
from .settings import CalendarOverride, Setting
from .sitting import Ballot, Sitting, SittingParticipant, SittingStatus, SittingVoter
from .stash import Stash

__all__ = [
    "DEADLINE_STAGES", "TARGET_ORGANS", "Activity", "ActivityKind", "Attachment", "AuditAction", "AuditEntry",
    "CalendarOverride", "EntryKind", "Evaluation", "EvaluationMode", "EvaluationStatus",
    "ExtensionRequest", "ExtensionStatus", "Item", "LineStatus", "Origin", "ProgressEntry", "Report", "ReviewStatus",
    "Role", "Setting", "Stage", "Unit", "UnitKind", "User", "item_co_unit", "local_today", "utcnow",
    "IssuedLetter", "LetterKind", "LetterSeries",
    "Ballot", "ResultSource", "Sitting", "SittingParticipant", "SittingStatus", "SittingVoter",
    "AuditChainHead", "LoginThrottle", "ParkedForm", "PasswordHistory", "UserSession",
    "NOTICE_KIND_LABELS", "Notice", "NoticeKind", "Notification", "NotificationKind", "OutboxMail",
    "RecurrenceLink", "SearchEntry", "SearchTerm", "Stash",
    "DeclaredDate", "HandbackRequest", "HandbackStatus",
    "AnswerClass", "Commitment", "CommitmentSource", "CommitmentStatus",
    "Closure", "ClosureKind", "Lookback", "LookbackFinding", "TerminationCause", "Verdict", "VerdictGrade",
]
