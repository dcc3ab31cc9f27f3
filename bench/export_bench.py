"""台账 export benchmark: 20,000 items through the real HTTP route, time and peak memory.

    .venv/bin/python bench/export_bench.py [--rows 20000] [--database-url postgresql://…]

Builds a scratch database (SQLite in a temp dir unless a URL is given; the URL's
database is wiped), fills it with realistic items (long texts, co-units, progress
entries, closed evaluations), then downloads /ledger/export as staff twice: once for
wall and CPU time (CPU time is the honest figure on a shared, busy machine), once
under tracemalloc for the Python heap peak.  Also prints the process RSS high-water
mark before and after, and checks the sheet has every row.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import Client, _upgrade, make_config  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.demo import load_demo  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import (  # noqa: E402
    Activity,
    ActivityKind,
    EntryKind,
    Evaluation,
    EvaluationMode,
    EvaluationStatus,
    Item,
    Origin,
    ProgressEntry,
    Sitting,
    Stage,
    Unit,
    UnitKind,
    User,
    item_co_unit,
)
from tracker.models.item import urgency_of  # noqa: E402

TEXT = "针对城区学校大班额、学位供给不足和教师结构性缺编等问题，建议加快学校建设进度，完善教师编制动态调整机制。"


def fill(rows: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    load_demo()
    db.session.flush()
    organs = db.session.scalars(sa.select(Unit.id).where(Unit.kind != UnitKind.COMMITTEE)).all()
    staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
    per_activity = 250
    activities = []
    for n in range(rows // per_activity + 1):
        activities.append(Activity(kind=ActivityKind.INQUIRY if n % 2 else ActivityKind.REPORT_REVIEW,
                                   title=f"关于第{n}项重点工作情况的监督", meeting_session=n + 1,
                                   meeting_date=date(2020, 1, 1) + timedelta(days=20 * n), target_organ="区人民政府"))
    db.session.add_all(activities)
    db.session.flush()
    stages = [s for s in Stage if s is not Stage.WITHDRAWN]  # 作废 items are out of every list and export
    items, co, entries, evaluations, sittings = [], [], [], [], []
    for i in range(rows):
        stage = stages[i % len(stages)]
        lead = rnd.choice(organs) if stage not in (Stage.ASKED, Stage.ANSWERED) else None
        items.append({"id": i + 1, "activity_id": activities[i // per_activity].id, "seq": i % per_activity + 1,
                      "origin": Origin.OPINION if i % 3 else Origin.QUESTION, "question": f"{i}：{TEXT * 2}",
                      "asker": "张委员", "answer": TEXT * 3 if stage is not Stage.ASKED else None,
                      "commitments": "年底前完成" if i % 2 else None, "lead_unit_id": lead, "stage": stage,
                      "urgency": urgency_of(stage), "round": 1 + (i % 7 == 0),
                      "deadline": date(2026, 1, 1) + timedelta(days=i % 700),
                      "original_deadline": date(2026, 1, 1) + timedelta(days=i % 500)})
        if lead:
            co.append({"item_id": i + 1, "unit_id": rnd.choice([u for u in organs if u != lead]),
                       "urgency": items[-1]["urgency"], "deadline": items[-1]["deadline"],
                       "stage": items[-1]["stage"]})  # the item's copies
            entries.append({"item_id": i + 1, "round": 1, "kind": EntryKind.PROGRESS, "text": TEXT * 4,
                            "unit_id": lead, "author_id": staff.id})
        if stage is Stage.CLOSED:  # each closed evaluation belongs to a counted meeting sitting
            sittings.append({"id": len(sittings) + 1, "title": "满意度测评", "meeting_date": date(2026, 1, 1),
                             "mode": EvaluationMode.MEETING, "status": "counted", "members_total": 35,
                             "members_present": 30, "rule_key": "zhenhai", "rule": {}})
            evaluations.append({"item_id": i + 1, "round": 1, "mode": EvaluationMode.MEETING,
                                "sitting_id": len(sittings), "position": 1,
                                "status": EvaluationStatus.CLOSED, "rule_key": "zhenhai", "rule": {},
                                "members_total": 35, "members_present": 30, "satisfied": 20, "basic": 8,
                                "unsatisfied": 2, "invalid": 0, "result": "satisfied"})
    for table, data in ((Item, items), (item_co_unit, co), (ProgressEntry, entries), (Sitting, sittings),
                        (Evaluation, evaluations)):
        for start in range(0, len(data), 2000):
            db.session.execute(sa.insert(table), data[start:start + 2000])
    db.session.commit()


def download(client: Client, path: str, target: Path | None = None) -> int:
    """Stream the response as a browser would, so the client never holds the whole file."""
    response = client.http.get(path, buffered=False)
    assert response.status_code == 200, response.status_code
    size = 0
    with open(target, "wb") if target else io.BytesIO() as out:
        for chunk in response.response:
            size += len(chunk)
            if target:
                out.write(chunk)
    response.close()
    return size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--fill-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database at --database-url if it already holds --rows items (no wipe, no fill)")
    parser.add_argument("--runs", type=int, default=1, help="timed exports; the fastest is reported")
    args = parser.parse_args()
    workdir = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{workdir.name}/bench.db"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app(make_config(url, TESTING=False))
    if args.fill_only:
        _upgrade(app)
        with app.app_context():
            fill(args.rows)
        return
    if not (args.reuse and _item_count(url) == args.rows):
        if url.startswith("postgresql"):
            engine = sa.create_engine(url)
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
            engine.dispose()
        # Filling runs in a child process so its memory does not count as the export's.
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--fill-only", "--rows", str(args.rows), "--database-url", url],
                       check=True)
        print(f"filled {args.rows} items in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")

    client = Client(app)
    client.login("staff")
    download(client, "/ledger/export?q=warmup")  # first-request costs (templates, imports) out of the timing
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    target = Path(workdir.name) / "ledger.xlsx"
    timings = []
    for _ in range(max(args.runs, 1)):
        started, cpu_started = time.perf_counter(), time.process_time()
        size = download(client, "/ledger/export", target)
        timings.append((time.process_time() - cpu_started, time.perf_counter() - started))
    cpu, elapsed = min(timings)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    tracemalloc.start()
    assert download(client, "/ledger/export") > 0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    from openpyxl import load_workbook
    wb = load_workbook(target, read_only=True)
    count = sum(1 for _ in wb.worksheets[0].iter_rows(min_row=3, values_only=True))  # title row, header
    wb.close()
    assert count == args.rows, count
    print(f"export of {count} rows (fastest of {len(timings)}): {elapsed:.2f} s wall, {cpu:.2f} s CPU, "
          f"{size / 1024 / 1024:.1f} MB xlsx; "
          f"Python heap peak {peak / 1024 / 1024:.1f} MB (tracemalloc); "
          f"process RSS high-water {rss_before:.0f} MB before, {rss_after:.0f} MB after the export; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    workdir.cleanup()


def _item_count(url: str) -> int | None:
    """Items already in the database at ``url``; None when it has no schema yet."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SELECT count(*) FROM item"))
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
