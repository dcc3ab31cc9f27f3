"""The sitting's 测评结果通报: one published table, a row per report, in 公文 layout.

Built with ``documents.gongwen`` (called, not changed). A result published without
counts shows "公布结果" in the count columns, never zeros that were not counted.
"""
from __future__ import annotations

from datetime import date

from ..documents.gongwen import Heading, Letter, Para, Table, format_date
from ..ledger.letters import org_name
from ..models import Evaluation, Sitting
from ..tally import Consequence, Rule


def _row(entry: Evaluation) -> list[str]:
    item = entry.item
    unit = item.lead_unit.name if item.lead_unit else "—"
    if entry.is_published_result:
        counts = ["公布结果"] + ["—"] * 3
    else:
        counts = [str(entry.satisfied), str(entry.basic), str(entry.unsatisfied), str(entry.invalid)]
    return [str(entry.position), f"{item.heading} {item.title}", unit, *counts, entry.result_label]


def sitting_notice(sitting: Sitting, entries: list[Evaluation], rule: Rule, today: date, number: str) -> Letter:
    present = sitting.members_present if sitting.members_present is not None else "—"
    blocks = [
        Para(f"{format_date(sitting.meeting_date)}，{org_name()}召开“{sitting.title}”，对以下 {len(entries)} 项"
             f"整改（研究处理）情况报告进行了满意度测评（{sitting.mode.label}）。"
             f"全体组成人员 {sitting.members_total} 人，"
             f"实到 {present} 人。按照“{rule.name}”测评办法，现将测评结果通报如下。"),
        Heading("测评结果"),
        Table(["序号", "报告", "承办单位", "满意", "基本满意", "不满意", "无效", "结果"],
              [_row(e) for e in entries]),
        Heading("计票依据"),
    ]
    blocks += [Para(f"{e.position}. {e.decision_reason}") for e in entries if e.decision_reason]
    failed = [e for e in entries if e.consequence not in (None, Consequence.CLOSE)]
    blocks.append(Heading("有关要求"))
    if failed:
        for e in failed:
            due = f"于{format_date(e.new_deadline)}前" if e.new_deadline else "在下次常委会会议前"
            blocks.append(Para(f"第{e.position}项测评结果为“{e.result_label}”，请"
                               f"{e.item.lead_unit.name if e.item.lead_unit else '承办单位'}{e.consequence.label}，"
                               f"{due}再次提交整改情况报告，直至表决满意为止。"))
    else:
        blocks.append(Para("以上报告均已通过测评，有关事项予以办结（销号）。请各单位巩固整改成果，建立长效机制。"))
    office = org_name() + "办公室"
    return Letter(issuer=office, title=f"关于“{sitting.title}”满意度测评结果的通报", recipient="各有关单位：",
                  blocks=blocks, signature=office, date=today, doc_number=number, kind="document")
