"""Sittings built through the real doors: staff open one over accepted items, reviewers
vote through their ballot page, staff stop and count through the sitting page."""
from __future__ import annotations

import re

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Evaluation, Sitting

from .conftest import Client, login_as
from .helpers import make_activity, make_item

SITTING_URL = re.compile(r"/sittings/(\d+)$")


def accepted_items(app, n: int, rule: str = "zhenhai") -> list[int]:
    with app.app_context():
        activity = make_activity(title="关于审议意见研究处理情况报告的测评", rule=rule)
        ids = [make_item(activity=activity, stage="accepted").id for _ in range(n)]
        db.session.commit()
    return ids


def open_sitting(staff: Client, item_ids: list[int], mode: str = "online", members_total: str = "",
                 rule: str = "zhenhai", title: str = "常委会第二十六次会议满意度测评") -> int:
    response = staff.post("/sittings/new", {
        "title": title, "meeting_date": "2026-11-30", "mode": mode, "members_total": members_total,
        "rule_key": rule, "item_ids": [str(i) for i in item_ids]})
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
    return int(SITTING_URL.search(response.headers["Location"]).group(1))


def entry_ids(app, sitting_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Evaluation.id).where(Evaluation.sitting_id == sitting_id)
                                       .order_by(Evaluation.position)))


def vote(app, username: str, sitting_id: int, grades: list[str], reviewer: Client | None = None):
    """One reviewer's whole ballot: one GET, one POST (the confirmation is the browser's)."""
    reviewer = reviewer or login_as(app, username)
    page = reviewer.get(f"/sittings/{sitting_id}/ballot")
    assert page.status_code == 200
    entries = entry_ids(app, sitting_id)
    return reviewer.post(f"/sittings/{sitting_id}/ballot",
                         {f"grade-{e}": g for e, g in zip(entries, grades, strict=True)})


def stop_and_count(staff: Client, sitting_id: int):
    assert staff.post(f"/sittings/{sitting_id}/stop").status_code == 303
    return staff.post(f"/sittings/{sitting_id}/count")


def sitting(app, sitting_id: int) -> Sitting:
    with app.app_context():
        row = db.session.get(Sitting, sitting_id)
        db.session.expunge(row)
        return row
