"""The 台账 import: check every row first, write only when every row is valid.

Staff bring ledgers they kept by hand.  A half-imported sheet would be worse than
none (which rows made it in?), so ``check_ledger`` reads the whole file and lists
every problem (行号, 列名, 原因) without touching the database, and ``services.items.import_plan``
runs only on a clean plan, in the caller's single transaction, through the same
operations the screens use, so each item gets its history rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import IO

import sqlalchemy as sa

from ..documents.xlsx import LedgerFileError, read_sheet
from ..extensions import db
from ..limits import ANSWER_TEXT, COMMITMENT_TEXT, ITEM_TEXT, PERSON_NAME, PERSON_POST, REPORT_TEXT, TITLE
from ..models import TARGET_ORGANS, Activity, ActivityKind, Origin, Unit, UnitKind, User
from ..services import activities as activity_ops
from ..services import items as ops
from ..services.backfill import PastFacts, facts_problems
from ..services.settings import get_setting
from . import cells
from .cells import CellError

MAX_ROWS = 5000


@dataclass(frozen=True)
class ImportColumn:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    example: object = None
    note: str = ""


COLUMNS = [
    ImportColumn("title", "监督活动名称", True, ("监督活动",), "关于义务教育优质均衡发展情况的专题询问",
                 "与会议日期一起确定监督活动；系统中没有的将新建"),
    ImportColumn("kind", "活动类型", example="专题询问",
                 note="、".join(k.label for k in ActivityKind)
                 + "；不填时询问问题按专题询问、审议意见按专项工作报告审议"),
    ImportColumn("session", "会议次数", aliases=("会议",), example=25, note="常委会第几次会议；不知道可不填"),
    ImportColumn("meeting_date", "会议日期", True, example=date(2026, 3, 20), note="日期，或“2026-03-20”形式的文字"),
    ImportColumn("target", "监督对象", example="区人民政府", note="、".join(TARGET_ORGANS) + "；不填为区人民政府"),
    ImportColumn("origin", "来源", True, example="询问问题", note="询问问题 或 审议意见"),
    ImportColumn("question", "问题/意见内容", True, ("问题或意见内容", "内容"), "城区学校大班额问题何时解决？"),
    ImportColumn("asker", "询问人", example="张委员"),
    ImportColumn("asked_unit", "被询问单位", example="区教育局", note="系统中的单位全称"),
    ImportColumn("respondent_name", "应询人", example="王建国"),
    ImportColumn("respondent_post", "应询人职务", example="区教育局局长"),
    ImportColumn("answer", "答复", example="今年新建两所学校，新增学位1200个。"),
    ImportColumn("commitments", "承诺事项", example="年底前消除56人以上大班额"),
    ImportColumn("lead", "牵头单位", example="区教育局", note="填写牵头单位和办理期限的事项将直接交办"),
    ImportColumn("co", "协办单位", example="区财政局、区住房和城乡建设局", note="多个单位用顿号分隔"),
    ImportColumn("deadline", "办理期限", example=date(2026, 12, 31),
                 note="须晚于今天；选择“补录”导入时可以是过去的日期"),
    # 补录 only: the real dates of a matter handled before the system, and its known result.
    ImportColumn("assigned_on", "交办日期", note="仅补录：真实的交办日期"),
    ImportColumn("acknowledged_on", "签收日期", note="仅补录，不知道可不填"),
    ImportColumn("accepted_on", "受理日期", note="仅补录：受理办理报告的日期，不知道可不填"),
    ImportColumn("closed_on", "办结日期", note="仅补录：未办结不填"),
    ImportColumn("result", "办理结果", note="仅补录：报告要点或测评结果；填写受理或办结日期时必填"),
]
PAST_COLUMNS = ("assigned_on", "acknowledged_on", "accepted_on", "closed_on", "result")
_BY_HEADER = {name: c for c in COLUMNS for name in (c.header, *c.aliases)}
_HEADER = {c.key: c.header for c in COLUMNS}
_KINDS = {k.label: k for k in ActivityKind}
_ORIGINS = {o.label: o for o in Origin}
# The same limits as the forms and the paste preview (tracker/limits.py).
_LIMITS = {"title": TITLE, "question": ITEM_TEXT, "asker": PERSON_NAME, "respondent_name": PERSON_NAME,
           "respondent_post": PERSON_POST, "answer": ANSWER_TEXT, "commitments": COMMITMENT_TEXT,
           "result": REPORT_TEXT}


@dataclass
class Problem:
    row: int | None  # None: the file or its header row as a whole
    column: str
    reason: str


@dataclass
class PlannedRow:
    row: int
    activity_key: tuple[str, date]
    item: ops.ItemData
    lead_unit_id: int | None
    co_unit_ids: list[int]
    deadline: date | None
    lead_name: str = ""
    past: PastFacts | None = None  # 补录: the real history, entered through services.backfill


@dataclass
class NewActivity:
    row: int  # the first row that names it
    data: activity_ops.ActivityData


@dataclass
class Plan:
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    existing: dict[tuple[str, date], int] = field(default_factory=dict)
    new: dict[tuple[str, date], NewActivity] = field(default_factory=dict)
    backfill: bool = False  # 补录 mode: past deadlines and real dates allowed

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def assigned_count(self) -> int:
        return sum(1 for r in self.rows if r.lead_unit_id)


def check_ledger(fileobj: IO[bytes], today: date, actor: User, backfill: bool = False) -> Plan:
    """Read and validate the whole file; never writes. ``backfill`` is 补录 mode: past
    deadlines and the real 交办/签收/受理/办结 dates are accepted (and required to be true
    history: not later than today)."""
    plan = Plan(backfill=backfill)
    try:
        header, rows = read_sheet(fileobj, max_rows=MAX_ROWS, max_columns=60)
    except LedgerFileError as error:
        plan.problems.append(Problem(None, "文件", str(error)))
        return plan
    positions = _map_header(header, plan)
    if plan.problems:
        return plan
    if not rows:
        plan.problems.append(Problem(None, "文件", "表中没有数据行"))
        return plan
    checker = _RowChecker(today, actor, plan)
    for number, values in rows:
        checker.check(number, {key: values[i] for key, i in positions.items()})
    return plan


def _map_header(header: list[str], plan: Plan) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = raw.replace("*", "").replace("（必填）", "").replace("(必填)", "").strip()
        column = _BY_HEADER.get(name)
        if column is None:
            if name:
                plan.ignored_headers.append(name)
            continue
        if column.key in positions:
            plan.problems.append(Problem(1, column.header, "表头中该列出现了两次"))
        positions[column.key] = index
    for column in COLUMNS:
        if column.required and column.key not in positions:
            plan.problems.append(Problem(1, column.header, "缺少必填列，请使用导入模板的表头"))
    return positions


class _RowChecker:
    def __init__(self, today: date, actor: User, plan: Plan):
        self.today, self.actor, self.plan = today, actor, plan
        self.units = {u.name: u for u in db.session.scalars(sa.select(Unit))}
        self.activities: dict[tuple[str, date], list[int]] = {}
        for activity_id, title, day in db.session.execute(sa.select(Activity.id, Activity.title,
                                                                    Activity.meeting_date)):
            self.activities.setdefault((title, day), []).append(activity_id)

    def check(self, number: int, raw: dict) -> None:
        problems: list[Problem] = []

        def cell(key, parse, *args, **kwargs):
            try:
                return parse(raw.get(key), *args, **kwargs)
            except CellError as error:
                problems.append(Problem(number, _HEADER[key], str(error)))
                return None

        def text(key):
            return cell(key, cells.text, max_length=_LIMITS.get(key, TITLE), label=_HEADER[key]) or ""

        def need(key, value, reason="必填，不能为空"):
            if not value:
                problems.append(Problem(number, _HEADER[key], reason))

        title, meeting_date = text("title"), cell("meeting_date", cells.a_date)
        need("title", title)
        if _blank(raw.get("meeting_date")):
            need("meeting_date", None)
        origin_text, question = text("origin"), text("question")
        need("question", question)
        origin = _ORIGINS.get(origin_text)
        if origin is None:
            problems.append(Problem(number, _HEADER["origin"],
                                    "应为“询问问题”或“审议意见”" + (f"，不是“{origin_text}”" if origin_text else "")))
        asked_unit = self._organ("asked_unit", text("asked_unit"), number, problems)
        lead = self._organ("lead", text("lead"), number, problems)
        co_ids = [u.id for name in cells.unit_names(text("co"))
                  if (u := self._organ("co", name, number, problems)) is not None and (lead is None or u.id != lead.id)]
        deadline = cell("deadline", cells.a_date)
        self._check_assignment(number, raw, lead, co_ids, deadline, problems)
        past = self._past(number, raw, cell, text, lead, co_ids, deadline, meeting_date, problems)
        fields = {k: text(k) or None for k in ("asker", "respondent_name", "respondent_post", "answer",
                                                 "commitments")}
        if title and meeting_date:
            self._check_activity(number, (title, meeting_date), raw, origin, cell, text, problems)
        self.plan.problems.extend(problems)
        if problems:
            return
        self.plan.rows.append(PlannedRow(
            row=number, activity_key=(title, meeting_date),
            item=ops.ItemData(origin=origin, question=question, asked_unit_id=asked_unit.id if asked_unit else None,
                              **fields),
            lead_unit_id=lead.id if lead else None, co_unit_ids=co_ids, deadline=deadline,
            lead_name=lead.name if lead else "", past=past))

    def _organ(self, key: str, name: str, number: int, problems: list[Problem]) -> Unit | None:
        if not name:
            return None
        unit = self.units.get(name)
        reason = None
        if unit is None:
            reason = f"系统中没有名为“{name}”的单位（请填写单位全称）"
        elif unit.kind is UnitKind.COMMITTEE:
            reason = f"“{name}”是常委会工作机构，不是承办单位"
        elif not unit.active:
            reason = f"“{name}”已停用"
        if reason:
            problems.append(Problem(number, _HEADER[key], reason))
            return None
        return unit

    def _check_assignment(self, number, raw, lead, co_ids, deadline, problems) -> None:
        has_lead = not _blank(raw.get("lead"))
        has_deadline = not _blank(raw.get("deadline"))
        if has_lead and not has_deadline:
            problems.append(Problem(number, _HEADER["deadline"], "填写了牵头单位时必须填写办理期限"))
        if has_deadline and not has_lead:
            problems.append(Problem(number, _HEADER["lead"], "填写了办理期限时必须填写牵头单位"))
        if not _blank(raw.get("co")) and not has_lead:
            problems.append(Problem(number, _HEADER["co"], "填写了协办单位时必须填写牵头单位"))
        if deadline is not None and deadline <= self.today and not self.plan.backfill:
            problems.append(Problem(number, _HEADER["deadline"], "办理期限必须晚于今天（往年的事项请选择“补录”导入）"))

    def _past(self, number, raw, cell, text, lead, co_ids, deadline, meeting_date, problems) -> PastFacts | None:
        """补录 columns: refused outside 补录 mode; in it, checked like the 补录 page."""
        given = [key for key in PAST_COLUMNS if not _blank(raw.get(key))]
        if not given:
            if self.plan.backfill and deadline is not None and deadline <= self.today:
                problems.append(Problem(number, _HEADER["assigned_on"], "办理期限已过：补录时请填写真实的交办日期"))
            return None
        if not self.plan.backfill:
            problems.extend(Problem(number, _HEADER[key], "只有选择“补录”导入时才能填写") for key in given)
            return None
        days = {key: cell(key, cells.a_date) for key in PAST_COLUMNS if key != "result"}
        facts = PastFacts(lead.id if lead else None, days["assigned_on"], deadline, co_ids, days["acknowledged_on"],
                          days["accepted_on"], days["closed_on"], text("result") or None)
        if lead is None and _blank(raw.get("lead")):
            problems.append(Problem(number, _HEADER["lead"], "补录交办、签收、受理或办结时必须填写牵头单位"))
        if meeting_date is not None:
            reasons = facts_problems(facts, meeting_date, self.today)
            problems.extend(Problem(number, "补录", reason) for reason in reasons)
        return facts

    def _check_activity(self, number, key, raw, origin, cell, text, problems) -> None:
        existing = self.activities.get(key, [])
        if len(existing) > 1:
            problems.append(Problem(number, _HEADER["title"], "系统中有多个同名、同会议日期的监督活动，无法确定归属"))
            return
        if existing:
            self.plan.existing[key] = existing[0]
            return
        kind_text, target = text("kind"), text("target") or TARGET_ORGANS[0]
        kind = _KINDS.get(kind_text) if kind_text else (
            ActivityKind.INQUIRY if origin is Origin.QUESTION else ActivityKind.REPORT_REVIEW)
        if kind is None:
            problems.append(Problem(number, _HEADER["kind"], f"应为：{'、'.join(_KINDS)}"))
        if target not in TARGET_ORGANS:
            problems.append(Problem(number, _HEADER["target"], f"应为：{'、'.join(TARGET_ORGANS)}"))
        session = cell("session", cells.session_number)  # may stay empty: never invented
        if kind is None or target not in TARGET_ORGANS:
            return
        data = activity_ops.ActivityData(kind=kind, title=key[0], meeting_session=session, meeting_date=key[1],
                                         report_title=None, target_organ=target, lead_committee_id=self._committee(),
                                         evaluation_rule_key=get_setting("default_rule_key"))
        first = self.plan.new.setdefault(key, NewActivity(number, data))
        for attr, label in (("meeting_session", "session"), ("kind", "kind"), ("target_organ", "target")):
            if getattr(first.data, attr) != getattr(data, attr) and (kind_text or label != "kind"):
                reason = f"与第 {first.row} 行同一监督活动的{_HEADER[label]}不一致"
                problems.append(Problem(number, _HEADER[label], reason))

    def _committee(self) -> int | None:
        """Like the activity form: the clerk's own committee leads what they import."""
        unit = next((u for u in self.units.values() if u.id == self.actor.unit_id), None)
        return unit.id if unit is not None and unit.kind is UnitKind.COMMITTEE else None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
