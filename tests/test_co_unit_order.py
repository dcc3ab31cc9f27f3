"""``item_co_unit``'s copies of their item's urgency, deadline and stage
(``models/co_unit_order.py``).

The co-unit arm of a unit's list walks ``ix_item_co_unit_order`` on those copies and stops
after a page (``visibility.unit_item_arms``), and 我的事项 finds its 待签收 co-unit rows by the
stage copy (``ix_item_co_unit_stage``), so (1) after any sequence of real operations every
co-unit row must carry its item's values, and (2) the unit lists must return exactly the
rows, in the order, of the plain query (visibility rule + ``urgency_order``) — on data with
ties, NULL deadlines and items a unit both leads and co-handles.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.list_page import list_page
from tracker.models import ExtensionRequest, Item, Origin, Stage, Unit, UnitKind, User, item_co_unit, local_today
from tracker.queries import ItemFilters, apply_filters, urgency_order, visible_items
from tracker.services import OperationError, corrections
from tracker.services import items as ops
from tracker.services.closure import reopen_item
from tracker.workflow import InvalidTransition

from .co_unit_support import stale_rows
from .helpers import make_activity, make_item, user


def _organs() -> list[Unit]:
    return db.session.scalars(sa.select(Unit).where(Unit.kind != UnitKind.COMMITTEE).order_by(Unit.id)).all()


def _lead_user(item: Item):
    return db.session.scalar(sa.select(User).where(User.unit_id == item.lead_unit_id, User.active.is_(True)))


def _random_step(rng: random.Random, item: Item, organs: list[Unit]) -> str:
    """One real operation on ``item``, chosen at random; refused ones change nothing."""
    staff = user("staff")
    kind = rng.choice(["correct", "acknowledge", "report", "accept", "return", "extend", "withdraw", "reopen"])
    if kind == "correct":  # other co-units and/or another deadline
        co = [u.id for u in rng.sample(organs, rng.randint(0, 3))]
        deadline = item.deadline if rng.random() < 0.3 else local_today() + timedelta(days=rng.randint(-20, 90))
        corrections.correct_assignment(item, corrections.Correction(item.lead_unit_id, co, deadline or local_today(),
                                                                    item.question, "更正交办"), staff)
    elif kind == "acknowledge":
        ops.acknowledge(item, _lead_user(item))
    elif kind == "report":
        ops.submit_report(item, "已完成整改。", [], _lead_user(item))
    elif kind == "accept":
        ops.accept_report(item, staff)
    elif kind == "return":
        ops.return_report(item, "材料不全，请补充。", staff)
    elif kind == "extend":
        later = (item.deadline or local_today()) + timedelta(days=30)
        request = ops.request_extension(item, "工程量较大需要延期", later, _lead_user(item))
        ops.decide_extension(item, request, rng.random() < 0.8, None, staff)
    elif kind == "withdraw":
        corrections.withdraw_item(item, "重复录入", staff)
    else:
        reopen_item(item, "整改不到位", staff)
    return kind


def test_copies_follow_every_operation(app, demo):
    """交办 with co-units, 更正交办 (co-units, deadline), stage changes, 延期, 作废, 重新打开:
    after each flush every co-unit row equals its item."""
    rng = random.Random(16)
    with app.test_request_context():
        organs = _organs()
        activity = make_activity()
        lead_names = ["区教育局", "区卫生健康局"]
        items = [make_item(activity, stage=stage, unit_name=rng.choice(lead_names),
                           co_units=[u.name for u in rng.sample(organs[2:], rng.randint(1, 2))],
                           deadline_days=rng.randint(1, 40))
                 for stage in ("assigned", "rectifying", "reported", "accepted", "closed") for _ in range(2)]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(item_co_unit)) >= len(items)
        assert not stale_rows()
        done = set()
        for _ in range(150):
            item = rng.choice(items)
            try:
                with db.session.begin_nested():
                    done.add(_random_step(rng, item, [u for u in organs if u.id != item.lead_unit_id]))
                    db.session.flush()
            except (OperationError, InvalidTransition):  # not possible in the item's stage
                continue
            assert not stale_rows(), done
        db.session.commit()
        assert not stale_rows()
        # 签收 (待签收 → 整改中) and 提交报告 keep the urgency: only the stage copy moves.
        assert {"correct", "acknowledge", "report", "accept", "extend", "withdraw"} <= done, done
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ExtensionRequest)) > 0
        stages = set(db.session.scalars(sa.select(Item.stage).where(Item.id.in_(
            sa.select(item_co_unit.c.item_id)))))
        assert len(stages) >= 4, stages  # the copies were checked across urgency 0 and 1


def test_bulk_updates_of_the_order_keys_are_followed(app, demo):
    """``update(Item)`` bypasses the flush: one that sets the deadline, urgency or stage —
    by a WHERE clause or by primary key — has the matched items' co-unit rows copied too."""
    with app.test_request_context():
        items = [make_item(stage="rectifying", co_units=["区财政局", "区民政局"]) for _ in range(3)]
        other = make_item(stage="rectifying", co_units=["区财政局"])
        db.session.commit()
        ids = [i.id for i in items]
        db.session.execute(sa.update(Item).where(Item.id.in_(ids)).values(deadline=date(2031, 5, 6)))
        db.session.execute(sa.update(Item).where(Item.id == ids[0]).values(urgency=1, stage=Stage.CLOSED))
        version = db.session.scalar(sa.select(Item.version).where(Item.id == ids[1]))
        db.session.execute(sa.update(Item), [{"id": ids[1], "version": version, "deadline": None}])
        db.session.execute(sa.update(Item).where(Item.id == other.id).values(supervised=True))
        db.session.commit()
        assert not stale_rows()
        copies = dict(db.session.execute(sa.select(item_co_unit.c.item_id, item_co_unit.c.deadline)).all())
        assert copies[ids[1]] is None and copies[ids[2]] == date(2031, 5, 6) and copies[other.id] != copies[ids[2]]
        # The stage alone, between stages of equal urgency (整改中 → 报告待审核, 待签收): by a
        # WHERE clause and by primary key.
        db.session.execute(sa.update(Item).where(Item.id == ids[2]).values(stage=Stage.REPORTED))
        version = db.session.scalar(sa.select(Item.version).where(Item.id == other.id))
        db.session.execute(sa.update(Item), [{"id": other.id, "version": version, "stage": Stage.ASSIGNED}])
        db.session.commit()
        assert not stale_rows()
        stages = dict(db.session.execute(sa.select(item_co_unit.c.item_id, item_co_unit.c.stage)).all())
        assert stages[ids[0]] == Stage.CLOSED and stages[ids[1]] == Stage.RECTIFYING
        assert stages[ids[2]] == Stage.REPORTED and stages[other.id] == Stage.ASSIGNED


