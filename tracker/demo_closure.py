"""Demo data for the follow-through after the vote: a 部分落实 closure with a due 回头看,
an item reopened by a 回头看 that found the promise broken (two rounds), and a
termination with its cause. Walked through the real operations, like ``demo.py``."""
from __future__ import annotations

from datetime import date, timedelta

from .models import (
    ActivityKind,
    ClosureKind,
    EvaluationMode,
    LookbackFinding,
    Origin,
    TerminationCause,
    User,
    VerdictGrade,
)
from .services import activities as activity_ops
from .services import evaluations as ev
from .services import items as ops
from .services.closure import ClosureInput, VerdictInput, close_item
from .services.lookbacks import answer_lookback, record_finding, schedule_lookback
from .tally import Grade

OPINIONS = [
    ("区教育局", "加快城区学校扩容，年底前新建两所小学，消除56人以上大班额。",
     "一所新建小学已投用，另一所主体完工，计划明年春季投用。"),
    ("区卫生健康局", "推进社区卫生服务中心标准化建设，年内完成8个中心的设备更新。",
     "8个社区卫生服务中心设备更新已全部完成。"),
    ("区教育局", "研究建立校外培训机构资金监管平台。",
     "市级统一监管平台已上线，区级平台不再单独建设。"),
]


def load_closure_demo(today: date, staff: User, edu: User, health: User, reviewers: list[User],
                      unit_id: dict[str, int]) -> None:
    activity = activity_ops.create_activity(activity_ops.ActivityData(
        kind=ActivityKind.REPORT_REVIEW, title="审议区人民政府关于民生实事项目推进情况的报告", meeting_session=22,
        meeting_date=today - timedelta(days=200), report_title="区人民政府关于民生实事项目推进情况的报告",
        target_organ="区人民政府", lead_committee_id=unit_id["社会建设工作委员会"], evaluation_rule_key="zhenhai"),
        staff)
    users = {"区教育局": edu, "区卫生健康局": health}
    items = []
    for unit_name, opinion, report in OPINIONS:
        item = ops.add_item(activity, ops.ItemData(origin=Origin.OPINION, question=opinion,
                                                   asked_unit_id=unit_id[unit_name]), staff)
        ops.assign_item(item, ops.Assignment(unit_id[unit_name], [], today + timedelta(days=30)), staff,
                        today=today - timedelta(days=150))
        ops.acknowledge(item, users[unit_name])
        ops.submit_report(item, f"研究处理情况报告：{report}", [], users[unit_name])
        items.append(item)
    partly, kept, superseded = items

    def accept_and_pass(item, verdict: VerdictInput) -> None:
        ops.accept_report(item, staff, verdict)
        evaluation = ev.open_evaluation(item, EvaluationMode.ONLINE, len(reviewers), staff)
        for reviewer in reviewers[:4]:
            ev.cast_vote(evaluation, item, Grade.SATISFIED, reviewer)
        ev.close_evaluation(evaluation, item, staff)

    # 满意 by the members, 部分落实 by staff: closed as 办结（部分落实，转入跟踪）, a 回头看 due today.
    accept_and_pass(partly, VerdictInput(VerdictGrade.PARTLY, "第二所新建小学尚未投用，大班额未全部消除"))
    schedule_lookback(partly, today, "核实第二所小学是否按承诺投用、大班额是否清零", staff)
    # 全部落实 and closed; the 回头看 finds the promise broken and reopens it: round 2.
    accept_and_pass(kept, VerdictInput(VerdictGrade.FULL))
    lookback = schedule_lookback(kept, today, "核实设备是否正常使用", staff)
    answer_lookback(lookback, kept, "8个中心设备已到位，其中3个中心因缺少操作人员尚未启用。", [], health)
    record_finding(lookback, kept, LookbackFinding.UNKEPT, "3个中心设备闲置", True,
                   "承诺的设备更新未真正投入使用，重新整改", staff, today)
    # 终止跟踪（未落实）: superseded by the city's platform, said so.
    ops.accept_report(superseded, staff, VerdictInput(VerdictGrade.NONE, "区级平台未建设"))
    close_item(superseded, ClosureInput(ClosureKind.TERMINATED, "市级统一监管平台已上线，本条不再单独跟踪",
                                        TerminationCause.SUPERSEDED), staff, today)
    activity_ops.set_activity_published(activity, True, staff)
    for item in items:
        ops.set_item_published(item, True, staff)
