"""The three letters staff send, written from the records: 交办函, 督办函, 测评结果通报.

Wording follows what district offices send today; the layout is ``documents.gongwen``
(函 in the 信函格式, the 通报 in the 文件格式).  Each builder takes loaded objects and
the 发文字号 the register gave it and returns a ``Letter`` (no queries of its own),
so tests can read the text without a Word file.  ``subject_*`` say what a letter is
about: the register issues one letter, with one number, per subject.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

from flask import current_app

from ..documents.gongwen import Heading, Letter, Para, Table, format_date
from ..models import Activity, Evaluation, Item, Origin, Unit
from ..models.activity import chinese_number
from ..models.base import to_local
from ..services.settings import rule_name as settings_rule_name
from ..tally import Consequence

LAW = "《中华人民共和国各级人民代表大会常务委员会监督法》"


def org_name() -> str:
    return current_app.config["ORG_NAME"]


def contact_note(name: str | None) -> str | None:
    """附注: who to call about the letter, with the office phone when it is set (LETTER_CONTACT_PHONE)."""
    if not name:
        return None
    phone = current_app.config["LETTER_CONTACT_PHONE"]
    return f"联系人：{name}" + (f"，联系电话：{phone}" if phone else "")


def subject_assignment(activity: Activity, unit: Unit, items: Sequence[Item]) -> str:
    """One 交办函 per list: items assigned later make a new letter with a new number."""
    ids = ",".join(str(i.id) for i in sorted(items, key=lambda i: i.id))
    return f"activity:{activity.id}:unit:{unit.id}:items:{hashlib.sha256(ids.encode()).hexdigest()[:24]}"


def subject_supervision(item: Item) -> str:
    """One 督办函 per missed deadline: a new (extended) deadline missed again is a new letter."""
    return f"item:{item.id}:round:{item.round}:deadline:{item.deadline.isoformat() if item.deadline else '-'}"


def subject_result(evaluation: Evaluation) -> str:
    return f"evaluation:{evaluation.id}"


def _letter(title: str, recipient: str, blocks: list, today: date, doc_number: str, cc: str | None,
            note: str | None = None, kind: str = "letter") -> Letter:
    office = org_name() + "办公室"
    return Letter(issuer=office, title=title, recipient=f"{recipient}：", blocks=blocks, signature=office,
                  date=today, doc_number=doc_number, cc=cc, note=note, kind=kind)


def _origin_words(items: Sequence[Item]) -> str:
    origins = {i.origin for i in items}
    if origins == {Origin.QUESTION}:
        return "专题询问问题"
    if origins == {Origin.OPINION}:
        return "审议意见"
    return "询问问题和审议意见"


def _meeting(activity: Activity) -> str:
    return activity.meeting_name


def _session_words(activity: Activity) -> str:
    """"第25次会议" after the organisation's name; only what is known (届, 次) is said."""
    term = f"第{chinese_number(activity.meeting_term)}届" if activity.meeting_term else ""
    return term + (f"第{activity.meeting_session}次会议" if activity.meeting_session else "会议")


def _what_happened(activity: Activity) -> str:
    report = f"，听取和审议了《{activity.report_title}》" if activity.report_title else ""
    return (f"{format_date(activity.meeting_date)}，{org_name()}{_session_words(activity)}开展了"
            f"“{activity.title}”{report}。")


def _which(item: Item) -> str:
    """"审议意见（二）" / "询问问题3": the matter and the document's own number, never the
    database's entry order dressed up as "第8项"."""
    return item.heading


def assignment_letter(activity: Activity, unit: Unit, items: Sequence[Item], today: date, doc_number: str,
                      contact: str | None = None) -> Letter:
    """交办函: one activity's items, to one unit, whether it leads them or helps."""
    rows = []
    for item in items:
        text = item.question + (f"（承诺：{item.commitments}）" if item.commitments else "")
        if item.lead_unit_id == unit.id:
            role = "牵头" + (f"（协办：{'、'.join(u.name for u in item.co_units)}）" if item.co_units else "")
        else:
            role = f"协办（牵头：{item.lead_unit.name if item.lead_unit else '—'}）"
        rows.append([item.number, text, role, format_date(item.deadline) if item.deadline else "—"])
    blocks = [
        Para(_what_happened(activity) + f"根据{LAW}有关规定，现将需由你单位办理的{len(items)}项"
             f"{_origin_words(items)}交办如下，请认真研究办理。"),
        Heading("交办事项"),
        Table(["序号", "事项", "办理方式", "办理期限"], rows),
        Heading("办理要求"),
        Heading("明确责任，按期办结", level=2),
        Para("请你单位主要负责同志亲自研究部署，明确责任人和时间表，确保在办理期限内办结。"
             "牵头单位负责统筹并报送办理情况，协办单位应主动配合。"),
        Heading("及时签收，报送进展", level=2),
        Para("请收到本函后及时在“问答改评”系统中签收，定期报送办理进展和证明材料；"
             "办结后提交书面整改（研究处理）情况报告，常委会将按规定组织满意度测评。"),
        Heading("确需延期的，书面申请", level=2),
        Para("因客观原因确需延期办理的，应在期限届满前书面说明理由，经批准后方可延期。"),
    ]
    committee = activity.lead_committee
    return _letter(f"关于交办{_meeting(activity)}{_origin_words(items)}的函", unit.name, blocks, today,
                   doc_number, f"{org_name()}{committee.name}" if committee else None, contact_note(contact))


