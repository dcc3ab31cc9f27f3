"""A 专题询问 record goes in by paste: questions paired with answers, asker and officials
recognised, dated promises proposed from the inquiry's date, all saved in one request."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Activity, AuditEntry, Item, Stage
from tracker.paste.commitments import dated_promises

from .conftest import login_as
from .helpers import make_activity, unit

RECORD = (Path(__file__).parent / "fixtures" / "inquiry_record.txt").read_text()
MEETING = date(2026, 3, 10)


def _activity(app) -> int:
    with app.test_request_context():
        activity = make_activity(title="关于义务教育优质均衡发展情况的专题询问")
        activity.meeting_date = MEETING  # promises are counted from the inquiry, never from today
        db.session.commit()
        return activity.id


def _preview(staff, activity_id):
    return staff.post(f"/activities/{activity_id}/paste-inquiry", {"step": "split", "text": RECORD})


def _as_previewed(body: str) -> dict:
    """The preview form as the browser would post it back (every row kept as proposed)."""
    import html
    import re
    data = {"step": "save"}
    for name in ("asker", "respondent_name", "respondent_post"):
        data[name] = [html.unescape(v) for v in re.findall(rf'<input name="{name}" value="([^"]*)"', body)]
    for name in ("question", "answer", "commitments"):
        data[name] = [html.unescape(v) for v in re.findall(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', body,
                                                           re.S)]
    units = re.findall(r'<select name="unit"[^>]*>(.*?)</select>', body, re.S)
    data["unit"] = [(re.findall(r'<option value="(\d*)" selected', u) or [""])[0] for u in units]
    data["include"] = [str(i) for i in range(len(data["question"]))]
    return data


def test_preview_pairs_questions_answers_officials_and_dated_promises(app, demo):
    activity_id = _activity(app)
    staff = login_as(app, "staff")
    response = _preview(staff, activity_id)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "保存全部 2 问" in body
    assert "现场询问气氛热烈" in body.split("已去掉的")[1]  # the reporter's line is listed as dropped
    data = _as_previewed(body)
    assert data["asker"] == ["王某某", "陈某"]
    assert data["respondent_name"] == ["张某某、李某某", "赵某"]
    assert data["respondent_post"] == ["区教育局局长、区财政局副局长", "区市场监督管理局局长"]
    assert data["answer"][0].startswith("张某某（区教育局局长）：我们将在年底前")
    # the promises, each with the date proposed from the inquiry's date and the rule beside it
    assert "【承诺期限 2026-12-31】" in data["commitments"][0] and "【承诺期限 2026-06-10】" in data["commitments"][0]
    assert "【承诺期限 2026-06-30】" in data["commitments"][1]
    assert "“年底前”→ 基准日期所在年 12 月 31 日" in body and "（估计，请核对）" in body  # 下学期开学前
    with app.app_context():
        edu, market = unit("区教育局").id, unit("区市场监督管理局").id
    assert data["unit"] == [str(edu), str(market)]  # pre-filled from the answering official's unit
    assert 'data-limit="5000"' in body  # the counter knows the server's limit


def test_save_creates_answered_items_with_dated_commitments_in_one_request(app, demo):
    activity_id = _activity(app)
    staff = login_as(app, "staff")
    data = _as_previewed(_preview(staff, activity_id).get_data(as_text=True))
    data["commitments"][1] = data["commitments"][1].replace("2026-06-30", "2026-07-15")  # staff correct a date
    saved = staff.post(f"/activities/{activity_id}/paste-inquiry", data)
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/activities/{activity_id}/assign")
    with app.app_context():
        items = db.session.scalars(sa.select(Item).where(Item.activity_id == activity_id).order_by(Item.seq)).all()
        assert [i.stage for i in items] == [Stage.ANSWERED, Stage.ANSWERED]  # 问 and 答 at once
        assert [i.asker for i in items] == ["王某某", "陈某"]
        assert items[0].respondent_name == "张某某、李某某" and items[1].respondent_post == "区市场监督管理局局长"
        assert [p.due for p in dated_promises(items[1].commitments)] == [date(2026, 7, 15)]
        activity = db.session.get(Activity, activity_id)
        assert {o["name"] for o in activity.officials} == {"张某某", "李某某", "赵某"}
        history = db.session.scalars(sa.select(AuditEntry.summary).where(AuditEntry.object_type == "activity",
                                                                         AuditEntry.object_id == activity_id)).all()
        assert any("粘贴专题询问记录，录入 2 问（含 4 项有期限的承诺）" in h for h in history)
    # 交办 proposes the latest promised date, not a date counted from today
    page = staff.get(f"/items/{items[1].id}").get_data(as_text=True)
    assert 'value="2026-07-15"' in page


def test_bad_input_saves_nothing_and_says_why(app, demo):
    activity_id = _activity(app)
    staff = login_as(app, "staff")
    empty = staff.post(f"/activities/{activity_id}/paste-inquiry", {"step": "split", "text": "  \n "})
    assert "「询问记录全文」没有内容" in empty.get_data(as_text=True)
    huge = staff.post(f"/activities/{activity_id}/paste-inquiry", {"step": "split", "text": "问" * 200_000})
    assert "共 200,000 字，超过上限 100,000 字；系统不会自动截断" in huge.get_data(as_text=True)
    data = _as_previewed(_preview(staff, activity_id).get_data(as_text=True))
    data["question"][1] = "问" * 5_001
    data["commitments"][0] = "【承诺期限 2026-13-40】年底前新建两所小学"
    refused = staff.post(f"/activities/{activity_id}/paste-inquiry", data)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "「第 2 问的问题」共 5,001 字，超过上限 5,000 字" in body
    assert "第 1 问的承诺事项第 1 行的承诺期限“2026-13-40”不是有效日期" in body
    assert "年底前新建两所小学" in body  # every edit comes back
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)
                                 .where(Item.activity_id == activity_id)) == 0


def test_only_staff_may_paste_a_record(app, demo):
    activity_id = _activity(app)
    unit_user = login_as(app, "unit_edu")
    assert unit_user.get(f"/activities/{activity_id}/paste-inquiry").status_code == 403
    assert unit_user.post(f"/activities/{activity_id}/paste-inquiry",
                          {"step": "split", "text": RECORD}).status_code == 403


def test_demo_has_a_pasted_inquiry_with_several_officials_and_a_backfilled_document(app, demo):
    from tracker.demo import load_demo_items
    with app.app_context():
        load_demo_items()
        db.session.commit()
        title = "关于学校食堂和校园周边安全情况的专题询问"
        activity = db.session.scalar(sa.select(Activity).where(Activity.title == title))
        assert len(activity.officials) == 5
        items = db.session.scalars(sa.select(Item).where(Item.activity_id == activity.id).order_by(Item.seq)).all()
        assert len(items) == 3 and items[0].respondent_name == "钱某某、王建国"
        assert sum(1 for i in items for p in dated_promises(i.commitments) if p.due) >= 5
        old = db.session.scalar(sa.select(Item).where(Item.question.like("加快农村集中供水工程建设%")))
        assert old.stage is Stage.CLOSED and old.closed_on_time and old.closed_at.year == 2018


CORPUS_INQUIRIES = sorted(p.stem for p in (Path(__file__).parent / "corpus").glob("*.json")
                          if '"kind": "inquiry"' in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", CORPUS_INQUIRIES)
def test_the_preview_shows_one_row_per_exchange_of_each_real_record(app, demo, name):
    """The real records of tests/corpus through the HTTP preview: as many rows as the
    engine's recorded split has exchanges, each asker in its row."""
    import json
    corpus = Path(__file__).parent / "corpus"
    meta = json.loads((corpus / f"{name}.json").read_text(encoding="utf-8"))
    text = (corpus / meta["file"]).read_text(encoding="utf-8")
    expected = meta["expected"]["split"]["exchanges"]
    activity_id = _activity(app)
    body = login_as(app, "staff").post(f"/activities/{activity_id}/paste-inquiry",
                                       {"step": "split", "text": text}).get_data(as_text=True)
    data = _as_previewed(body)
    assert len(data["question"]) == len(expected)
    assert [a or None for a in data["asker"]] == [(e["asker"] or [None])[0] for e in expected]
