"""Demo data for a fresh installation: a district's units, one account per role, and
supervision items in every stage so a newcomer sees the whole loop at once.

Seeded only into an empty database and never in production mode (see ``cli.py``).
"""
from __future__ import annotations

from .extensions import db
from .models import Role, Unit, UnitKind, User
from .passwords import hash_password

DEMO_PASSWORD = "demo-password"  # noqa: S105 - demo data only, never in production

COMMITTEE_UNITS = ["办公室", "财政经济工作委员会", "社会建设工作委员会", "城乡建设环境保护工作委员会",
                   "监察和司法工作委员会", "代表工作委员会", "研究室"]
ORGAN_UNITS = [
    ("区人民政府办公室", UnitKind.GOVERNMENT), ("区教育局", UnitKind.GOVERNMENT),
    ("区卫生健康局", UnitKind.GOVERNMENT), ("区市场监督管理局", UnitKind.GOVERNMENT),
    ("区生态环境分局", UnitKind.GOVERNMENT), ("区住房和城乡建设局", UnitKind.GOVERNMENT),
    ("区财政局", UnitKind.GOVERNMENT), ("区民政局", UnitKind.GOVERNMENT),
    ("区监察委员会", UnitKind.SUPERVISION), ("区人民法院", UnitKind.COURT), ("区人民检察院", UnitKind.PROCURATORATE),
]

DEMO_USERS = [
    ("admin", "系统管理员（用户、单位）"),
    ("secadmin", "安全管理员（测评规则、期限、节假日）"),
    ("auditor", "审计管理员（只读操作历史）"),
    ("staff", "工作人员（社会建设工作委员会）"),
    ("unit_edu", "承办单位用户（区教育局）"),
    ("unit_health", "承办单位用户（区卫生健康局）"),
] + [(f"reviewer{i}", "测评人（常委会组成人员）") for i in range(1, 6)]


def load_demo() -> dict[str, User]:
    units: dict[str, Unit] = {}
    for order, name in enumerate(COMMITTEE_UNITS):
        units[name] = Unit(name=name, kind=UnitKind.COMMITTEE, sort_order=order)
    for order, (name, kind) in enumerate(ORGAN_UNITS):
        units[name] = Unit(name=name, kind=kind, sort_order=100 + order)
    db.session.add_all(units.values())
    db.session.flush()

    password_hash = hash_password(DEMO_PASSWORD)
    specs = [
        # 三员分立: three administrators, none of whom runs the workflow or votes.
        ("admin", "系统管理员", Role.ADMIN, "办公室"),
        ("secadmin", "安全管理员", Role.SECURITY, "办公室"),
        ("auditor", "审计管理员", Role.AUDITOR, "办公室"),
        ("staff", "李秀兰", Role.STAFF, "社会建设工作委员会"),
        ("unit_edu", "王建国", Role.UNIT, "区教育局"),
        ("unit_health", "陈静", Role.UNIT, "区卫生健康局"),
    ] + [(f"reviewer{i}", name, Role.REVIEWER, None)
         for i, name in enumerate(["张伟", "刘洋", "赵敏", "孙立", "周红"], start=1)]
    users = {}
    for username, display_name, role, unit_name in specs:
        user = User(username=username, display_name=display_name, role=role,
                    unit_id=units[unit_name].id if unit_name else None, password_hash=password_hash)
        users[username] = user
    db.session.add_all(users.values())
    db.session.flush()
    return users


# --- supervision items in every stage --------------------------------------------------

