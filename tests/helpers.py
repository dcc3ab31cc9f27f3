"""Shortcuts for tests that need data in a given stage, built through the real
operations (so history rows and checks are the same as in production)."""
from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import ActivityKind, AuditEntry, EvaluationMode, Item, Origin, Unit, User, local_today
from tracker.services import activities as activity_ops
from tracker.services import evaluations as ev
from tracker.services import items as ops
from tracker.tally import Grade


def user(username: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


def unit(name: str) -> Unit:
    return db.session.scalar(sa.select(Unit).where(Unit.name == name))


def make_activity(title="关于义务教育优质均衡发展情况的专题询问", kind=ActivityKind.INQUIRY, rule="zhenhai"):
    return activity_ops.create_activity(activity_ops.ActivityData(
        kind=kind, title=title, meeting_session=25, meeting_date=local_today() - timedelta(days=10),
        report_title="区人民政府关于义务教育优质均衡发展情况的报告", target_organ="区人民政府",
        lead_committee_id=unit("社会建设工作委员会").id, evaluation_rule_key=rule), user("staff"))


def make_item(activity=None, stage="asked", unit_name="区教育局", co_units=(), deadline_days=60) -> Item:
    """An item moved through the operations up to ``stage``."""
    staff = user("staff")
    activity = activity or make_activity()
    item = ops.add_item(activity, ops.ItemData(origin=Origin.QUESTION, question="城区学校大班额问题何时解决？",
                                               asker="张委员", asked_unit_id=unit(unit_name).id), staff)
    order = ["asked", "answered", "assigned", "rectifying", "reported", "accepted", "evaluating", "closed"]
    target = order.index(stage)
    if target >= 1:
        answer = ops.AnswerData("王局长", "区教育局局长", "今年新建两所学校。", "年底前消除56人以上大班额")
        ops.record_answer(item, answer, staff)
    if target >= 2:
        ops.assign_item(item, ops.Assignment(unit(unit_name).id, [unit(n).id for n in co_units],
                                             local_today() + timedelta(days=deadline_days)), staff)
    lead_user = db.session.scalar(sa.select(User).where(User.unit_id == unit(unit_name).id))
    if target >= 3:
        ops.acknowledge(item, lead_user)
    if target >= 4:
        ops.submit_report(item, "已完成整改。", [], lead_user)
    if target >= 5:
        ops.accept_report(item, staff)
    if target >= 6:
        ev.open_evaluation(item, EvaluationMode.ONLINE, 5, staff)
    if target >= 7:
        evaluation = current_evaluation(item)
        for i in range(1, 5):
            ev.cast_vote(evaluation, item, Grade.SATISFIED, user(f"reviewer{i}"))
        ev.close_evaluation(evaluation, item, staff)
    db.session.flush()
    return item


def current_evaluation(item: Item):
    from tracker.models import Evaluation
    return db.session.scalar(sa.select(Evaluation).where(Evaluation.item_id == item.id,
                                                         Evaluation.round == item.round))


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_file(name="整改证明.pdf", data=PDF_BYTES):
    return (io.BytesIO(data), name)


def history(app) -> int:
    """How many history rows there are (page views left out): a refused change adds none."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action.not_like("access.%")))


def text_of(response) -> str:
    """A page as plain text, entities decoded, for asserting what a reader sees."""
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
