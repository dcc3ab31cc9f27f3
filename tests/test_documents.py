"""A 审议意见 goes in as the document it is: pasted whole, checked in a preview, saved in
one request with its own numbering, 交办'd in one request, shown with that numbering."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import ActivityKind, AuditEntry, Item, Stage
from tracker.paste import split_opinion

from .conftest import login_as
from .helpers import make_activity, unit

OPINION = (Path(__file__).parent / "fixtures" / "opinion_8_points.txt").read_text()


def _activity(app) -> int:
    with app.test_request_context():
        activity = make_activity(title="审议区人民政府关于养老服务体系建设情况的报告", kind=ActivityKind.REPORT_REVIEW)
        activity.meeting_session = None  # the clerk does not know it: it stays empty
        db.session.commit()
        return activity.id


def _rows_as_previewed(app, text):
    """What the preview form posts back when staff accept every row as split."""
    split = split_opinion(text)
    with app.app_context():
        names = {"区民政局": unit("区民政局"), "区卫生健康局": unit("区卫生健康局")}
    data = {"step": "save", "preamble": split.preamble, "ref": [], "row_text": [], "parent": [], "unit": [],
            "include": [str(i) for i in range(len(split.points))]}
    for point in split.points:
        data["ref"].append(point.ref)
        data["row_text"].append(point.text)
        data["parent"].append("" if point.parent is None else str(point.parent))
        data["unit"].append(str(names["区民政局"].id))
    return split, data


def test_paste_preview_save_and_assign_an_8_point_opinion(app, demo):
    activity_id = _activity(app)
    staff = login_as(app, "staff")
    preview = staff.post(f"/activities/{activity_id}/paste", {"step": "split", "text": OPINION})
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "保存全部 8 条" in body
    assert "— 2 —" not in body.split("已去掉的")[0]  # the page number is gone from the rows
    split, data = _rows_as_previewed(app, OPINION)
    assert [p.ref for p in split.points] == ["一", "二", "三", "四", "五", "六", "七", "八"]
    assert "会议认为" in split.preamble
    saved = staff.post(f"/activities/{activity_id}/paste", data)
    assert saved.status_code == 303
    with app.app_context():
        items = db.session.scalars(sa.select(Item).where(Item.activity_id == activity_id).order_by(Item.seq)).all()
        assert [i.ref for i in items] == ["一", "二", "三", "四", "五", "六", "七", "八"]
        assert "提高护理员待遇" in items[2].question and "— 2 —" not in items[2].question
    # 交办 all eight in one request: one deadline, lead units per row.
    form = {"deadline": "2027-03-31", "pick": [str(i.id) for i in items]}
    form |= {f"lead_{i.id}": str(unit_id) for i, unit_id in zip(items, [_unit_id(app, "区民政局")] * 8, strict=True)}
    assigned = staff.post(f"/activities/{activity_id}/assign", form)
    assert assigned.status_code == 303
    with app.app_context():
        stages = set(db.session.scalars(sa.select(Item.stage).where(Item.activity_id == activity_id)))
        assert stages == {Stage.ASSIGNED}
    page = staff.get(f"/activities/{activity_id}").get_data(as_text=True)
    assert "会议认为" in page and "第None次" not in page and "第1次会议" not in page


def _unit_id(app, name):
    with app.app_context():
        return unit(name).id


def test_preview_edits_merge_drop_split_and_reparent(app, demo):
    activity_id = _activity(app)
    staff = login_as(app, "staff")
    _, data = _rows_as_previewed(app, OPINION)
    data["include"] = [str(i) for i in range(8) if i != 7]  # drop 八
    data["merge"] = ["6"]  # 七 into 六
    data["row_text"][4] += "\n---\n建立养老服务经费动态增长机制。"  # split 五 in two
    data["parent"][3] = "2"  # 四 under 三
    data["ref"][3] = "（一）"
    assert staff.post(f"/activities/{activity_id}/paste", data).status_code == 303
    with app.app_context():
        items = db.session.scalars(sa.select(Item).where(Item.activity_id == activity_id).order_by(Item.seq)).all()
        assert [i.ref for i in items] == ["一", "二", "三", "（一）", "五", None, "六"]
        assert items[3].parent_id == items[2].id
        assert "智慧养老" in items[6].question  # 七 merged into 六
        assert items[5].question == "建立养老服务经费动态增长机制。"
        assert not any("敬老爱老" in i.question for i in items)


def test_bad_pastes_save_nothing_and_say_why(app, demo):
    activity_id = _activity(app)
    staff = login_as(app, "staff")
    empty = staff.post(f"/activities/{activity_id}/paste", {"step": "split", "text": "   \n  "})
    assert "没有内容" in empty.get_data(as_text=True)
    huge = staff.post(f"/activities/{activity_id}/paste", {"step": "split", "text": "一、" + "字" * 200_000})
    assert "超过上限 100,000 字" in huge.get_data(as_text=True)
    _, data = _rows_as_previewed(app, OPINION)
    data["row_text"][1] = "长" * 5001
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Item))
        history = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    refused = staff.post(f"/activities/{activity_id}/paste", data)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "第 2 条的内容" in body and "超过上限 5,000 字" in body
    assert "长" * 5001 in body  # the typed text is still there, not cut
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == history
    assert login_as(app, "unit_edu").get(f"/activities/{activity_id}/paste").status_code == 403


def test_demo_document_reads_as_the_document_on_the_public_pages(app, demo):
    """The demo's 审议意见: pasted, 交办'd at once, one report returned once, accepted."""
    from tracker.demo import load_demo_items
    from tracker.models import Activity, Report
    with app.test_request_context():
        load_demo_items()
        db.session.commit()
    with app.app_context():
        activity = db.session.scalar(sa.select(Activity).where(Activity.title.contains("基层医疗卫生服务体系")))
        reports = db.session.scalars(sa.select(Report).where(Report.activity_id == activity.id)
                                     .order_by(Report.id)).all()
        assert [r.status.value for r in reports] == ["returned", "accepted"]
        item_id = db.session.scalar(sa.select(Item.id).where(Item.activity_id == activity.id, Item.ref == "六"))
    client = app.test_client()
    page = client.get(f"/public/activities/{activity.id}").get_data(as_text=True)
    for text in ("审议意见 一", "审议意见 八", "会议认为", "总体同意", "研究处理情况报告", "第十七届常委会第29次会议"):
        assert text in page, text
    assert "尚未答复" not in page and "第 1 项" not in page
    item = client.get(f"/public/items/{item_id}").get_data(as_text=True)
    assert "列入计划" in item and "总体同意" in item and "尚未" not in item
    assert "未说明经费来源" not in item  # a return and its reason are not published