INQUIRY_QUESTIONS = [
    ("张伟", "区教育局", "城区部分小学大班额问题突出，何时能够全部消除56人以上大班额？",
     "王建国", "区教育局局长", "今年秋季新建两所小学，新增学位2400个。", "2026年底前全部消除56人以上大班额。"),
    ("刘洋", "区教育局", "农村学校教师结构性缺编，音体美教师不足，有何解决措施？",
     "王建国", "区教育局局长", "通过县管校聘、走教等方式统筹调配。", "一年内实现音体美课程开齐开足。"),
    ("赵敏", "区卫生健康局", "基层卫生院全科医生流失严重，如何留住人才？",
     "陈静", "区卫生健康局局长", "提高基层岗位补贴，落实职称评审倾斜政策。", "三年内每个卫生院至少配备3名全科医生。"),
    ("孙立", "区教育局", "课后服务收费标准不一，家长反映较多，如何规范？",
     "王建国", "区教育局局长", "将出台全区统一的课后服务管理办法。", "下学期开学前出台并公开收费标准。"),
    ("周红", "区卫生健康局", "学校卫生室配备率偏低，学生突发疾病处置能力不足，怎么办？",
     "陈静", "区卫生健康局局长", "与教育部门联合开展校医配备专项行动。", "明年内中小学卫生室配备率达到100%。"),
    ("张伟", "区教育局", "校园周边交通安全隐患较多，上下学时段拥堵严重，有何改进措施？",
     "王建国", "区教育局局长", "会同交警部门在重点学校设置护学岗和临时停车区。", "本学期内完成20所学校周边交通整治。"),
    ("刘洋", "区卫生健康局", "社区家庭医生签约服务“签而不约”问题如何解决？",
     "陈静", "区卫生健康局局长", "将签约居民的履约服务纳入绩效考核。", "年内重点人群履约率提高到80%以上。"),
]

OPINIONS = [
    ("区生态环境分局", "加强对重点河道入河排污口的排查整治，建立问题清单，限期整改到位。"),
    ("区住房和城乡建设局", "加快老旧小区改造进度，完善加装电梯、停车等配套设施。"),
    ("区市场监督管理局", "加大对校园周边食品安全的监管力度，建立常态化检查机制。"),
]


def _user(username: str) -> User:
    import sqlalchemy as sa
    return db.session.scalar(sa.select(User).where(User.username == username))


