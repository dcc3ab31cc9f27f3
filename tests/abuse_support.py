"""Shared pieces of the abuse suite: a small world with one object of every kind, and
checks on what a rejected request shows.

The world is built through the real operations (as ``helpers.make_item`` does), so the
ids that the authorization matrix and the payload tests put into URLs point at rows
with the same history and links that production data has.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Attachment, AuditEntry, EntryKind, Evaluation, Item, Notification

from .helpers import PDF_BYTES, make_activity, make_item, unit, user

CJK = re.compile(r"[\u4e00-\u9fff]")
ERROR_BLOCK = re.compile(
    r'<ul class="field-error"[^>]*>(.*?)</ul>|<p class="flash flash-error"[^>]*>(.*?)</p>', re.S)
LI = re.compile(r"<li>(.*?)</li>", re.S)
TAG = re.compile(r"<[^>]+>")


@dataclass
class World:
    """Ids of one object of each kind; ``args`` maps URL argument names to them."""

    activity: int
    item: int  # 区教育局 leads it; it is in 整改中 with evidence and a pending extension
    attachment: int
    entry: int
    extension: int
    evaluating_item: int  # a second 区教育局 item, open for online evaluation
    users: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    notification: int = 0  # unit_edu's inbox line about the 交办 of ``item``
    evaluation: int = 0  # the closed evaluation of a third, 办结 item
    report: int = 0  # 区教育局's document report (pending) on another activity
    letter: int = 0  # the 测评结果通报 of that evaluation, in the 发文登记
    sitting: int = 0  # the online sitting of ``evaluating_item`` (reviewer1 may vote)
    term: int = 0  # a word of the search dictionary
    commitment: int = 0  # a commitment (承诺) on ``item``
    lookback: int = 0  # a 回头看 of the 办结 item (not of ``item``: its routes 409 on ``item``)

    @property
    def args(self) -> dict[str, int]:
        return {
            "item_id": self.item, "activity_id": self.activity, "attachment_id": self.attachment,
            "entry_id": self.entry, "request_id": self.extension, "extension_id": self.extension,
            "user_id": self.users["unit_edu"], "unit_id": self.units["区教育局"],
            "notification_id": self.notification, "day": "2027-10-01", "evaluation_id": self.evaluation,
            "report_id": self.report,
            "letter_id": self.letter,
            "sitting_id": self.sitting,
            "term_id": self.term,
            "commitment_id": self.commitment,
            "lookback_id": self.lookback,
        }


def _issue_result_notice(evaluation_id: int, item: Item) -> int:
    from tracker.ledger.letters import result_notice, subject_result
    from tracker.models import LetterKind, local_today
    from tracker.services.register import issue_letter
    evaluation = db.session.get(Evaluation, evaluation_id)
    item = db.session.scalar(sa.select(Item).where(Item.id == item.id).options(
        sa.orm.joinedload(Item.activity), sa.orm.joinedload(Item.lead_unit), sa.orm.selectinload(Item.co_units)))
    today = local_today()
    return issue_letter(LetterKind.RESULT_NOTICE, subject_result(evaluation),
                        lambda number: result_notice(evaluation, item, today, number), user("staff"), today,
                        item=item).id


def build_world(app) -> World:
    """Demo accounts plus the objects every route can be pointed at."""
    from tracker.demo import load_demo
    from tracker.services import items as ops
    from tracker.services.attachments import UploadedFile
    with app.test_request_context():
        users = load_demo()
        db.session.flush()
        activity = make_activity()
        item = make_item(activity=activity, stage="rectifying")
        entry = ops.post_progress(item, EntryKind.PROGRESS, "已完成选址。",
                                  [UploadedFile("选址批复.pdf", PDF_BYTES)], user("unit_edu"))
        extension = ops.request_extension(item, "征地手续尚未完成，申请延期。", item.deadline + timedelta(days=30),
                                          user("unit_edu"))
        evaluating = make_item(activity=activity, stage="evaluating")
        db.session.flush()
        attachment = db.session.scalar(sa.select(Attachment.id).where(Attachment.entry_id == entry.id))
        world = World(activity=activity.id, item=item.id, attachment=attachment, entry=entry.id,
                      extension=extension.id, evaluating_item=evaluating.id,
                      users={name: u.id for name, u in users.items()},
                      units={name: unit(name).id for name in ("区教育局", "区卫生健康局", "社会建设工作委员会")})
        world.sitting = db.session.scalar(sa.select(Evaluation.sitting_id).where(
            Evaluation.item_id == evaluating.id))
        closed = make_item(activity=activity, stage="closed")
        world.evaluation = db.session.scalar(sa.select(Evaluation.id).where(Evaluation.item_id == closed.id))
        from tracker.services import reports as report_ops
        other = make_activity(title="审议区人民政府关于学前教育发展情况的报告")
        reported = make_item(activity=other, stage="rectifying")
        world.report = report_ops.submit_report(other, "现将研究处理情况报告如下。", [report_ops.ReportLine(reported)],
                                                [], user("unit_edu")).id
        world.letter = _issue_result_notice(world.evaluation, closed)
        from tracker.services.lookbacks import schedule_lookback
        world.lookback = schedule_lookback(closed, None, None, user("staff")).id
        from tracker.services.search import add_term
        world.term = add_term("双减", user("admin")).id
        from tracker.services.commitments import CommitmentData, add_commitment
        world.commitment = add_commitment(item, CommitmentData("年底前完成选址和立项。"), user("staff")).id
        world.notification = db.session.scalar(sa.select(Notification.id).where(
            Notification.user_id == users["unit_edu"].id).order_by(Notification.id).limit(1))
        db.session.commit()
    return world


def error_messages(html: str) -> list[str]:
    """Every message a page shows as a field error or an error flash, as plain text."""
    messages = []
    for field_block, flash in ERROR_BLOCK.findall(html):
        if field_block:
            messages += [TAG.sub("", m).strip() for m in LI.findall(field_block)]
        else:
            messages.append(TAG.sub("", flash).strip())
    return [m for m in messages if m]


def assert_chinese_errors(html: str, context: str = "") -> None:
    """A rejection must say why, in Chinese: at least one message, and none that is
    WTForms' or Werkzeug's English default."""
    messages = error_messages(html)
    assert messages, f"{context}: rejected without any error message"
    english = [m for m in messages if not CJK.search(m)]
    assert not english, f"{context}: error messages not in Chinese: {english}"


def audit_count(app) -> int:
    """History rows of things done; refusals (``access.*``) are recorded but did nothing."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action.not_like("access.%")))


def item_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Item))


def module_app(template_db: str, folder):
    """An app on its own copy of the migrated database, for a module whose tests share
    one expensive world (they only add to it). Caller disposes of it."""
    import shutil

    from tracker import create_app

    from .conftest import PG_URL, _empty_all, make_config
    if PG_URL:
        app = create_app(make_config(template_db))
        _empty_all(app)
        return app
    target = folder / "shared.db"
    shutil.copyfile(template_db, target)
    return create_app(make_config(f"sqlite:///{target}"))


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