@pytest.fixture
def tangled(app, demo):
    """区教育局's items: led, co-handled, and both at once (a co-unit row for an item it leads,
    which only the lead arm may show); equal deadlines, NULL deadlines, every stage."""
    rng = random.Random(7)
    with app.test_request_context():
        organs = _organs()
        edu = next(u for u in organs if u.name == "区教育局")
        others = [u for u in organs if u is not edu]
        activity = make_activity()
        today = local_today()
        seq = 1000
        for n in range(90):
            stage = rng.choice(list(Stage))
            lead = rng.choice([edu, edu, *others[:3], None])
            co = rng.sample(others[3:], rng.randint(0, 2))
            if lead is not edu and rng.random() < 0.6:
                co.append(edu)
            elif lead is edu and rng.random() < 0.3:
                co.append(edu)  # led and co-handled: listed once, by the lead arm
            deadline = None if rng.random() < 0.2 else today + timedelta(days=rng.choice([-5, 0, 0, 3, 3, 20]))
            seq += 1
            db.session.add(Item(activity_id=activity.id, seq=seq, origin=Origin.OPINION,
                                question=f"事项{n}", stage=stage, lead_unit_id=lead.id if lead else None,
                                co_units=co, deadline=deadline, round=1 + (n % 5 == 0)))
        db.session.commit()
    return app