def load_demo_items(today=None) -> None:
    """Walk items through the real operations so the history is genuine, leaving
    them at different stages: a newcomer sees the whole loop at once."""
    from datetime import timedelta

    import sqlalchemy as sa

    from .models import ActivityKind, EvaluationMode, Origin, local_today
    from .services import activities as activity_ops
    from .services import corrections
    from .services import evaluations as ev
    from .services import items as ops
    from .services.attachments import UploadedFile
    from .tally import Grade

    today = today or local_today()
    staff, edu, health = _user("staff"), _user("unit_edu"), _user("unit_health")
    reviewers = [_user(f"reviewer{i}") for i in range(1, 6)]
    unit_id = {u.name: u.id for u in db.session.scalars(sa.select(Unit))}

    officials = []
    for _asker, _unit, _question, name, post, _answer, _promise in INQUIRY_QUESTIONS:
        if name and {"name": name, "post": post} not in officials:
            officials.append({"name": name, "post": post})
    inquiry = activity_ops.create_activity(activity_ops.ActivityData(
        kind=ActivityKind.INQUIRY, title="关于义务教育和基层医疗服务情况的专题询问", meeting_session=25,
        meeting_date=today - timedelta(days=120), report_title="区人民政府关于义务教育优质均衡发展情况的报告",
        target_organ="区人民政府", lead_committee_id=unit_id["社会建设工作委员会"], evaluation_rule_key="zhenhai",
        meeting_term=17, officials=officials), staff)
    review = activity_ops.create_activity(activity_ops.ActivityData(
        kind=ActivityKind.REPORT_REVIEW, title="审议区人民政府关于生态环境保护工作情况的报告", meeting_session=27,
        meeting_date=today - timedelta(days=20), report_title="区人民政府关于生态环境保护工作情况的报告",
        target_organ="区人民政府", lead_committee_id=unit_id["城乡建设环境保护工作委员会"],
        evaluation_rule_key="shiquan"), staff)

    items = []
    for asker, unit_name, question, name, post, answer, commitment in INQUIRY_QUESTIONS:
        items.append(ops.add_item(inquiry, ops.ItemData(
            origin=Origin.QUESTION, question=question, asker=asker, asked_unit_id=unit_id[unit_name],
            respondent_name=name, respondent_post=post, answer=answer, commitments=commitment), staff))
    for unit_name, text in OPINIONS:
        items.append(ops.add_item(review, ops.ItemData(origin=Origin.OPINION, question=text,
                                                       asked_unit_id=unit_id[unit_name]), staff))
    ops.add_item(review, ops.ItemData(origin=Origin.OPINION, question="完善扬尘污染防治长效机制，加强建筑工地监管。"),
                 staff)  # left at 问
    duplicate = ops.add_item(review, ops.ItemData(origin=Origin.OPINION,
                                                  question="完善扬尘污染防治长效机制，加强建筑工地监管"), staff)
    corrections.withdraw_item(duplicate, "与上一条重复录入", staff)  # 作废: kept and marked

    pdf = UploadedFile("整改进展证明材料.pdf", b"%PDF-1.4\n% demo evidence\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    def assign(item, unit_name, days, co=()):
        ops.assign_item(item, ops.Assignment(unit_id[unit_name], [unit_id[c] for c in co],
                                             today + timedelta(days=days)), staff)

    def report_and_accept(item, unit_user, text):
        ops.submit_report(item, text, [], unit_user)
        ops.accept_report(item, staff)

    def vote_and_close(item, grades):
        evaluation = ev.open_evaluation(item, EvaluationMode.ONLINE, len(reviewers), staff)
        for reviewer, grade in zip(reviewers, grades, strict=False):
            ev.cast_vote(evaluation, item, grade, reviewer)
        return evaluation

    s, b, u = Grade.SATISFIED, Grade.BASIC, Grade.UNSATISFIED
    # 1: closed after two rounds (不满意, then 满意)
    item = items[0]
    assign(item, "区教育局", 60, co=["区住房和城乡建设局"])
    ops.acknowledge(item, edu)
    ops.post_progress(item, ops.EntryKind.PROGRESS, "两所新建小学已完成主体施工。", [pdf], edu)
    report_and_accept(item, edu, "第一轮整改情况报告：已消除大班额42个，剩余18个。")
    ev.close_evaluation(vote_and_close(item, [s, u, u, b, u]), item, staff)
    ops.post_progress(item, ops.EntryKind.PROGRESS, "秋季学期完成学位调配。", [], edu)
    report_and_accept(item, edu, "第二轮整改情况报告：56人以上大班额已全部消除。")
    ev.close_evaluation(vote_and_close(item, [s, s, s, b, s]), item, staff)
    # 2: evaluation open, two votes in
    item = items[1]
    assign(item, "区教育局", 45)
    ops.acknowledge(item, edu)
    report_and_accept(item, edu, "整改情况报告：已通过走教方式为38所农村学校配齐音体美教师。")
    evaluation = ev.open_evaluation(item, EvaluationMode.ONLINE, len(reviewers), staff)
    ev.cast_vote(evaluation, item, s, reviewers[1])
    ev.cast_vote(evaluation, item, b, reviewers[2])
    # 3: report waiting for review, co-unit involved
    item = items[2]
    assign(item, "区卫生健康局", 30, co=["区财政局"])
    ops.acknowledge(item, health)
    ops.post_progress(item, ops.EntryKind.RESPONSE, "整改方案：提高基层岗位补贴标准，落实职称评审倾斜。", [pdf], health)
    ops.submit_report(item, "整改情况报告：已出台基层卫生人才激励办法。", [], health)
    # 4: rectifying and overdue (assigned 40 days ago, due 5 days ago), extension pending
    item = items[3]
    ops.assign_item(item, ops.Assignment(unit_id["区教育局"], [], today - timedelta(days=5)), staff,
                    today=today - timedelta(days=40))
    ops.acknowledge(item, edu)
    reason = "课后服务管理办法需征求家长和学校意见，申请延期一个月。"
    ops.request_extension(item, reason, today + timedelta(days=25), edu)
    # 5: assigned, waiting for 签收, due soon
    assign(items[4], "区卫生健康局", 3, co=["区教育局"])
    # 6: report accepted, ready for evaluation
    item = items[5]
    assign(item, "区教育局", 40)
    ops.acknowledge(item, edu)
    report_and_accept(item, edu, "整改情况报告：20所学校周边已设置护学岗，新增临时停车位300个。")
    # 7: failed round 1 (石泉县 rule is not used here; 镇海区 不满意) and now rectifying in round 2
    item = items[6]
    assign(item, "区卫生健康局", 50)
    ops.acknowledge(item, health)
    report_and_accept(item, health, "整改情况报告：已开展履约情况专项检查。")
    ev.close_evaluation(vote_and_close(item, [s, u, u, u, b]), item, staff)
    # ... and its round-2 report was returned with a reason: 区卫生健康局's home page shows it.
    ops.submit_report(item, "第二轮整改情况报告：已约谈履约不到位的家庭医生团队。", [], health)
    ops.return_report(item, "请补充签约履约率整改前后的对比数据和群众满意度调查结果。", staff)
    # 审议意见: one assigned to a unit 40 days ago and silent since (无进展), one answered by its
    # 研究处理方案, one only recorded
    ops.assign_item(items[7], ops.Assignment(unit_id["区生态环境分局"], [], today + timedelta(days=50)), staff,
                    today=today - timedelta(days=40))
    plan = "区住房和城乡建设局研究处理方案：分三批推进老旧小区改造。"
    ops.record_answer(items[8], ops.AnswerData(None, None, plan, None), staff)
    _demo_document(today, staff, health, unit_id)
    _demo_accountability(items, today, edu, health)
    # 向社会公布: the inquiry and its items, so the public section has something to show
    # (including the overdue item on the 逾期未办结 list).
    activity_ops.set_activity_published(inquiry, True, staff)
    for item in items[:7]:
        ops.set_item_published(item, True, staff)
    from .demo_closure import load_closure_demo
    load_closure_demo(today, staff, edu, health, reviewers, unit_id)
    from .demo_inquiry import load_demo_backfill, load_demo_inquiry
    load_demo_inquiry(today, staff, unit_id)  # pasted record: several officials, dated promises
    load_demo_backfill(staff, unit_id)  # a 2018 document with its real history (补录)
    from .demo_commitments import load_demo_commitments
    load_demo_commitments(today, items, staff, edu, health)
    _demo_sitting(today, staff, edu, health, unit_id)  # last: tests read it as the latest counted sitting
    db.session.flush()


def _demo_accountability(items, today, edu, health) -> None:
    """退办 and 预计完成日期: a pending 退办 on the item waiting for 签收, and the overdue
    item's declared date (shown on the public 逾期未办结 list)."""
    from datetime import timedelta

    from .services.declared_dates import declare_expected_date
    from .services.handbacks import request_handback
    request_handback(items[4], "乡镇卫生院人员编制属机构编制部门职责，建议由区委编办牵头，本局协办。", None, health,
                     today=today)
    declare_expected_date(items[3], today + timedelta(days=30), "课后服务管理办法须征求家长和学校意见，"
                          "预计下月中旬印发实施。", edu, today=today)


def _demo_document(today, staff, health, unit_id) -> None:
    """A 审议意见 handled as the document it is: pasted whole and split by its own numbering,
    eight points 交办'd at once, answered by one 研究处理情况报告 that staff returned once
    (the unit resubmitted from the returned text) and then accepted with a 审查意见."""
    from datetime import timedelta

    from .demo_document import LINE_CLASSES, LINES, PRIMARY_CARE_OPINION
    from .models import ActivityKind, LineStatus
    from .paste import split_opinion
    from .services import activities as activity_ops
    from .services import documents as docs
    from .services import items as ops
    from .services import reports
    from .workdays import add_months

    meeting = today - timedelta(days=75)
    activity = activity_ops.create_activity(activity_ops.ActivityData(
        kind=ActivityKind.REPORT_REVIEW, title="审议区人民政府关于基层医疗卫生服务体系建设情况的报告",
        meeting_session=29, meeting_term=17, meeting_date=meeting, adopted_on=meeting + timedelta(days=7),
        conveyed_on=meeting + timedelta(days=10), document_number=f"X人常办〔{meeting.year}〕12号",
        report_title="区人民政府关于基层医疗卫生服务体系建设情况的报告", target_organ="区人民政府",
        lead_committee_id=unit_id["社会建设工作委员会"], evaluation_rule_key="zhenhai"), staff)
    split = split_opinion(PRIMARY_CARE_OPINION)
    rows = [docs.PointRow(p.ref, p.text, p.parent, unit_id["区卫生健康局"]) for p in split.points]
    points = docs.save_document_points(activity, rows, split.preamble, staff)
    docs.assign_points([docs.AssignRow(p, unit_id["区卫生健康局"]) for p in points], today + timedelta(days=20),
                       staff, today=meeting + timedelta(days=10))
    for point in points:
        ops.acknowledge(point, health)
    lines = [reports.ReportLine(point, LineStatus(status), add_months(today, months) if months else None, note,
                                LINE_CLASSES[LineStatus(status)])
             for point, (status, months, note) in zip(points, LINES, strict=True)]
    first = reports.submit_report(activity, "区人民政府对审议意见高度重视，逐条研究，现将研究处理情况报告如下。",
                                  lines, [], health)
    reports.return_report(first, "第六条“列入明年计划”未说明经费来源和时间安排，请补充后重新报送。", staff)
    second = reports.submit_report(
        activity, first.text + "\n关于第六条：急救站点布局调整所需经费已列入明年区级财政预算，计划明年9月底前完成。",
        lines, [], health, keep_from=first)
    reports.accept_report(second, "总体同意。请区卫生健康局于明年6月底前书面报告急救站点布局调整和医共体建设进展。",
                          staff)
    activity_ops.set_activity_published(activity, True, staff)
    ops.set_items_published(activity, True, staff)


SITTING_OPINIONS = [
    ("区教育局", "加快普惠性托育机构建设，扩大婴幼儿照护服务供给。", "已新建普惠托位420个。"),
    ("区卫生健康局", "推进医养结合，提升社区卫生服务中心的老年健康服务能力。", "12家社区卫生服务中心已设老年病床。"),
    ("区教育局", "完善老年教育网络，推动老年大学向街道、社区延伸。", "已在8个街道开设老年学堂分校。"),
    ("区卫生健康局", "加强家庭医生签约服务，提高失能老人上门服务覆盖率。", "失能老人家庭医生签约率达到78%。"),
]
# 表决器 rows as a published table has them: the fourth adds up to 28 of 29 present.
SITTING_TALLY = [(20, 6, 2, 1), (15, 8, 5, 1), (10, 5, 13, 1), (18, 6, 4, 0)]


def _demo_sitting(today, staff, edu, health, unit_id) -> None:
    """A closed 测评会议 over four reports, counted from a 表决器 table, with its 通报."""
    from datetime import timedelta

    from .models import ActivityKind, EvaluationMode, Origin
    from .services import activities as activity_ops
    from .services import counting, sittings
    from .services import items as ops

    activity = activity_ops.create_activity(activity_ops.ActivityData(
        kind=ActivityKind.REPORT_REVIEW, title="审议区人民政府关于养老服务体系建设情况的报告", meeting_session=24,
        meeting_date=today - timedelta(days=150), report_title="区人民政府关于养老服务体系建设情况的报告",
        target_organ="区人民政府", lead_committee_id=unit_id["社会建设工作委员会"], evaluation_rule_key="zhenhai"),
        staff)
    users = {"区教育局": edu, "区卫生健康局": health}
    item_ids = []
    for unit_name, opinion, report in SITTING_OPINIONS:
        item = ops.add_item(activity, ops.ItemData(origin=Origin.OPINION, question=opinion,
                                                   asked_unit_id=unit_id[unit_name]), staff)
        ops.assign_item(item, ops.Assignment(unit_id[unit_name], [], today + timedelta(days=20)), staff,
                        today=today - timedelta(days=100))
        ops.acknowledge(item, users[unit_name])
        ops.submit_report(item, f"研究处理情况报告：{report}", [], users[unit_name])
        ops.accept_report(item, staff)
        item_ids.append(item.id)
    sitting = sittings.open_sitting(sittings.SittingData(
        "常委会第二十八次会议审议意见研究处理情况满意度测评", today - timedelta(days=2), 33, EvaluationMode.MEETING,
        "zhenhai", item_ids), staff)
    sittings.set_attendance(sitting, 29, staff)
    entries = sittings.load_entries(sitting)
    sittings.enter_rows(sitting, {e.id: sittings.Row(*counts, confirm_unbalanced=True)
                                  for e, counts in zip(entries, SITTING_TALLY, strict=True)}, staff)
    sittings.stop_sitting(sitting, staff)
    counting.count_sitting(sitting, staff, today)