def supervision_letter(item: Item, today: date, doc_number: str, last_entry_at=None,
                       contact: str | None = None) -> Letter:
    """督办函: an overdue item, to its lead unit, copied to the co-units."""
    activity = item.activity
    assigned = format_date(to_local(item.assigned_at).date()) if item.assigned_at else "此前"
    overdue_days = (today - item.deadline).days
    progress = (f"你单位最近一次报送办理情况为{format_date(to_local(last_entry_at).date())}。" if last_entry_at
                else "你单位至今未报送办理情况。")
    blocks = [
        Para(f"{assigned}，{org_name()}将{_meeting(activity)}“{activity.title}”{_which(item)}"
             f"交由你单位牵头办理，办理期限为{format_date(item.deadline)}。截至{format_date(today)}，"
             f"该事项已逾期{overdue_days}天，目前处于“{item.stage.label}”阶段。{progress}"),
        Heading("事项内容"),
        Para(item.question),
    ]
    if item.commitments:
        blocks.append(Para(f"承诺事项：{item.commitments}"))
    blocks += [
        Heading("督办要求"),
        Para("请你单位高度重视，自收到本函之日起5个工作日内，书面报告未按期办结的原因、目前进展和下一步措施，"
             "并在“问答改评”系统中报送；确需延期的，应书面申请并说明理由。"),
    ]
    blocks.append(Para("该事项已列入主任会议挂牌督办，请你单位主要负责同志亲自督促落实。" if item.supervised
                       else "逾期仍未办结的，将提请主任会议挂牌督办。"))
    cc = "、".join(u.name for u in item.co_units) or None
    return _letter(f"关于督促办理{_meeting(activity)}{_which(item)}的函",
                   item.lead_unit.name if item.lead_unit else "有关单位", blocks, today, doc_number, cc,
                   contact_note(contact))


def result_notice(evaluation: Evaluation, item: Item, today: date, doc_number: str,
                  contact: str | None = None) -> Letter:
    """测评结果通报: the counts and the result of one closed evaluation, and what follows."""
    activity = item.activity
    closed = format_date(to_local(evaluation.closed_at).date()) if evaluation.closed_at else format_date(today)
    result = evaluation.result_label
    rule_name = (evaluation.rule or {}).get("name") or settings_rule_name(evaluation.rule_key)  # never a key
    counts = (evaluation.members_total, evaluation.members_present, evaluation.satisfied, evaluation.basic,
              evaluation.unsatisfied, evaluation.invalid)
    # A result published without counts shows none, never zeros that were not counted.
    cells = [str(v) for v in counts[:2]] + (["—"] * 4 if evaluation.is_published_result else
                                            [str(v) for v in counts[2:]])
    table = Table(["组成人员", "实到", "满意", "基本满意", "不满意", "无效票", "测评结果"], [cells + [result]])
    blocks = [
        Para(f"{closed}，{org_name()}对你单位牵头办理的{_meeting(activity)}“{activity.title}”{_which(item)}"
             f"的第{evaluation.round}轮整改（研究处理）情况报告进行了满意度测评。"
             "现将测评结果通报如下。"),
        Heading("测评结果"),
        table,
        Para(f"按照“{rule_name}”测评办法，{evaluation.decision_reason.rstrip('。')}。" if evaluation.decision_reason
             else f"按照“{rule_name}”测评办法，测评结果为“{result}”。"),
        Heading("有关要求"),
        Para(_consequence_text(evaluation)),
    ]
    cc = "、".join(u.name for u in item.co_units) or None
    return _letter(f"关于{_meeting(activity)}{_which(item)}整改情况满意度测评结果的通报",
                   item.lead_unit.name if item.lead_unit else "有关单位", blocks, today, doc_number, cc,
                   contact_note(contact), kind="document")


def _consequence_text(evaluation: Evaluation) -> str:
    consequence = evaluation.consequence
    if consequence is Consequence.CLOSE:
        return "该事项予以办结（销号）。请你单位巩固整改成果，建立长效机制，防止问题反弹。"
    verb = "重新整改" if consequence is Consequence.REDO else "继续整改"
    deadline = f"于{format_date(evaluation.new_deadline)}前" if evaluation.new_deadline else "按期"
    return (f"请你单位针对测评中反映的问题{verb}，{deadline}再次提交整改情况报告，"
            "常委会将再次进行满意度测评，直至表决满意为止。")
