"""The demo's commitments (承诺) and answer classes, made through the real operations so
their history is genuine: one of each status, a proposed date still 待确认, one overdue
by the light, one due within days (the unit's 我的事项 lists it), and evidence."""
from __future__ import annotations

from datetime import timedelta

from .models import AnswerClass, CommitmentSource, CommitmentStatus
from .services import commitments as ops
from .services.attachments import UploadedFile

PDF = UploadedFile("承诺兑现证明.pdf", b"%PDF-1.4\n% demo evidence\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


def load_demo_commitments(today, items, staff, edu, health) -> None:
    """``items``: the demo inquiry's seven questions then the review's opinions (demo.py)."""
    def add(item, text, due=None, source=CommitmentSource.ANSWER):
        return ops.add_commitment(item, ops.CommitmentData(text, due, source), staff)

    # 1 (办结): the promise was kept, with the unit's evidence; class A.
    kept = add(items[0], "2026年底前全部消除56人以上大班额。", today - timedelta(days=20))
    ops.post_evidence(kept, items[0], "56人以上大班额已全部消除，附学位调配表。", [PDF], True, edu)
    ops.set_status(kept, items[0], CommitmentStatus.KEPT, "经核查，已全部消除。", staff)
    broken = add(items[0], "秋季学期前完成两所新建小学的教师配备。", today - timedelta(days=60))
    ops.set_status(broken, items[0], CommitmentStatus.BROKEN, "新建小学教师到岗率仅六成。", staff)
    # Still open although the item is 办结: it stays on 承诺跟踪 (已办结事项的未兑现承诺) until kept.
    add(items[0], "明年春季学期开学前完成新建小学的运动场建设。", today + timedelta(days=45))
    ops.set_answer_class(items[0], AnswerClass.A, None, staff)
    # 2 (测评中): the parser's proposal from the answer, still 待确认; class B.
    ops.commitments_from_answer(items[1], items[1].commitments, None, staff)
    ops.set_answer_class(items[1], AnswerClass.B, None, staff)
    # 3 (报告待审核): due within days — the unit says it is kept and waits for staff.
    soon = add(items[2], "三年内每个卫生院至少配备3名全科医生（首批本月底前到岗）。", today + timedelta(days=3))
    ops.post_evidence(soon, items[2], "首批12名全科医生已签约，本月底到岗。", [], True, health)
    ops.set_answer_class(items[2], AnswerClass.B, None, staff)
    # 4 (整改中, overdue): the confirmed date passed — shown 逾期未兑现 by the light.
    add(items[3], "下学期开学前出台并公开课后服务收费标准。", today - timedelta(days=3))
    ops.set_answer_class(items[3], AnswerClass.B, None, staff)
    # 6 (已受理): a promise overtaken by events; class D with its reason.
    dropped = add(items[5], "本学期内完成20所学校周边交通整治。", today + timedelta(days=30))
    ops.set_status(dropped, items[5], CommitmentStatus.DROPPED, "道路改造工程统一实施，纳入市级项目。", staff)
    ops.set_answer_class(items[5], AnswerClass.D, "周边道路改造由市级统一实施，区级暂不能单独解决。", staff)
    # 7 (整改中, round 2): partly kept, and a planned step; class C.
    partly = add(items[6], "年内重点人群履约率提高到80%以上。", today - timedelta(days=10))
    ops.post_evidence(partly, items[6], "重点人群履约率达到72%。", [PDF], False, health)
    ops.set_status(partly, items[6], CommitmentStatus.PARTLY, "履约率72%，未达到80%。", staff)
    add(items[6], "履约服务纳入明年绩效考核方案。", today + timedelta(days=200))
    ops.set_answer_class(items[6], AnswerClass.C, None, staff)
