"""The daily ``remind`` job: lights at each boundary, the escalation ladder, idempotency,
and a crash half-way that neither loses nor duplicates a notice.

Dates are fixed around National Day 2025 (Oct 1–8 off; Sun Sep 28 and Sat Oct 11
worked), so the yellow window is counted in real working days: from Fri 26 Sep the
5th working day is Fri 10 Oct and the 6th is the make-up Saturday 11 Oct.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.jobs import remind as remind_module
from tracker.jobs.remind import run_remind
from tracker.lights import light_for
from tracker.models import AuditEntry, Item, Notice, NoticeKind, Notification, User, local_today
from tracker.services.deadlines import LADDER_DEFAULTS
from tracker.services.settings import set_setting
from tracker.workdays import Light

from .conftest import login_as
from .helpers import make_activity, make_item

TODAY = date(2025, 9, 26)  # a Friday before the National Day week


def _item_due(deadline: date, **kwargs) -> Item:
    item = make_item(stage="rectifying", **kwargs)
    item.deadline = item.original_deadline = deadline
    db.session.commit()
    return item


def _notices(kind: NoticeKind | None = None) -> list[Notice]:
    stmt = sa.select(Notice).order_by(Notice.id)
    if kind:
        stmt = stmt.where(Notice.kind == kind)
    return list(db.session.scalars(stmt))


def _reminders() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.kind == "reminder"))


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize(("deadline", "light"), [
    (date(2025, 9, 25), Light.RED),  # yesterday: overdue
    (date(2025, 9, 26), Light.YELLOW),  # due today is still yellow
    (date(2025, 10, 8), Light.YELLOW),  # inside the holiday: 3 working days away
    (date(2025, 10, 10), Light.YELLOW),  # exactly 5 working days
    (date(2025, 10, 11), Light.GREEN),  # the make-up Saturday is the 6th working day
])
def test_light_at_each_boundary_across_national_day(app_ctx, demo, deadline, light):
    item = _item_due(deadline)
    assert light_for(item, TODAY) is light
    result = run_remind(TODAY)
    assert result.lights[light] == 1
    expected = {Light.RED: NoticeKind.WARN, Light.YELLOW: NoticeKind.REMIND, Light.GREEN: None}[light]
    assert [n.kind for n in _notices()] == ([expected] if expected else [])


def test_yellow_threshold_is_a_setting(app_ctx, demo):
    _item_due(date(2025, 10, 10))
    set_setting("yellow_workdays", 4)
    db.session.commit()
    assert run_remind(TODAY).lights[Light.GREEN] == 1
    assert _notices() == []


def test_escalation_ladder_reminder_warning_then_supervision(app_ctx, demo):
    item = _item_due(date(2025, 10, 10))
    run_remind(TODAY)  # yellow: a reminder
    assert [n.kind for n in _notices()] == [NoticeKind.REMIND]
    run_remind(date(2025, 10, 13))  # red: a warning
    assert [n.kind for n in _notices()] == [NoticeKind.REMIND, NoticeKind.WARN]
    assert not db.session.get(Item, item.id).supervised
    run_remind(date(2025, 11, 8))  # 29 days overdue: not yet
    assert len(_notices()) == 2
    result = run_remind(date(2025, 11, 9))  # 30 days overdue: 挂牌督办
    assert result.sent == {NoticeKind.ESCALATE: 1}
    item = db.session.get(Item, item.id)
    assert item.supervised
    assert db.session.scalar(sa.select(AuditEntry.summary).where(
        AuditEntry.item_id == item.id, AuditEntry.action == "item.supervise")).startswith("逾期 30 天")
    # The unit was told at every rung; the escalation also reaches staff.
    unit_user = db.session.scalar(sa.select(User.id).where(User.username == "unit_edu"))
    staff_user = db.session.scalar(sa.select(User.id).where(User.username == "staff"))
    kinds = db.session.execute(sa.select(Notification.user_id, Notification.kind)
                               .where(Notification.kind != "assign").order_by(Notification.id)).all()
    assert [k for u, k in kinds if u == unit_user] == ["reminder", "reminder", "supervise"]
    assert [k for u, k in kinds if u == staff_user] == ["supervise"]


def test_ladder_settings_switch_rungs_off(app_ctx, demo):
    _item_due(date(2025, 10, 10))
    _item_due(date(2025, 8, 1))
    set_setting("escalation_ladder", {**LADDER_DEFAULTS, "remind_on_yellow": False, "warn_on_red": False,
                                      "supervise_after_overdue_days": None})
    db.session.commit()
    result = run_remind(TODAY)
    assert result.lights == {Light.YELLOW: 1, Light.RED: 1}
    assert result.total_sent == 0


def test_failed_rounds_escalate_when_the_ladder_sets_k(app_ctx, demo):
    from tracker.models import EvaluationMode
    from tracker.services import evaluations as ev
    from tracker.tally import Grade

    from .helpers import current_evaluation, user
    activity = make_activity(rule="anhui2013")  # its own rule never escalates before round 2
    item = make_item(activity=activity, stage="accepted")
    evaluation = ev.open_evaluation(item, EvaluationMode.ONLINE, 5, user("staff"))
    for i in range(1, 5):
        ev.cast_vote(evaluation, item, Grade.BASIC, user(f"reviewer{i}"))
    ev.close_evaluation(current_evaluation(item) or evaluation, item, user("staff"))
    db.session.commit()
    assert not item.supervised and item.round == 2
    assert run_remind(TODAY).sent.get(NoticeKind.ESCALATE, 0) == 0
    set_setting("escalation_ladder", {**LADDER_DEFAULTS, "supervise_after_failed_rounds": 1})
    db.session.commit()
    assert run_remind(TODAY).sent[NoticeKind.ESCALATE] == 1
    assert db.session.get(Item, item.id).supervised


def test_unassigned_items_past_the_assign_rule_remind_staff(app_ctx, demo):
    item = make_item(stage="answered")  # meeting 10 days ago, 交办 rule: 3 working days
    db.session.commit()
    result = run_remind(local_today())
    assert result.sent == {NoticeKind.ASSIGN_DUE: 1}
    staff_id = db.session.scalar(sa.select(User.id).where(User.username == "staff"))
    assert db.session.scalar(sa.select(Notification.kind).where(Notification.user_id == staff_id)) == "assign_due"
    assert _notices()[0].item_id == item.id and _notices()[0].unit_id is None


def test_remind_twice_sends_nothing_twice(app, demo):
    with app.app_context():
        for deadline in (date(2025, 9, 20), date(2025, 10, 9), date(2025, 8, 1), date(2025, 12, 1)):
            _item_due(deadline)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["remind", "--date", TODAY.isoformat()])
    assert first.exit_code == 0, first.output
    assert "逾期警告 2" in first.output and "临期提醒 1" in first.output and "提请挂牌督办 1" in first.output
    with app.app_context():
        counts = (_count(Notice), _count(Notification), _count(AuditEntry))
    second = runner.invoke(args=["remind", "--date", TODAY.isoformat()])
    assert second.exit_code == 0, second.output
    # Three rungs are found already sent; the escalated item is now supervised, so not even a candidate.
    assert "本次发出：无" in second.output and "此前已发不重复发送 3 条" in second.output
    with app.app_context():
        assert (_count(Notice), _count(Notification), _count(AuditEntry)) == counts
        keys = [n.dedupe_key for n in _notices()]
        assert len(keys) == len(set(keys)) == 4


def test_bad_date_option_is_refused_in_chinese(app):
    result = app.test_cli_runner().invoke(args=["remind", "--date", "2025-13-01"])
    assert result.exit_code != 0 and "日期格式应为" in result.output


def test_crash_half_way_loses_and_duplicates_nothing(app_ctx, demo, monkeypatch):
    """Batches of two: the third batch write crashes; the first two batches stay, whole."""
    for offset in range(5):
        _item_due(date(2025, 9, 1) + timedelta(days=offset))  # five overdue items
    monkeypatch.setattr(remind_module, "BATCH_SIZE", 2)
    real_history, calls = remind_module.record_system_batch, []

    def crashing_history(rows):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("simulated crash")
        return real_history(rows)

    monkeypatch.setattr(remind_module, "record_system_batch", crashing_history)
    with pytest.raises(RuntimeError):
        run_remind(TODAY)
    db.session.rollback()
    assert len(_notices()) == 2  # the first batch committed; the second rolled back whole
    assert _reminders() == 2
    monkeypatch.setattr(remind_module, "record_system_batch", real_history)
    result = run_remind(TODAY)
    assert result.sent == {NoticeKind.WARN: 3} and result.already_sent == 2
    notices = _notices()
    assert len(notices) == 5 and len({n.item_id for n in notices}) == 5
    assert _reminders() == 5  # one unit user each, nothing doubled


def test_an_item_that_changed_after_planning_is_skipped(app_ctx, demo, monkeypatch):
    item = _item_due(date(2025, 9, 1))
    real_plan = remind_module.plan

    def plan_then_extend(today, result):
        candidates = real_plan(today, result)
        db.session.get(Item, item.id).deadline = date(2025, 12, 31)  # an extension approved meanwhile
        db.session.commit()
        return candidates

    monkeypatch.setattr(remind_module, "plan", plan_then_extend)
    result = run_remind(TODAY)
    assert result.total_sent == 0 and result.skipped == 1


def test_supervised_list_shows_escalated_items_with_reason(app, demo):
    with app.app_context():
        item_id = _item_due(date(2025, 8, 1)).id
        run_remind(TODAY)
    staff = login_as(app, "staff")
    body = staff.get("/followup/supervised").get_data(as_text=True)
    assert f"/items/{item_id}" in body and "提请主任会议挂牌督办" in body
    page = staff.get(f"/items/{item_id}").get_data(as_text=True)
    assert "逾期警告" in page and "系统自动" in page


def _statements_during(fn) -> int:
    count = 0

    def listen(*_args, **_kwargs):
        nonlocal count
        count += 1
    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)
    return count


def _many_due(n: int) -> None:
    for i in range(n):
        _item_due(date(2025, 9, 1) + timedelta(days=i % 20), unit_name="区教育局" if i % 2 else "区卫生健康局")


def test_query_count_does_not_grow_with_the_number_of_items(app_ctx, demo):
    """Batched sending: warning 4 overdue items and warning 36 more cost the same statements."""
    _many_due(4)
    results = []
    small = _statements_during(lambda: results.append(run_remind(TODAY)))
    _many_due(36)
    db.session.commit()
    large = _statements_during(lambda: results.append(run_remind(TODAY)))
    assert [r.sent for r in results] == [{NoticeKind.WARN: 4}, {NoticeKind.WARN: 36}]
    assert _count(Notice) == 40 and _reminders() == 40
    # The first run also reads settings cached for the rest of the context: never more, not equal.
    assert large <= small < 40


def test_batched_history_keeps_the_hash_chain_and_reruns_send_nothing(app_ctx, demo, monkeypatch):
    from tracker.services.audit_chain import verify_chain
    monkeypatch.setattr(remind_module, "BATCH_SIZE", 3)
    _many_due(7)
    first = run_remind(TODAY)
    assert first.total_sent > 3 and first.batches >= 3
    counts = (_count(Notice), _count(Notification), _count(AuditEntry))
    again = run_remind(TODAY)
    assert again.total_sent == 0 and (_count(Notice), _count(Notification), _count(AuditEntry)) == counts
    report = verify_chain(db.session.connection())
    assert report.ok, report.broken
    # Each notice has its history row, addressed to the notice, written by the system.
    rows = db.session.execute(sa.select(AuditEntry.object_id, AuditEntry.actor_name)
                              .where(AuditEntry.object_type == "notice")).all()
    assert {r.object_id for r in rows} == set(db.session.scalars(sa.select(Notice.id)))
    assert {r.actor_name for r in rows} == {"系统"}


def test_silent_items_are_reminded_once_per_spell(app_ctx, demo):
    set_setting("silent_workdays", 5)
    item = _item_due(date(2025, 12, 31))  # green by its deadline
    item.last_activity_on = date(2025, 9, 12)
    db.session.commit()
    result = run_remind(TODAY)
    assert result.silent == 1 and result.sent == {NoticeKind.SILENT: 1}
    notice = _notices(NoticeKind.SILENT)[0]
    assert "无进展提醒" in notice.text and notice.unit_id == item.lead_unit_id
    assert _reminders() == 1  # the unit's user hears about it
    assert run_remind(TODAY).total_sent == 0  # same day: nothing again
    assert run_remind(TODAY + timedelta(days=3)).total_sent == 0  # same spell of silence: nothing again
    item = db.session.get(Item, item.id)
    item.last_activity_on = date(2025, 9, 15)  # a post, then silence again
    db.session.commit()
    assert run_remind(TODAY).sent == {NoticeKind.SILENT: 1}


# -- commitments (承诺) through the same batched pipeline ---------------------------------

def _promise(item: Item, due: date, text: str = "年底前完成改造") -> int:
    from tracker.models import Commitment, CommitmentSource
    commitment = Commitment(item_id=item.id, text=text, source=CommitmentSource.ANSWER, due_on=due,
                            confirmed_at=sa.func.now())
    db.session.add(commitment)
    db.session.commit()
    return commitment.id


def test_commitments_are_sent_in_batches_with_their_history_and_chain(app_ctx, demo, monkeypatch):
    from tracker.services.audit_chain import verify_chain
    monkeypatch.setattr(remind_module, "BATCH_SIZE", 3)
    item = _item_due(date(2025, 12, 31))  # green: only its commitments are due
    ids = [_promise(item, date(2025, 9, 1) + timedelta(days=i)) for i in range(5)]  # five overdue promises
    result = run_remind(TODAY)
    assert result.commitments.sent == {NoticeKind.WARN: 5} and result.batches == 2
    assert result.commitments.open_dated == 5
    rows = db.session.execute(sa.select(AuditEntry.details, AuditEntry.actor_name)
                              .where(AuditEntry.object_type == "notice")).all()
    assert sorted(r.details["commitment_id"] for r in rows) == ids and {r.actor_name for r in rows} == {"系统"}
    assert _reminders() == 5 and {n.unit_id for n in _notices()} == {item.lead_unit_id}
    assert verify_chain(db.session.connection()).ok
    again = run_remind(TODAY)
    assert again.total_sent == 0 and again.commitments.already_sent == 5


def test_a_commitment_kept_or_redated_after_planning_is_skipped(app_ctx, demo, monkeypatch):
    from tracker.models import Commitment, CommitmentStatus
    item = _item_due(date(2025, 12, 31))
    kept, moved, still = (_promise(item, date(2025, 9, 1)) for _ in range(3))
    real_plan = remind_module.plan

    def plan_then_act(today, result):
        candidates = real_plan(today, result)
        db.session.get(Commitment, kept).status = CommitmentStatus.KEPT
        db.session.get(Commitment, moved).due_on = date(2025, 12, 1)
        db.session.commit()
        return candidates

    monkeypatch.setattr(remind_module, "plan", plan_then_act)
    result = run_remind(TODAY)
    assert result.commitments.sent == {NoticeKind.WARN: 1} and result.skipped == 2
    [notice] = _notices()
    assert notice.dedupe_key == f"commitment-warn:{still}:2025-09-01"


def test_a_closed_item_keeps_its_commitment_reminders_and_a_new_date_is_a_new_key(app_ctx, demo):
    from tracker.models import Commitment, Stage
    item = make_item(stage="closed")
    commitment_id = _promise(item, date(2025, 9, 29))  # yellow
    assert run_remind(TODAY).commitments.sent == {NoticeKind.REMIND: 1}
    assert run_remind(TODAY).total_sent == 0  # the closed item's key is still found
    db.session.get(Commitment, commitment_id).due_on = date(2025, 9, 30)
    db.session.commit()
    assert run_remind(TODAY).commitments.sent == {NoticeKind.REMIND: 1}
    db.session.get(Item, item.id).stage = Stage.WITHDRAWN
    db.session.get(Commitment, commitment_id).due_on = date(2025, 10, 9)
    db.session.commit()
    assert run_remind(TODAY).total_sent == 0  # 作废: no promise left to follow


def test_commitment_query_count_does_not_grow(app_ctx, demo):
    item = _item_due(date(2025, 12, 31))
    for i in range(4):
        _promise(item, date(2025, 9, 1) + timedelta(days=i))
    small = _statements_during(lambda: run_remind(TODAY))
    for i in range(40):
        _promise(item, date(2025, 8, 1) + timedelta(days=i % 20))
    large = _statements_during(lambda: run_remind(TODAY))
    assert _count(Notice) == 44 and large <= small


def test_batched_mail_goes_to_the_outbox_with_the_inbox_line(app_ctx, demo, monkeypatch):
    """With mail configured each inbox line of a user with an address is queued once, in the
    same batch (one statement per table on either database)."""
    from tracker.models import OutboxMail
    monkeypatch.setitem(app_ctx.config, "MAIL_SERVER", "127.0.0.1")
    item = _item_due(date(2025, 12, 31))
    _promise(item, date(2025, 9, 1), text="九月前完成校车线路调整")
    for account in db.session.scalars(sa.select(User).where(User.unit_id == item.lead_unit_id)):
        account.email = f"{account.username}@example.org"
    db.session.commit()
    result = run_remind(TODAY, deliver_mail=False)
    assert result.commitments.sent == {NoticeKind.WARN: 1}
    mails = db.session.scalars(sa.select(OutboxMail)).all()
    assert len(mails) == _reminders() >= 1
    assert all(m.attempts == 0 and m.sent_at is None and m.created_at is not None for m in mails)
    assert all("九月前完成校车线路调整" in m.body for m in mails)
    assert run_remind(TODAY, deliver_mail=False).total_sent == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == len(mails)
