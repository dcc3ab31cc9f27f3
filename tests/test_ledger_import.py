"""台账 import: every problem listed with 行号/列名/原因, nothing written unless the whole file is clean."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import date, timedelta

import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from tracker.extensions import db
from tracker.ledger.importer import COLUMNS
from tracker.models import Activity, AuditEntry, Item, Stage, local_today

from .conftest import login_as
from .helpers import make_activity

HEADERS = [c.header for c in COLUMNS]


def xlsx(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def good_rows():
    later = local_today() + timedelta(days=90)
    base = {"监督活动名称": "关于养老服务体系建设情况的专项工作报告", "会议次数": "第27次会议",
            "会议日期": date(2026, 4, 20), "来源": "审议意见"}
    return [
        base | {"问题/意见内容": "加快社区养老服务中心建设。", "牵头单位": "区民政局",
                "协办单位": "区财政局、区卫生健康局", "办理期限": later},
        base | {"问题/意见内容": "完善医养结合机制。", "牵头单位": "区卫生健康局", "办理期限": later.isoformat()},
        base | {"问题/意见内容": "加强养老护理人才培养。"},  # recorded, not yet assigned
        {"监督活动名称": "关于义务教育优质均衡发展情况的专题询问", "会议日期": local_today() - timedelta(days=10),
         "来源": "询问问题", "问题/意见内容": "城区学校大班额何时消除？", "询问人": "刘委员", "应询人": "王建国",
         "应询人职务": "区教育局局长", "答复": "今年新建两所学校。", "承诺事项": "年底前消除大班额"},
    ]


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Activity, Item, AuditEntry))


def upload(client, data: bytes, step="check", digest="", name="台账.xlsx"):
    return client.post("/ledger/import", {"file": (io.BytesIO(data), name), "step": step, "digest": digest},
                       content_type="multipart/form-data")


def problems(response) -> list[tuple[str, str, str]]:
    body = response.get_data(as_text=True)
    section = body.split('id="import-problems"', 1)[1].split("</section>", 1)[0]
    cells = re.findall(r"<tr><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td><td>(.*?)</td></tr>", section)
    return cells


def test_template_download_has_the_headers_and_an_example(app, demo):
    response = login_as(app, "staff").get("/ledger/import/template")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [str(c.value).rstrip("*") for c in ws[1]] == HEADERS
    assert ws["A1"].value == "监督活动名称*" and ws["A2"].value
    assert ws.freeze_panes == "A2"


def test_bad_rows_are_all_listed_and_nothing_is_written(app, demo):
    with app.app_context():
        make_activity()
        db.session.commit()
    rows = good_rows()
    rows[0] |= {"牵头单位": "区不存在局"}
    rows[1] |= {"会议日期": "2026-13-45"}
    rows[2] |= {"来源": "代表建议", "问题/意见内容": None}
    rows[3] |= {"牵头单位": "区教育局", "办理期限": local_today() - timedelta(days=1), "协办单位": "社会建设工作委员会"}
    rows.append({"监督活动名称": "关于食品安全法执法检查情况的报告", "会议日期": "2026/5/8", "来源": "审议意见",
                 "问题/意见内容": "加强校园食品安全监管。", "活动类型": "执法检查"})
    staff = login_as(app, "staff")
    before = counts(app)
    response = upload(staff, xlsx(rows), step="import", digest="x")
    assert response.status_code == 200
    found = problems(response)
    assert ("第 2 行", "牵头单位", "系统中没有名为“区不存在局”的单位（请填写单位全称）") in found
    assert ("第 3 行", "会议日期", "“2026-13-45”不是有效的日期") in found
    assert ("第 4 行", "来源", "应为“询问问题”或“审议意见”，不是“代表建议”") in found
    assert ("第 4 行", "问题/意见内容", "必填，不能为空") in found
    assert ("第 5 行", "办理期限", "办理期限必须晚于今天（往年的事项请选择“补录”导入）") in found
    assert ("第 5 行", "协办单位", "“社会建设工作委员会”是常委会工作机构，不是承办单位") in found
    # A new activity without a meeting number is fine: the number stays empty, never invented.
    assert not [p for p in found if p[1] == "会议次数"]
    assert not [p for p in found if p[0] == "第 6 行"]
    assert "未导入任何数据" in response.get_data(as_text=True)
    assert counts(app) == before


def test_missing_columns_and_broken_files_are_refused(app, demo):
    staff = login_as(app, "staff")
    found = problems(upload(staff, xlsx([{"来源": "审议意见"}], headers=["来源", "备注"])))
    assert ("第 1 行", "监督活动名称", "缺少必填列，请使用导入模板的表头") in found
    assert ("—", "文件", "不是有效的 .xlsx 文件") in problems(upload(staff, b"PK\x03\x04 not really a zip"))
    response = upload(staff, b"a,b\n", name="台账.csv")
    assert "只能上传 .xlsx 格式" in response.get_data(as_text=True)
    assert counts(app)[1] == 0


def test_a_clean_file_is_previewed_then_imported_in_one_go(app, demo):
    with app.app_context():
        existing = make_activity()  # matched by title and meeting date
        db.session.commit()
        existing_id = existing.id
    rows = good_rows()
    rows[3]["会议日期"] = local_today() - timedelta(days=10)
    data = xlsx(rows)
    staff = login_as(app, "staff")
    before = counts(app)

    preview = upload(staff, data)
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "检查通过：共 4 行，将新建监督活动 1 个" in body
    assert "其中 2 项将直接交办" in body
    digest = re.search(r'name="digest" type="hidden" value="([0-9a-f]{64})"', body).group(1)
    assert digest == hashlib.sha256(data).hexdigest()
    assert counts(app) == before  # the check writes nothing

    other = xlsx(rows[:1])
    refused = upload(staff, other, step="import", digest=digest)
    assert "所选文件与预览时的文件不一致" in refused.get_data(as_text=True)
    assert counts(app) == before

    response = upload(staff, data, step="import", digest=digest)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    with app.app_context():
        title = "关于养老服务体系建设情况的专项工作报告"
        activity = db.session.scalar(sa.select(Activity).where(Activity.title == title))
        assert activity.meeting_session == 27 and activity.kind.label == "专项工作报告审议"
        items = db.session.scalars(sa.select(Item).where(Item.activity_id == activity.id).order_by(Item.seq)).all()
        assert [i.seq for i in items] == [1, 2, 3]
        assert [i.stage for i in items] == [Stage.ASSIGNED, Stage.ASSIGNED, Stage.ASKED]
        first = db.session.scalar(sa.select(Item).where(Item.id == items[0].id)
                                  .options(sa.orm.selectinload(Item.co_units), sa.orm.joinedload(Item.lead_unit)))
        assert first.lead_unit.name == "区民政局"
        assert sorted(u.name for u in first.co_units) == ["区卫生健康局", "区财政局"]
        assert items[1].deadline == local_today() + timedelta(days=90)
        answered = db.session.scalar(sa.select(Item).where(Item.activity_id == existing_id))
        assert answered.stage is Stage.ANSWERED and answered.respondent_post == "区教育局局长"
        actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.item_id == items[0].id)).all()
        assert actions == ["item.create", "item.assign"]
    assert counts(app)[:2] == (before[0] + 1, before[1] + 4)


def test_rows_of_one_new_activity_must_agree(app, demo):
    rows = good_rows()[:2]
    rows[1]["会议次数"] = 28
    found = problems(upload(login_as(app, "staff"), xlsx(rows)))
    assert found == [("第 3 行", "会议次数", "与第 2 行同一监督活动的会议次数不一致")]


def test_only_staff_may_import(app, demo):
    unit = login_as(app, "unit_edu")
    assert unit.get("/ledger/import").status_code == 403
    assert upload(unit, xlsx(good_rows())).status_code == 403
    assert unit.get("/ledger/import/template").status_code == 403
    assert counts(app)[1] == 0


def _digest_field(response) -> str:
    form = response.get_data(as_text=True).split('class="confirm-import"', 1)[1]
    return re.search(r'name="digest" type="hidden" value="([0-9a-f]{64})"|name="digest" value="([0-9a-f]{64})"',
                     form).group(0).rsplit('"', 2)[-2]


def test_confirm_without_choosing_the_file_again(app, demo):
    """Issue 14: the previewed file is kept server-side; 确认导入 sends no file."""
    staff = login_as(app, "staff")
    staff.refresh_csrf("/ledger/import")
    before = counts(app)
    preview = upload(staff, xlsx(good_rows()))
    assert "无需重新选择" in preview.get_data(as_text=True)
    digest = _digest_field(preview)
    assert counts(app)[:2] == before[:2]  # the check writes nothing but the kept copy
    # Another signed-in staff member (another session) cannot confirm this file.
    other = login_as(app, "staff")
    other.refresh_csrf("/ledger/import")
    refused = other.post("/ledger/import/confirm", {"digest": digest})
    assert refused.status_code == 303 and counts(app)[:2] == before[:2]
    done = staff.post("/ledger/import/confirm", {"digest": digest})
    assert done.status_code == 303 and done.headers["Location"].endswith("/items")
    assert counts(app)[1] == before[1] + 4
    # Confirming twice imports nothing twice: the kept file is gone.
    again = staff.post("/ledger/import/confirm", {"digest": digest})
    assert again.status_code == 303 and counts(app)[1] == before[1] + 4


def test_confirm_with_a_stale_digest_imports_nothing(app, demo):
    staff = login_as(app, "staff")
    staff.refresh_csrf("/ledger/import")
    before = counts(app)
    upload(staff, xlsx(good_rows()))
    response = staff.post("/ledger/import/confirm", {"digest": "0" * 64})
    assert response.status_code == 200 and "不一致" in response.get_data(as_text=True)
    assert counts(app)[1] == before[1]
