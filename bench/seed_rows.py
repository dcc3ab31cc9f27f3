"""One item's rows for ``bench.seed``: the item, its progress posts and reports, its
evaluations and history, each consistent with the item's stage, as tuples in ``COLUMNS`` order.

Hot paths (``_audit``, ``_entry``, the link tables) append tuples directly; the rarer rows
are built as dicts for readability and turned into tuples once (``Ctx.add``).
"""
from __future__ import annotations

import itertools
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import itemgetter

from tracker.models import (
    Activity,
    AuditEntry,
    Evaluation,
    ExtensionRequest,
    Item,
    ProgressEntry,
    Sitting,
    SittingParticipant,
    SittingVoter,
    item_co_unit,
)

from .bulkload import BulkWriter

TODAY = date.today()
CST = timedelta(hours=8)  # local dates (``last_activity_on``) from UTC timestamps; no DST in China
TOPICS = ["义务教育优质均衡", "城区学校大班额", "基层医疗卫生服务", "食品安全监管", "大气污染防治", "老旧小区改造",
          "养老服务体系建设", "预算执行和审计整改", "河道综合治理", "营商环境优化", "农村饮水安全", "社区治理"]
QUESTIONS = ["{t}工作中存在哪些突出问题？下一步有何具体措施？", "关于{t}，群众反映强烈的问题何时能够解决？",
             "{t}资金使用效益不高的问题如何整改？", "请说明{t}相关承诺的落实时间表和责任分工。"]
PROGRESS = ["已制定{t}整改方案，明确责任科室和完成时限。", "{t}整改已完成阶段性任务，正在组织验收。",
            "召开{t}专题推进会，协调解决资金和用地问题。", "{t}相关制度已修订印发，正在督促落实。"]
RECENT_STAGES = [("asked", 5), ("answered", 5), ("assigned", 10), ("rectifying", 35), ("reported", 10),
                 ("accepted", 5), ("evaluating", 5), ("closed", 25)]
OLD_STAGES = [("closed", 88), ("rectifying", 7), ("reported", 3), ("assigned", 2)]
# (population, cumulative weights) once, not per item: rng.choices draws the same numbers.
RECENT_DRAW = ([s for s, _ in RECENT_STAGES], list(itertools.accumulate(w for _, w in RECENT_STAGES)))
OLD_DRAW = ([s for s, _ in OLD_STAGES], list(itertools.accumulate(w for _, w in OLD_STAGES)))
AFTER_ASSIGN = {"assigned", "rectifying", "reported", "accepted", "evaluating", "closed"}
AFTER_ACK = AFTER_ASSIGN - {"assigned"}


