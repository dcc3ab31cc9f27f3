"""Timing of the daily ``remind`` job over 10,000 open items.

Builds a temporary SQLite database through the migrations, loads the demo units and
accounts (one unit user per demo unit, plus one per other organ so every item has
recipients), bulk-inserts open items with deadlines spread over the lights — a third
green, a third yellow, a third red of which part is past the 挂牌督办 threshold; a fifth of
the items have had no progress for 30–90 days (无进展) — and times three runs: the first
day (every rung fires, sent in batches), the same day again (must send nothing), and the
next day (steady state: only items that crossed a boundary overnight).

With ``--commitments`` (default 30,000) open commitments with confirmed dates are added,
spread over the lights the same way, so the commitment reminders are timed too.

Usage: ``python -m bench.remind_bench [--items 10000] [--commitments 30000] [--url sqlite:////tmp/x.db]``
"""
from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import date, datetime, timedelta

import sqlalchemy as sa


def build(app, n_items: int, today: date) -> None:
    from tracker.demo import load_demo
    from tracker.extensions import db
    from tracker.models import Activity, ActivityKind, Item, Role, Unit, UnitKind, User
    from tracker.passwords import hash_password
    from tracker.services.calendar import load_calendar

    with app.app_context():
        load_demo()
        db.session.flush()
        organs = db.session.scalars(sa.select(Unit).where(Unit.kind != UnitKind.COMMITTEE)).all()
        have = set(db.session.scalars(sa.select(User.unit_id).where(User.role == Role.UNIT)))
        password = hash_password("bench-password")
        for unit in organs:
            if unit.id not in have:
                db.session.add(User(username=f"u{unit.id}", display_name=unit.name, role=Role.UNIT,
                                    unit_id=unit.id, password_hash=password))
        activity = Activity(kind=ActivityKind.REPORT_REVIEW, title="基准测试", meeting_session=1,
                            meeting_date=today - timedelta(days=200), target_organ="区人民政府")
        db.session.add(activity)
        db.session.commit()
        calendar = load_calendar()
        rng = random.Random(42)
        now = datetime(2026, 1, 1)
        rows = []
        for seq in range(1, n_items + 1):
            bucket = seq % 3
            if bucket == 0:  # green: comfortably ahead
                deadline = today + timedelta(days=rng.randint(20, 120))
            elif bucket == 1:  # yellow: within 5 working days
                deadline = calendar.add_working_days(today, rng.randint(0, 5))
            else:  # red: 1–60 days overdue (about half past the 30-day 挂牌督办 rung)
                deadline = today - timedelta(days=rng.randint(1, 60))
            # 无进展 for a fifth (30–90 days without a post); the rest posted in the last week.
            quiet = rng.randint(30, 90) if seq % 5 == 0 else rng.randint(0, 6)
            rows.append({"activity_id": activity.id, "seq": seq, "origin": "opinion",
                         "last_activity_on": today - timedelta(days=quiet),
                         "question": f"基准测试事项 {seq}", "lead_unit_id": organs[seq % len(organs)].id,
                         "stage": rng.choice(["assigned", "rectifying", "reported"]), "round": 1,
                         "deadline": deadline, "original_deadline": deadline, "assigned_at": now,
                         "created_at": now, "updated_at": now, "version": 1, "supervised": False,
                         "published": False})
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(Item), rows[start:start + 5000])
        db.session.commit()


def add_commitments(app, n: int, today: date) -> None:
    """``n`` confirmed, open commitments on the open items, dates spread like the items':
    a third green, a third within the yellow window, a third overdue."""
    from tracker.extensions import db
    from tracker.models import Commitment, Item
    from tracker.services.calendar import load_calendar

    if not n:
        return
    with app.app_context():
        calendar = load_calendar()
        items = db.session.execute(sa.select(Item.id, Item.lead_unit_id).order_by(Item.id)).all()
        rng = random.Random(7)
        now = datetime(2026, 1, 1)
        rows = []
        for seq in range(n):
            item_id, unit_id = items[seq % len(items)]
            bucket = seq % 3
            due = (today + timedelta(days=rng.randint(20, 120)) if bucket == 0
                   else calendar.add_working_days(today, rng.randint(0, 5)) if bucket == 1
                   else today - timedelta(days=rng.randint(1, 60)))
            rows.append({"item_id": item_id, "unit_id": unit_id, "text": f"基准测试承诺 {seq}", "source": "answer",
                         "due_on": due, "confirmed_at": now, "status": "open", "created_at": now,
                         "updated_at": now})
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(Commitment), rows[start:start + 5000])
        db.session.commit()


def timed(app, today: date):
    from tracker.jobs.remind import run_remind
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        result = run_remind(today)
        return time.perf_counter() - started, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--commitments", type=int, default=30_000)
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="remind-bench-")
    url = args.url or f"sqlite:///{os.path.join(workdir, 'bench.db')}"
    os.environ["DATABASE_URL"] = url

    from flask_migrate import upgrade

    from tracker import create_app
    from tracker.config import Config
    app = create_app(type("BenchConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": url, "MAIL_SERVER": ""}))
    with app.app_context():
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    today = date(2026, 9, 28)  # a Monday before National Day: the yellow window spans the holiday
    started = time.perf_counter()
    build(app, args.items, today)
    add_commitments(app, args.commitments, today)
    print(f"built {args.items} open items and {args.commitments} commitments in "
          f"{time.perf_counter() - started:.1f}s ({url})")
    for label, day in (("first run", today), ("same day again", today), ("next day", today + timedelta(days=1))):
        seconds, cpu, result = timed(app, day)
        print(f"{label:>15}: {seconds:6.2f}s wall, {cpu:6.2f}s CPU  sent {result.total_sent:5d}"
              f"  already sent {result.already_sent:5d}  silent {result.silent:5d}"
              f"  lights { {k.value: v for k, v in result.lights.items()} }")
        c = result.commitments
        print(f"{'':>15}  of which commitments ({c.open_dated} dated, open): sent {sum(c.sent.values()):5d}"
              f"  already sent {c.already_sent:5d}")


if __name__ == "__main__":
    main()