@pytest.mark.parametrize("args", [{}, {"stage": "改"}, {"stage": "rectifying"}, {"overdue": "1"}])
def test_unit_lists_equal_the_plain_query(tangled, args):
    today = local_today()
    with tangled.app_context():
        unit_user, staff = user("unit_edu"), user("staff")
        filters = ItemFilters.from_args(args)
        stmt = apply_filters(visible_items(unit_user), filters, today).order_by(*urgency_order(today))
        expected = list(db.session.scalars(stmt.with_only_columns(Item.id)))
        assert len(expected) > 8 or args
        co_handled = set(db.session.scalars(sa.select(item_co_unit.c.item_id).where(
            item_co_unit.c.unit_id == unit_user.unit_id)))
        assert co_handled & set(expected) or args.get("overdue")
        staff_filters = ItemFilters.from_args(args | {"unit": str(unit_user.unit_id)})
        for viewer, f in ((unit_user, filters), (staff, staff_filters)):
            for per_page in (4, 50):
                seen = []
                for number in range(1, max(1, -(-len(expected) // per_page)) + 1):
                    page = list_page(viewer, f, number, per_page, today)
                    assert page.total == len(expected)
                    seen += [item.id for item in page.items]
                assert seen == expected, (viewer.username, per_page)


def _return_reports(unit_user, how_many: int) -> set[int]:
    """Returned reports in the current round of ``how_many`` 整改中 items the unit co-handles
    (not leads) and as many it leads: they lead 我的事项 after 待签收."""
    from tracker.models import EntryKind, ProgressEntry, ReviewStatus
    unit_id = unit_user.unit_id
    co = list(db.session.scalars(sa.select(Item).join(item_co_unit, item_co_unit.c.item_id == Item.id).where(
        item_co_unit.c.unit_id == unit_id, Item.stage == Stage.RECTIFYING,
        sa.or_(Item.lead_unit_id != unit_id, Item.lead_unit_id.is_(None))).order_by(Item.id).limit(how_many)))
    led = list(db.session.scalars(sa.select(Item).where(Item.lead_unit_id == unit_id, Item.stage == Stage.RECTIFYING)
                                  .order_by(Item.id).limit(how_many)))
    assert len(co) == len(led) == how_many
    for item in co + led:
        db.session.add(ProgressEntry(item_id=item.id, round=item.round, kind=EntryKind.REPORT, text="整改情况报告",
                                     unit_id=item.lead_unit_id or unit_id, author_id=unit_user.id,
                                     review_status=ReviewStatus.RETURNED, review_note="证据不足"))
    db.session.commit()
    return {i.id for i in co + led}


@pytest.mark.parametrize("returned", [0, 2])
@pytest.mark.parametrize("args", [{}, {"stage": "改"}])
def test_my_items_equal_the_plain_query(tangled, returned, args):
    """我的事项: 待签收 and returned reports first, then urgency, page after page — the co-unit
    arm finding its leading rows by the stage copy and the returned ids on its rows."""
    from tracker.main.todos import attention_first, returned_now_ids
    today = local_today()
    with tangled.app_context():
        unit_user = user("unit_edu")
        marked = _return_reports(unit_user, returned) if returned else set()
        assert set(returned_now_ids()) == marked
        first = attention_first()
        filters = ItemFilters.from_args(args)
        stmt = apply_filters(visible_items(unit_user), filters, today).order_by(
            sa.case((first.clause, first.key), else_=2), *urgency_order(today))
        expected = list(db.session.scalars(stmt.with_only_columns(Item.id), first.params))
        leading = set(db.session.scalars(apply_filters(visible_items(unit_user), filters, today)
                                         .where(first.clause).with_only_columns(Item.id), first.params))
        co_only = set(db.session.scalars(sa.select(item_co_unit.c.item_id).join(Item).where(
            item_co_unit.c.unit_id == unit_user.unit_id,
            sa.or_(Item.lead_unit_id != unit_user.unit_id, Item.lead_unit_id.is_(None)))))
        assert leading & co_only and leading - co_only, "both arms have leading rows"
        assert set(expected[:len(leading)]) == leading and marked <= leading
        for per_page in (5, 50):
            seen = []
            for number in range(1, max(1, -(-len(expected) // per_page)) + 1):
                seen += [i.id for i in list_page(unit_user, filters, number, per_page, today,
                                                 first=attention_first()).items]
            assert seen == expected, per_page


@pytest.mark.sqlite_only
@pytest.mark.parametrize("args", [{}, {"stage": "改"}, {"stage": "rectifying"}])
def test_co_unit_arm_walks_its_index_without_sorting(app, demo, args):
    """SQLite reads the co-unit arm's first page from ``ix_item_co_unit_order`` in order
    (no TEMP B-TREE), also under a stage filter, where it used to start from the stage index."""
    from bench.seed import seed_items
    from tests.test_list_plans import _plans
    from tracker.database import analyze
    from tracker.visibility import CO_UNIT_ORDER, unit_item_arms
    today = local_today()
    with app.app_context():
        seed_items(400, rng_seed=3, open_evaluations=5, long_timeline=20, progress=None)
        analyze(db.session.connection())
        db.session.commit()
        unit_id = user("unit_edu").unit_id
        _lead, co = unit_item_arms(apply_filters(sa.select(Item), ItemFilters.from_args(args), today), unit_id)
        stmt = co.with_only_columns(Item.id, maintain_column_froms=True).order_by(*CO_UNIT_ORDER).limit(50)
        db.session.commit()
        [plan] = _plans(app, lambda: (db.session.execute(stmt).all(), db.session.commit()))
    assert "ix_item_co_unit_order (unit_id=?)" in plan and "TEMP B-TREE" not in plan, plan
    assert plan.index("item_co_unit") < plan.index("SEARCH item USING INTEGER PRIMARY KEY"), plan


@pytest.mark.sqlite_only
@pytest.mark.parametrize("returned", [0, 1])
def test_my_items_attention_reads_only_the_units_assigned_co_unit_rows(app, demo, returned):
    """我的事项's leading statement: the co-unit arm walks ``(unit_id, stage)`` of
    ``ix_item_co_unit_stage`` (the stage copy) in list order and stops after a page — no
    sort, not the unit's urgency-0 rows of the order index, not every 待签收 item through the
    stage index — and the lead arm ``(lead_unit_id, stage)`` of ``ix_item_lead_stage``.
    Returned reports are a part of their own in each arm, with or without any (a subquery
    of the statement; at 100k and 1M items SQLite and PostgreSQL read it by the rows'
    primary key, checked by EXPLAIN on the bench databases; at 400 items SQLite may walk
    the unit's few rows instead)."""
    from bench.seed import seed_items
    from tests.test_list_plans import _plans
    from tracker.database import analyze
    from tracker.main.todos import attention_first
    with app.app_context():
        seed_items(400, rng_seed=3, open_evaluations=5, long_timeline=20, progress=None)
        analyze(db.session.connection())
        db.session.commit()
    with app.test_request_context():
        unit_user = user("unit_edu")
        if returned:
            _return_reports(unit_user, returned)
            analyze(db.session.connection())
        db.session.commit()
        plans = _plans(app, lambda: (list_page(unit_user, ItemFilters(), 1, 50, local_today(),
                                               first=attention_first()), db.session.commit()))
    [page] = [p for p in plans if "ix_item_co_unit_stage" in p]
    leading = page.split("\nSCAN leading")[0]  # the page's statement: its CTE of the leading rows
    # Each part of each arm: its lines from CO-ROUTINE up to its SCAN.
    parts = [part.split("\nSCAN ")[0] for part in leading.split("CO-ROUTINE ")[1:]
             if part.startswith("anon_")]  # not the numbering's own subquery
    assert len(parts) == 4, leading
    [walk] = [p for p in parts if "ix_item_co_unit_stage (unit_id=? AND stage=?)" in p]
    assert "TEMP B-TREE" not in walk, leading
    [lead_walk] = [p for p in parts if "ix_item_lead_stage (lead_unit_id=? AND stage=?)" in p]
    assert "TEMP B-TREE" not in lead_walk, leading
    assert not any("ix_item_co_unit_order (unit_id=? AND urgency=?)" in p for p in plans), plans
    assert not any("ix_item_stage" in p and "item_co_unit" in p for p in plans), plans


@pytest.mark.postgres_only
def test_the_co_unit_arm_reads_each_item_by_its_key_at_a_district_size(app, demo):
    """PostgreSQL, 10k items: a unit's co-unit rows (a few hundred) lead and each item is
    read by its primary key (``visibility.CoUnitJoin``: a ``LATERAL`` subquery). Written as
    a plain join, PostgreSQL hashed the co-unit rows and read every item's index entry to
    join them — in the count and again in the page (1.7 ms each) — on the unit filter, the
    unit's 改 list and 我的事项."""
    from tests.test_list_generic_plans import _seed_10k
    from tracker.main.todos import attention_first
    _seed_10k(app)
    with app.app_context():
        staff, unit_user = user("staff"), user("unit_edu")
        today, statements = local_today(), []

        def capture(_conn, _cursor, statement, params, _context, _many):
            statements.append((statement, params))
        sa.event.listen(db.engine, "before_cursor_execute", capture)
        try:
            for filters in (ItemFilters(unit_id=unit_user.unit_id), ItemFilters(unit_id=unit_user.unit_id, stage="改")):
                assert list_page(staff, filters, 1, 50, today).items
            assert list_page(unit_user, ItemFilters(), 1, 50, today, first=attention_first()).items
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", capture)
        cursor = db.session.connection().connection.dbapi_connection.cursor()
        plans = []
        for statement, params in statements:
            if "item_co_unit" in statement:
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + statement, params)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        db.session.rollback()
    assert len(plans) == 4, plans  # the two lists (count and page in one), 我的事项's count and its page
    for plan in plans:
        assert "Hash Cond" not in plan or "item_co_unit" not in plan.split("Hash Cond")[1].split("\n")[0], plan