@dataclass
class Ctx:
    """Ids of the demo accounts, the next free id per table and the rows not yet written."""

    staff_id: int
    staff_name: str
    organ_ids: list[int]
    unit_users: dict[int, tuple[int, str]]  # unit id -> (user id, name)
    reviewer_ids: list[int]
    rule_key: str
    rule: str  # the rule as JSON text, serialised once for every sitting and evaluation
    long_unit_id: int  # the unit of ``unit_edu``, whose 我的事项 the benchmark opens
    writer: BulkWriter
    ids: dict[str, Iterator[int]] = field(default_factory=dict)
    rows: dict[str, list[tuple]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def new_id(self, table: str) -> int:
        return next(self.ids[table])

    def add(self, table: str, row: dict) -> None:
        """A row built as a dict (the rarer tables): to a tuple in ``COLUMNS`` order."""
        self.rows[table].append(AS_TUPLE[table](row))


TABLES = {"activity": Activity.__table__, "item": Item.__table__, "item_co_unit": item_co_unit,
          "progress_entry": ProgressEntry.__table__, "audit_entry": AuditEntry.__table__,
          "sitting": Sitting.__table__, "evaluation": Evaluation.__table__,
          "sitting_participant": SittingParticipant.__table__, "sitting_voter": SittingVoter.__table__,
          "extension_request": ExtensionRequest.__table__}
ORDER = list(TABLES)  # foreign keys: parents first
# What the seed writes per table, in tuple order; other columns keep their server default or NULL.
COLUMNS = {
    "activity": ("id", "kind", "title", "meeting_session", "meeting_date", "report_title", "target_organ",
                 "evaluation_rule_key", "published", "created_at", "created_by_id", "version"),
    "item": ("id", "activity_id", "meeting_year", "seq", "origin", "question", "asker", "asked_unit_id",
             "respondent_name",
             "respondent_post", "answer", "commitments", "lead_unit_id", "stage", "round", "urgency", "deadline",
             "original_deadline", "assigned_at", "acknowledged_at", "closed_at", "closed_on_time",
             "last_activity_on", "supervised", "published", "created_at", "updated_at", "version"),
    "item_co_unit": ("item_id", "unit_id", "urgency", "deadline", "stage"),
    "progress_entry": ("id", "item_id", "round", "kind", "text", "unit_id", "author_id", "created_at",
                       "review_status", "reviewed_at"),
    "audit_entry": ("id", "at", "actor_id", "actor_name", "remote_addr", "action", "object_type", "object_id",
                    "item_id", "summary"),
    "sitting": ("id", "title", "meeting_date", "mode", "status", "members_total", "members_present", "rule_key",
                "rule", "opened_at", "opened_by_id", "counted_at", "counted_by_id", "version"),
    "evaluation": ("id", "sitting_id", "position", "item_id", "round", "report_entry_id", "mode", "status",
                   "rule_key", "rule", "members_total", "members_present", "satisfied", "basic", "unsatisfied",
                   "invalid", "unbalanced_confirmed", "result", "consequence", "result_source", "opened_at",
                   "opened_by_id", "closed_at", "closed_by_id", "published", "version"),
    "sitting_participant": ("sitting_id", "user_id"),
    "sitting_voter": ("sitting_id", "user_id"),
    "extension_request": ("id", "item_id", "round", "reason", "current_deadline", "requested_deadline", "status",
                          "requested_by_id", "created_at", "decided_by_id", "decided_at", "decision_note"),
}
AS_TUPLE = {name: itemgetter(*columns) for name, columns in COLUMNS.items()}


def at(day: date, minutes: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, 1, 0) + timedelta(minutes=minutes)


def _audit(ctx: Ctx, item_id: int, when: datetime, action: str, summary: str, actor=None, object_type="item",
           object_id=None) -> None:
    actor_id, actor_name = actor or (ctx.staff_id, ctx.staff_name)
    ctx.rows["audit_entry"].append((next(ctx.ids["audit_entry"]), when, actor_id, actor_name, "127.0.0.1", action,
                                    object_type, object_id or item_id, item_id, summary))


def _entry(ctx: Ctx, item: dict, rnd: int, kind: str, text: str, when: datetime, unit: tuple,
           review: str | None = None) -> int:
    entry_id = next(ctx.ids["progress_entry"])
    ctx.rows["progress_entry"].append((
        entry_id, item["id"], rnd, kind, text, item["lead_unit_id"], unit[0], when, review,
        when + timedelta(days=3) if review and review != "pending" else None))
    item["last_activity_on"] = (when + CST).date()  # entries come in time order: the newest is the last
    _audit(ctx, item["id"], when, "item.progress" if kind != "report" else "item.report",
           f"报送{text[:10]}", unit, "progress_entry", entry_id)
    return entry_id


def _evaluation(ctx: Ctx, rng: random.Random, item: dict, rnd: int, when: datetime, report_id: int,
                result: str | None, online: bool) -> None:
    eval_id, sitting_id = ctx.new_id("evaluation"), ctx.new_id("sitting")
    counts = {"satisfied": 0, "basic": 0, "unsatisfied": 0, "invalid": 0}
    voters = ctx.reviewer_ids if online and result else []
    if online and result:
        for _ in voters:
            counts[rng.choice(["satisfied", "satisfied", "basic", "unsatisfied"]) if result != "satisfied"
                   else "satisfied"] += 1
        ctx.rows["sitting_participant"] += [(sitting_id, uid) for uid in voters]
    elif result:
        counts = {"satisfied": 20, "basic": 8, "unsatisfied": 2, "invalid": 1}
    total = len(ctx.reviewer_ids) if online else 35
    if online and not result:
        ctx.rows["sitting_voter"] += [(sitting_id, uid) for uid in ctx.reviewer_ids]
    ctx.add("sitting", {
        "id": sitting_id, "title": f"第 {rnd} 轮满意度测评", "meeting_date": when.date(),
        "mode": "online" if online else "meeting", "status": "counted" if result else "open",
        "members_total": total, "members_present": sum(counts.values()) if result else None,
        "rule_key": ctx.rule_key, "rule": ctx.rule, "opened_at": when, "opened_by_id": ctx.staff_id,
        "counted_at": when + timedelta(days=1) if result else None, "counted_by_id": ctx.staff_id if result else None,
        "version": 1})
    ctx.add("evaluation", {
        "id": eval_id, "sitting_id": sitting_id, "position": 1, "unbalanced_confirmed": False,
        "result_source": "counted" if result else None,
        "item_id": item["id"], "round": rnd, "report_entry_id": report_id,
        "mode": "online" if online else "meeting", "status": "closed" if result else "open",
        "rule_key": ctx.rule_key, "rule": ctx.rule, "members_total": total,
        "members_present": sum(counts.values()) if result else 0, **counts, "result": result,
        "consequence": None if not result else ("close" if result == "satisfied" else "redo"),
        "opened_at": when, "opened_by_id": ctx.staff_id,
        "closed_at": when + timedelta(days=1) if result else None, "closed_by_id": ctx.staff_id if result else None,
        "published": False, "version": 1})
    _audit(ctx, item["id"], when, "evaluation.open", f"开启第 {rnd} 轮满意度测评", None, "evaluation", eval_id)
    if result:
        _audit(ctx, item["id"], when + timedelta(days=1), "evaluation.close", f"第 {rnd} 轮测评结果：{result}",
               None, "evaluation", eval_id)


def history(ctx: Ctx, rng: random.Random, item: dict, topic: str, meeting: date, open_budget: list[int],
             extra_progress: int = 0) -> None:
    """Progress, reports, evaluations and history rows consistent with the item's stage."""
    stage, item_id = item["stage"], item["id"]
    t0 = at(meeting)
    _audit(ctx, item_id, t0, "item.create", "录入询问问题")
    if stage == "asked":
        return
    _audit(ctx, item_id, t0 + timedelta(days=1), "item.answer", "记录答复和承诺")
    if stage == "answered":
        return
    _audit(ctx, item_id, t0 + timedelta(days=3), "item.assign", "交办")
    unit = ctx.unit_users.get(item["lead_unit_id"], (ctx.staff_id, ctx.staff_name))
    if stage == "assigned":
        return
    _audit(ctx, item_id, t0 + timedelta(days=4), "item.acknowledge", "签收", unit)
    when = t0 + timedelta(days=10)
    _entry(ctx, item, 1, "response", PROGRESS[0].format(t=topic), when, unit)
    for rnd in range(1, item["round"] + 1):
        last = rnd == item["round"]
        for k in range(rng.choice([0, 1, 1, 2]) + (extra_progress if last else 0)):
            when += timedelta(days=7)
            _entry(ctx, item, rnd, "progress", PROGRESS[(rnd + k) % len(PROGRESS)].format(t=topic), when, unit)
        if last and stage == "rectifying":
            return
        when += timedelta(days=20)
        review = "pending" if last and stage == "reported" else "accepted"
        report = _entry(ctx, item, rnd, "report", f"关于{topic}整改情况的报告（第 {rnd} 轮）", when, unit, review)
        if review == "pending":
            return
        _audit(ctx, item_id, when + timedelta(days=2), "item.accept", "受理整改情况报告")
        when += timedelta(days=10)
        if not last:
            _evaluation(ctx, rng, item, rnd, when, report, rng.choice(["basic", "unsatisfied"]), rng.random() < 0.8)
        elif stage == "evaluating":
            _evaluation(ctx, rng, item, rnd, when, report, None, True)
            open_budget[0] -= 1
        elif stage == "closed" and (item["round"] > 1 or rng.random() < 0.21):
            _evaluation(ctx, rng, item, rnd, when, report, "satisfied", rng.random() < 0.8)


def new_item(ctx: Ctx, rng: random.Random, activity_id: int, seq: int, meeting: date, recent: bool,
          open_budget: list[int]) -> tuple[dict, str]:
    topic = rng.choice(TOPICS)
    population, cum_weights = RECENT_DRAW if recent else OLD_DRAW
    stage = rng.choices(population, cum_weights=cum_weights)[0]
    if stage == "evaluating" and open_budget[0] <= 0:
        stage = "accepted"
    lead = rng.choice(ctx.organ_ids)
    assigned = stage in AFTER_ASSIGN
    rnd = rng.choice([2, 2, 2, 3]) if stage in AFTER_ACK and stage != "evaluating" and rng.random() < 0.16 else 1
    deadline = meeting + timedelta(days=90 * rnd + rng.randint(-20, 40)) if assigned else None
    assigned_at = at(meeting, 3 * 1440) if assigned else None
    item = {
        "id": ctx.new_id("item"), "activity_id": activity_id, "meeting_year": meeting.year, "seq": seq,
        "origin": rng.choice(["question", "opinion"]),
        "question": rng.choice(QUESTIONS).format(t=topic), "asker": rng.choice(["张委员", "李委员", "王代表"]),
        "asked_unit_id": lead, "respondent_name": "王局长" if stage != "asked" else None,
        "respondent_post": "局长" if stage != "asked" else None,
        "answer": f"关于{topic}，我们将认真研究落实。" if stage != "asked" else None,
        "commitments": "年内完成整改" if stage != "asked" else None,
        "lead_unit_id": lead if assigned else None, "stage": stage, "round": rnd, "deadline": deadline,
        "urgency": 0 if stage in ("assigned", "rectifying", "reported") else 1,
        "original_deadline": deadline, "assigned_at": assigned_at,
        # 交办 is the first sign of life; ``_entry`` moves it on (as migration 0014 backfilled it).
        "last_activity_on": (assigned_at + CST).date() if assigned else None,
        "acknowledged_at": at(meeting, 4 * 1440) if stage in AFTER_ACK else None,
        "closed_at": at(meeting, 200 * 1440) if stage == "closed" else None,
        "closed_on_time": rng.random() < 0.8 if stage == "closed" else None,
        "supervised": rnd > 2, "published": stage == "closed" and rng.random() < 0.5,
        "created_at": at(meeting), "updated_at": at(meeting), "version": 1}
    if assigned and rng.random() < 0.2:
        others = [u for u in ctx.organ_ids if u != lead]
        item["co_unit_ids"] = rng.sample(others, rng.choice([1, 1, 2]))  # written with the item: _add_item
    return item, topic


def add_item(ctx: Ctx, item: dict) -> None:
    """The item and its co-unit rows, after its history: ``last_activity_on`` is known now, and
    the long item's stage and deadline are final (the co-unit rows copy urgency, deadline, stage)."""
    ctx.add("item", item)
    ctx.rows["item_co_unit"] += [(item["id"], u, item["urgency"], item["deadline"], item["stage"])
                                 for u in item.get("co_unit_ids", ())]


def long_tail(ctx: Ctx, item: dict, length: int) -> None:
    """Reminders, extension requests and edits until the timeline has ``length`` rows."""
    for k in range(length // 2):
        _audit(ctx, item["id"], at(TODAY, -k), "item.remind", f"第 {k + 1} 次催办")
    for k in range(3):
        ctx.add("extension_request", {
            "id": ctx.new_id("extension_request"), "item_id": item["id"], "round": k + 1, "reason": "资金未到位",
            "current_deadline": TODAY, "requested_deadline": TODAY + timedelta(days=30),
            "status": "approved" if k < 2 else "pending", "requested_by_id": ctx.unit_users.get(
                item["lead_unit_id"], (ctx.staff_id,))[0], "created_at": at(TODAY),
            "decided_by_id": ctx.staff_id if k < 2 else None, "decided_at": at(TODAY) if k < 2 else None,
            "decision_note": None})
