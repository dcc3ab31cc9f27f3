"""Demo data for the paste-first inquiry and for 补录, used by ``demo.py``.

The activities carry a meeting number: migration 0006's downgrade (tests/test_database.py
runs the demo down to 0005 and back) cannot hold an activity without one.

The record is composed for the demo in the layout published records use ("…委员：",
"区…局局长…：", a reporter's line to drop); the names and figures are not real. It goes in
through the same engine and operation as the preview, so the demo shows what a clerk gets.
"""
from __future__ import annotations

from datetime import date, timedelta

INQUIRY_RECORD = """关于学校食堂和校园周边安全情况的专题询问（记录摘要）
主持人：现在开始专题询问，请委员提问，应询人作答。
周某某委员：全区还有多少所学校食堂没有完成明厨亮灶改造？什么时候能全部完成？
区市场监督管理局局长钱某某：目前还有14所学校食堂未完成改造，我们将在年底前全部完成明厨亮灶改造，并接入区智慧监管平台。
区教育局局长王建国：教育部门将配合做好改造期间的供餐保障，下学期开学前完成食堂从业人员全员培训。
记者：询问现场气氛热烈，委员们提问直击要害。
吴某某代表：部分学校门口上下学时段交通拥堵，学生安全隐患大，有什么解决办法？
区公安分局副局长郑某某：我们将在三个月内完成全区中小学校门口护学岗设置，高峰时段安排警力值守。
区住房和城乡建设局副局长冯某某：学校周边停车泊位改造已列入计划，2027年6月底前完成首批8所学校的接送区建设。
周某某委员：接着问财政，改造资金有没有保障？
区财政局局长陈某某：改造资金已列入年度预算，区财政将在10个工作日内下达首批补助资金。
"""


def load_demo_inquiry(today: date, staff, unit_id: dict[str, int]) -> None:
    """A 专题询问 entered by paste: several answering officials, dated commitments."""
    from .models import ActivityKind
    from .paste import find_promises, guess_unit, parse_inquiry
    from .paste.commitments import commitment_line
    from .services import activities as activity_ops
    from .services.calendar import get_calendar
    from .services.documents import ExchangeRow, save_inquiry_exchanges

    meeting = today - timedelta(days=45)
    activity = activity_ops.create_activity(activity_ops.ActivityData(
        kind=ActivityKind.INQUIRY, title="关于学校食堂和校园周边安全情况的专题询问", meeting_session=30,
        meeting_term=17, meeting_date=meeting, report_title=None, target_organ="区人民政府",
        lead_committee_id=unit_id["社会建设工作委员会"], evaluation_rule_key="zhenhai", scored_on_spot=True), staff)
    rows = []
    for exchange in parse_inquiry(INQUIRY_RECORD).exchanges:
        people = [(a.speaker.name or a.speaker.label, a.speaker.post or "") for a in exchange.answers]
        promises = find_promises(exchange.answer_text, meeting, get_calendar())
        first = exchange.answers[0].speaker
        unit = guess_unit(f"{first.unit or ''} {first.post or ''}", unit_id)
        rows.append(ExchangeRow(
            asker=exchange.asker.name or "", question=exchange.question.text,
            respondent_name="、".join(n for n, _ in people), respondent_post="、".join(p for _, p in people),
            answer="\n".join(f"{n}（{p}）：{a.text}" for (n, p), a in zip(people, exchange.answers, strict=True)),
            commitments="\n".join(commitment_line(p.due, p.sentence) for p in promises),
            unit_id=unit_id.get(unit) if unit else None))
    save_inquiry_exchanges(activity, rows, staff)


def load_demo_backfill(staff, unit_id: dict[str, int]) -> None:
    """A 2018 审议意见 entered in 补录: its real 交办, 签收, 受理 and 办结 dates."""
    from .models import ActivityKind, Origin
    from .services import activities as activity_ops
    from .services import items as ops
    from .services.backfill import PastFacts, backfill_item

    activity = activity_ops.create_activity(activity_ops.ActivityData(
        kind=ActivityKind.REPORT_REVIEW, title="审议区人民政府关于农村饮水安全工作情况的报告",
        meeting_session=12, meeting_term=16, meeting_date=date(2018, 6, 26),
        report_title="区人民政府关于农村饮水安全工作情况的报告",
        target_organ="区人民政府", lead_committee_id=unit_id["城乡建设环境保护工作委员会"],
        evaluation_rule_key="zhenhai", conveyed_on=date(2018, 7, 5)), staff)
    item = ops.add_item(activity, ops.ItemData(
        origin=Origin.OPINION, ref="一", question="加快农村集中供水工程建设，提高自来水普及率。",
        asked_unit_id=unit_id["区住房和城乡建设局"]), staff)
    backfill_item(item, PastFacts(
        unit_id["区住房和城乡建设局"], date(2018, 7, 5), date(2018, 10, 5), acknowledged_on=date(2018, 7, 9),
        accepted_on=date(2018, 9, 20), closed_on=date(2018, 9, 28),
        result="已完成集中供水工程6处，自来水普及率由86%提高到93%；经常委会测评，结果为满意。"), staff)
