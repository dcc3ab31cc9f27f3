"""Operations on supervision activities (监督活动): create, edit, publish — the meeting, the
document and the people answered, with dates that may not contradict each other."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..extensions import db
from ..limits import PERSON_NAME, PERSON_POST, PasteError, check_text
from ..models import (
    Activity,
    ActivityKind,
    AuditAction,
    Unit,
    User,
    utcnow,
)
from . import OperationError
from .audit import record


@dataclass
class ActivityData:
    kind: ActivityKind
    title: str
    meeting_session: int | None
    meeting_date: date
    report_title: str | None
    target_organ: str
    lead_committee_id: int | None
    evaluation_rule_key: str
    meeting_term: int | None = None
    meeting_end_date: date | None = None
    document_number: str | None = None
    adopted_on: date | None = None
    conveyed_on: date | None = None
    document_deadline: date | None = None
    preamble: str | None = None
    officials: list[dict] | None = None
    scored_on_spot: bool = False


def parse_officials(text: str | None) -> list[dict] | None:
    """"张某某 区教育局局长" per line → [{"name", "post"}]; a line with one word is a name."""
    people = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = line.replace("\u3000", " ").split(maxsplit=1)
        if parts:
            person = {"name": parts[0], "post": parts[1].strip() if len(parts) > 1 else ""}
            try:  # refused with the limit, never cut
                check_text(person["name"], PERSON_NAME, f"应询人员第 {number} 行的姓名")
                check_text(person["post"], PERSON_POST, f"应询人员第 {number} 行的职务", required=False)
            except PasteError as error:
                raise OperationError(error.message) from None
            people.append(person)
    return people or None


def officials_text(officials: list[dict] | None) -> str:
    return "\n".join(f"{p.get('name', '')} {p.get('post', '')}".strip() for p in officials or [])


def _check_dates(data: ActivityData) -> None:
    """Dates that contradict each other are refused with the field named."""
    if data.meeting_end_date and data.meeting_end_date < data.meeting_date:
        raise OperationError("会议结束日期不能早于会议开始日期")
    if data.adopted_on and data.adopted_on < data.meeting_date:
        raise OperationError("主任会议通过日期不能早于常委会会议日期")
    if data.conveyed_on and data.conveyed_on < data.meeting_date:
        raise OperationError("转达/交办日期不能早于常委会会议日期")
    if data.document_deadline and data.document_deadline < data.meeting_date:
        raise OperationError("审议意见要求的办理期限不能早于会议日期")


def _check_committee(unit_id: int | None) -> None:
    if unit_id is None:
        return
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.kind.value != "committee":
        raise OperationError("牵头工作机构必须是常委会工作机构")


def create_activity(data: ActivityData, actor: User) -> Activity:
    _check_committee(data.lead_committee_id)
    _check_dates(data)
    activity = Activity(**data.__dict__, created_by_id=actor.id)
    db.session.add(activity)
    db.session.flush()
    record(AuditAction.ACTIVITY_CREATE, f"创建监督活动“{activity.title}”", object_type="activity",
           object_id=activity.id,
           actor=actor)
    return activity


def update_activity(activity: Activity, data: ActivityData, actor: User) -> Activity:
    _check_committee(data.lead_committee_id)
    _check_dates(data)
    for key, value in data.__dict__.items():
        setattr(activity, key, value)
    record(AuditAction.ACTIVITY_UPDATE, f"修改监督活动“{activity.title}”", object_type="activity",
           object_id=activity.id,
           actor=actor)
    return activity


def set_activity_published(activity: Activity, published: bool, actor: User) -> None:
    activity.published = published
    activity.published_at = utcnow() if published else None
    record(AuditAction.ACTIVITY_PUBLISH if published else AuditAction.ACTIVITY_UNPUBLISH,
           f"{'向社会公布' if published else '取消公布'}监督活动“{activity.title}”",
           object_type="activity", object_id=activity.id, actor=actor)
