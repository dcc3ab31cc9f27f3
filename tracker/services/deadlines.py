"""Deadline rules per activity kind and stage, and the escalation ladder, as settings.

Local rules differ (2, 3 or 6 months for 审议意见; 西平县 交办 within 3 days; 常州 5
working days), so every period is a setting an admin can change; the code only holds
the presets from ``domain.md``. A broken stored value falls back to the preset
rather than taking the item page down.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..extensions import db
from ..models import Activity, ActivityKind, AuditAction, Item, User, local_today
from ..paste.commitments import latest_promise
from ..workdays import DeadlineUnit, WorkCalendar, compute_deadline
from . import OperationError
from .audit import record
from .calendar import get_calendar
from .settings import get_setting, set_setting

RULE_STAGES = {
    "assign": "交办（自会议之日起）",
    "handle": "研究处理/整改（自交办之日起）",
    "redo": "重新整改（自测评之日起）",
}
UNIT_LABELS = {DeadlineUnit.WORKDAYS: "个工作日", DeadlineUnit.MONTHS: "个月", DeadlineUnit.DAYS: "天（自然日）"}
# Upper bounds keep a typo (300 months) from producing a deadline nobody would notice.
UNIT_LIMITS = {DeadlineUnit.WORKDAYS: 250, DeadlineUnit.MONTHS: 24, DeadlineUnit.DAYS: 730}


@dataclass(frozen=True)
class DeadlineRule:
    amount: int
    unit: DeadlineUnit

    @property
    def label(self) -> str:
        return f"{self.amount} {UNIT_LABELS[self.unit]}"

    def as_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "unit": self.unit.value}


def _preset(assign: int, handle: int, redo: int) -> dict[str, DeadlineRule]:
    return {"assign": DeadlineRule(assign, DeadlineUnit.WORKDAYS), "handle": DeadlineRule(handle, DeadlineUnit.MONTHS),
            "redo": DeadlineRule(redo, DeadlineUnit.MONTHS)}


# 西平县: 交办 within 3 days, 研究处理 within 3 months; 重新整改 2 months (镇海区, 石泉县);
# 审计查出问题整改 reported within 6 months (监督法 Art. 27).
PRESET_RULES: dict[ActivityKind, dict[str, DeadlineRule]] = {
    ActivityKind.INQUIRY: _preset(3, 3, 2),
    ActivityKind.REPORT_REVIEW: _preset(3, 3, 2),
    ActivityKind.LAW_INSPECTION: _preset(3, 3, 2),
    ActivityKind.AUDIT: _preset(3, 6, 2),
    ActivityKind.OTHER: _preset(3, 3, 2),
}


def parse_rule(data: Any) -> DeadlineRule:
    """A rule from stored JSON or a form; raises OperationError with the reason."""
    if not isinstance(data, dict):
        raise OperationError("期限规则格式不正确")
    try:
        unit = DeadlineUnit(data.get("unit"))
    except ValueError:
        raise OperationError("期限单位只能是工作日、月或自然日") from None
    amount = data.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise OperationError("期限数值必须是整数")
    if not 1 <= amount <= UNIT_LIMITS[unit]:
        raise OperationError(f"期限应为 1–{UNIT_LIMITS[unit]} {UNIT_LABELS[unit]}")
    return DeadlineRule(amount, unit)


def deadline_rules() -> dict[ActivityKind, dict[str, DeadlineRule]]:
    """Stored rules over the presets; a stored value that fails validation uses the preset."""
    stored = get_setting("deadline_rules") or {}
    rules: dict[ActivityKind, dict[str, DeadlineRule]] = {}
    for kind, presets in PRESET_RULES.items():
        row = stored.get(kind.value) if isinstance(stored, dict) else None
        rules[kind] = {}
        for stage, preset in presets.items():
            try:
                rules[kind][stage] = parse_rule((row or {}).get(stage)) if row and stage in row else preset
            except OperationError:
                rules[kind][stage] = preset
    return rules


def save_deadline_rules(rules: dict[ActivityKind, dict[str, DeadlineRule]]) -> None:
    set_setting("deadline_rules", {kind.value: {stage: rule.as_dict() for stage, rule in stages.items()}
                                   for kind, stages in rules.items()})


def due_date(kind: ActivityKind, stage: str, start: date, calendar: WorkCalendar | None = None,
             rules: dict | None = None) -> date:
    rule = (rules or deadline_rules())[kind][stage]
    return compute_deadline(start, rule.amount, rule.unit, calendar or get_calendar())


def _kind(item: Item) -> ActivityKind:
    # session.get hits the identity map when the page already loaded the activity.
    return db.session.get(Activity, item.activity_id).kind


def document_deadline(activity: Activity) -> date:
    """The 办理期限 a whole document proposes: its own deadline when it sets one
    ("2023年4月底前"), else the 研究处理 rule counted from the 转达 (or meeting) date —
    the day the clock really started, never the day a clerk happens to enter it."""
    return activity.document_deadline or due_date(activity.kind, "handle", activity.base_date)


def assign_deadline(item: Item) -> date:
    """The 办理期限 to propose when one item is 交办'd: the document's own deadline, else
    the last date promised in the item's 承诺事项 (an inquiry answer "年底前…", kept by the
    paste preview as 【承诺期限 …】), else the rule from the 转达/meeting date.

    An old document entered late gets a date in the past; the 交办 form then refuses it
    and points to 补录, rather than silently counting from today."""
    activity = db.session.get(Activity, item.activity_id)
    if activity.document_deadline:
        return activity.document_deadline
    return latest_promise(item.commitments) or document_deadline(activity)


def redo_deadline(item: Item, today: date | None = None) -> date:
    """The deadline of a new round of 改 when the evaluation rule names none."""
    return due_date(_kind(item), "redo", today or local_today())


# -- the escalation ladder ------------------------------------------------------

LADDER_DEFAULTS: dict[str, Any] = {
    "remind_on_yellow": True,  # 临期（黄灯）时自动提醒承办单位
    "warn_on_red": True,  # 逾期（红灯）时自动发出逾期警告
    "supervise_after_overdue_days": 30,  # 逾期满 N 天提请挂牌督办；None 为不自动
    "supervise_after_failed_rounds": None,  # None: follow the evaluation rule (tally)
    "remind_assign_due": True,  # 会议后超过交办期限仍未交办，提醒工作人员
}


def ladder() -> dict[str, Any]:
    stored = get_setting("escalation_ladder")
    merged = dict(LADDER_DEFAULTS)
    if isinstance(stored, dict):
        merged.update({k: v for k, v in stored.items() if k in LADDER_DEFAULTS})
    return merged


def save_ladder(values: dict[str, Any]) -> None:
    for key in ("supervise_after_overdue_days", "supervise_after_failed_rounds"):
        value = values.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650):
            raise OperationError("天数/轮次应为 1–3650 的整数，或留空表示不自动")
    set_setting("escalation_ladder", {k: values.get(k) for k in LADDER_DEFAULTS})


def save_followup_settings(rules: dict[ActivityKind, dict[str, DeadlineRule]], yellow_workdays: int,
                           ladder_values: dict[str, Any], actor: User, workdays: dict[str, int] | None = None,
                           ) -> None:
    """The admin's 期限规则, 黄灯 threshold, escalation ladder and the 无进展/退办 windows
    (``workdays``), saved together with one history row. Items already assigned keep their deadlines."""
    save_deadline_rules(rules)
    set_setting("yellow_workdays", yellow_workdays)
    for key, value in (workdays or {}).items():
        if key not in ("silent_workdays", "handback_workdays") or isinstance(value, bool) \
                or not isinstance(value, int) or not 1 <= value <= 250:
            raise OperationError("工作日数应为 1–250 的整数")
        set_setting(key, value)
    save_ladder(ladder_values)
    record(AuditAction.SETTINGS_FOLLOWUP, "修改办理期限规则、黄灯阈值、督办升级、无进展与退办设置",
           object_type="setting", actor=actor)
