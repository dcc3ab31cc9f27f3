"""台账 export: the .xlsx a user downloads holds exactly the list they see, row for row."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.tools import require_program
from tracker.extensions import db
from tracker.ledger.export import HEADERS
from tracker.models import Item, Origin, Stage, local_today

from .conftest import login_as
from .helpers import make_activity, make_item, user


def _seed(app):
    """Items in several stages and units; returns their ids by name."""
    with app.app_context():
        activity = make_activity()
        ids = {
            "asked": make_item(activity, "asked").id,
            "edu_rect": make_item(activity, "rectifying", co_units=("区卫生健康局",)).id,
            "health": make_item(activity, "assigned", unit_name="区卫生健康局").id,
            "closed": make_item(activity, "closed").id,
        }
        overdue = make_item(activity, "rectifying")
        overdue.deadline = local_today() - timedelta(days=3)
        ids["overdue"] = overdue.id
        db.session.commit()
    return ids


def _sheet(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = load_workbook(io.BytesIO(response.data))
    return wb.worksheets[0]


def _rows(ws) -> dict[tuple[str, str], dict]:
    """Rows by (监督活动, 序号): 序号 is the document's own numbering, unique within its
    activity only. Row 1 is the title row, row 2 the header."""
    values = list(ws.iter_rows(values_only=True))
    header = list(values[1])
    rows = [dict(zip(header, row, strict=True)) for row in values[2:]]
    keyed = {(row["监督活动"], str(row["序号"])): row for row in rows}
    assert len(keyed) == len(rows), "序号 repeats within one activity"
    return keyed


def _key(app, item_id) -> tuple[str, str]:
    with app.app_context():
        item = db.session.scalar(sa.select(Item).where(Item.id == item_id).options(
            sa.orm.joinedload(Item.activity), sa.orm.joinedload(Item.parent)))
        return item.activity.title, item.number


def test_staff_export_matches_the_database(app, demo):
    ids = _seed(app)
    ws = _sheet(login_as(app, "staff").get("/ledger/export"))
    assert [c.value for c in ws[2]] == HEADERS
    assert ws.freeze_panes == "B3"
    assert ws.auto_filter.ref == f"A2:{ws.cell(2, len(HEADERS)).column_letter}{len(ids) + 2}"
    assert ws["A1"].value.startswith("XX区人大常委会督办事项台账（全部事项）　导出时间：")
    rows = _rows(ws)
    with app.app_context():
        items = db.session.scalars(sa.select(Item).options(
            sa.orm.joinedload(Item.activity), sa.orm.joinedload(Item.lead_unit),
            sa.orm.selectinload(Item.co_units), sa.orm.joinedload(Item.parent))).unique().all()
        assert set(rows) == {(i.activity.title, i.number) for i in items}
        for item in items:
            row = rows[(item.activity.title, item.number)]
            assert row["监督活动"] == item.activity.title
            assert row["会议"] == f"第{item.activity.meeting_session}次会议"
            assert row["会议日期"] == datetime.combine(item.activity.meeting_date, datetime.min.time())
            assert row["来源"] == item.origin.label
            assert row["问题/意见内容"] == item.question
            assert row["答复"] == item.answer
            assert row["承诺事项"] == item.commitments
            assert row["牵头单位"] == (item.lead_unit.name if item.lead_unit else None)
            assert row["协办单位"] == ("、".join(u.name for u in item.co_units) or None)
            assert row["阶段"] == item.status_label
            assert row["轮次"] == item.round
            expected = item.deadline and datetime.combine(item.deadline, datetime.min.time())
            assert row["当前期限"] == expected
    deadline_column = ws.cell(2, HEADERS.index("当前期限") + 1).column_letter
    assert ws[f"{deadline_column}4"].is_date  # dates are real dates, not text

    closed = rows[_key(app, ids["closed"])]
    assert closed["测评结果"] == "满意"
    assert (closed["满意票"], closed["基本满意票"], closed["不满意票"], closed["无效票"]) == (4, 0, 0, 0)
    assert closed["办结日期"] is not None
    assert closed["最新进展"] == "已完成整改。" and closed["进展类别"] == "整改情况报告"
    assert rows[_key(app, ids["overdue"])]["灯"] == "红（逾期）"
    assert rows[_key(app, ids["asked"])]["灯"] is None


def test_export_uses_the_list_filters(app, demo):
    ids = _seed(app)
    staff = login_as(app, "staff")
    with app.app_context():
        health = db.session.scalar(sa.text("SELECT id FROM unit WHERE name = '区卫生健康局'"))
    rows = _rows(_sheet(staff.get(f"/ledger/export?unit={health}")))
    assert set(rows) == {_key(app, ids["health"]), _key(app, ids["edu_rect"])}  # lead or co-unit
    rows = _rows(_sheet(staff.get("/ledger/export?overdue=1")))
    assert set(rows) == {_key(app, ids["overdue"])}
    rows = _rows(_sheet(staff.get("/ledger/export?stage=办结")))
    assert set(rows) == {_key(app, ids["closed"])}
    assert _rows(_sheet(staff.get("/ledger/export?q=没有这样的文字"))) == {}


def test_unit_export_is_limited_to_its_own_items(app, demo):
    ids = _seed(app)
    unit = login_as(app, "unit_health")
    with app.app_context():
        edu = db.session.scalar(sa.text("SELECT id FROM unit WHERE name = '区教育局'"))
    response = unit.get(f"/ledger/export?unit={edu}")  # cannot widen its view through the URL
    rows = _rows(_sheet(response))
    assert set(rows) == {_key(app, ids["health"]), _key(app, ids["edu_rect"])}
    assert "区卫生健康局事项台账" in unquote(response.headers["Content-Disposition"])
    assert 'ledger/export' in unit.get("/my").get_data(as_text=True)


@pytest.mark.parametrize("who,status", [("reviewer1", 403), (None, 302)])
def test_export_refuses_others(app, demo, who, status):
    client = login_as(app, who) if who else app.test_client()
    assert client.get("/ledger/export").status_code == status


def test_download_name_and_headers(app, demo):
    _seed(app)
    response = login_as(app, "staff").get("/ledger/export")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{'事项台账'}" in unquote(disposition)
    assert "no-store" in response.headers["Cache-Control"]


def test_export_link_carries_the_filters_also_after_htmx_filtering(app, demo):
    staff = login_as(app, "staff")
    page = staff.get("/items?overdue=1").get_data(as_text=True)
    assert 'href="/ledger/export?overdue=1"' in page
    fragment = staff.get("/items?q=%E5%AD%A6%E6%A0%A1", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="ledger-list-tools" hx-swap-oob="true"' in fragment
    assert "/ledger/export?q=%E5%AD%A6%E6%A0%A1" in fragment


def test_export_query_count_does_not_grow_with_rows(app, demo):
    from tracker.services import items as ops

    def statements(n_items: int) -> int:
        with app.app_context():
            activity = make_activity(title=f"活动{n_items}")
            for i in range(n_items):
                item = ops.add_item(activity, ops.ItemData(origin=Origin.OPINION,
                                                           question=f"意见{i}"), user("staff"))
                assert item.stage is Stage.ASKED
            db.session.commit()
        counter = {"n": 0}

        def count(*_args, **_kwargs):
            counter["n"] += 1
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            _sheet(client.get("/ledger/export"))
        finally:
            with app.app_context():
                sa.event.remove(db.engine, "before_cursor_execute", count)
        return counter["n"]

    app.config["LEDGER_EXPORT_BATCH"] = 1000
    client = login_as(app, "staff")
    few = statements(3)
    many = statements(60)
    assert many == few
    # 63 rows in 7 batches of 6 queries each (rows, co-units, entries, evaluations, signers, commitments)
    app.config["LEDGER_EXPORT_BATCH"] = 10
    assert statements(0) == few + 6 * 6


def test_formula_like_text_is_not_a_formula(app, demo):
    from tracker.services import items as ops
    with app.app_context():
        ops.add_item(make_activity(), ops.ItemData(origin=Origin.OPINION, question="=HYPERLINK(\"http://x\")"),
                     user("staff"))
        db.session.commit()
    ws = _sheet(login_as(app, "staff").get("/ledger/export"))
    cell = ws["H3"]
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"


def test_empty_export_still_has_the_header(app, demo):
    ws = _sheet(login_as(app, "staff").get("/ledger/export"))
    assert [c.value for c in ws[2]] == HEADERS and ws.max_row == 2


def _write(rows, columns=None) -> bytes:
    from tracker.documents.xlsx import Column
    from tracker.documents.xlsx_writer import write_sheet
    columns = columns or [Column("文字", 20, "wraptext"), Column("日期", 12, "date"), Column("数", 6, "int"),
                          Column("是否", 6)]
    buffer = io.BytesIO()
    write_sheet(buffer, "标题 & <测试>", columns, rows, sheet_title="台账:[2026]")
    return buffer.getvalue()


def test_sheet_writer_keeps_text_dates_and_numbers():
    data = _write([["a & b <c> \x01\x0b“引号”\n第二行", date(2026, 3, 31), 7, True],
                   ["+1 开头", datetime(2026, 1, 2, 15, 30), 2.5, False], [None, None, None, None]])
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    assert ws.title == "台账2026" and wb.properties.title == "标题 & <测试>"
    assert ws["A2"].value == "a & b <c> “引号”\n第二行" and ws["A2"].alignment.wrap_text
    assert ws["B2"].value == datetime(2026, 3, 31) and ws["B2"].number_format == "yyyy\\-mm\\-dd"
    assert ws["C2"].value == 7 and ws["D2"].value == "是" and ws["D3"].value == "否"
    assert ws["A3"].value == "+1 开头" and ws["A3"].quotePrefix and ws["A3"].data_type == "s"
    assert ws["B3"].value == datetime(2026, 1, 2) and ws["C3"].value == 2.5
    assert ws["A4"].value is None
    assert ws["A1"].font.b and ws.freeze_panes == "B2" and ws.auto_filter.ref == "A1:D4"
    assert ws.column_dimensions["A"].width == 20


@pytest.mark.slow
def test_libreoffice_opens_the_export(app, demo, tmp_path):
    import csv
    import subprocess
    _seed(app)
    (tmp_path / "ledger.xlsx").write_bytes(login_as(app, "staff").get("/ledger/export").data)
    soffice = require_program("soffice", "libreoffice", install="apt-get install libreoffice-calc-nogui")
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path),
                    str(tmp_path / "ledger.xlsx")], check=True, timeout=180, capture_output=True)
    with open(tmp_path / "ledger.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][0].startswith("XX区人大常委会督办事项台账") and rows[1] == HEADERS and len(rows) == 7
    assert any(row[7] == "城区学校大班额问题何时解决？" for row in rows[2:])
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[4]) for row in rows[2:])  # a date cell, shown as a date


def test_columns_a_supervision_ledger_needs(app, demo):
    """序号, 责任单位 and 责任人, 交办日期, 签收日期, 整改措施 apart from 承诺, 完成情况, 备注."""
    from tracker.models import EntryKind
    from tracker.services import items as ops
    ids = _seed(app)
    with app.app_context():
        item = db.session.get(Item, ids["edu_rect"])
        ops.post_progress(item, EntryKind.RESPONSE, "一、新建两所学校；二、调配教师。", [], user("unit_edu"))
        db.session.commit()
    rows = _rows(_sheet(login_as(app, "staff").get("/ledger/export")))
    key = _key(app, ids["edu_rect"])
    with app.app_context():
        item = db.session.get(Item, ids["edu_rect"])
        row = rows[key]
        # the document's numbering, not activity-seq
        assert row["序号"] == item.number != f"{item.activity_id}-{item.seq}"
        assert row["牵头单位"] == "区教育局" and row["协办单位"] == "区卫生健康局"
        assert row["责任人"] == user("unit_edu").display_name  # who signed for it (签收)
        assert row["签收日期"] is not None and row["交办日期"] <= row["签收日期"]
        assert row["承诺事项"] == "年底前消除56人以上大班额"
        assert row["整改措施"] == "一、新建两所学校；二、调配教师。"
        assert row["完成情况"] == "整改中"
        assert row["备注"] is None
    closed = rows[_key(app, ids["closed"])]
    assert closed["完成情况"] == "办结（已落实）：已完成整改。" and closed["备注"] == "测评：满意"
    assert closed["办结类型"] == "办结（已落实）：按测评结果满意，未作落实评定确定"
    # The seed moved the deadline by hand, which reads as an extension.
    assert rows[_key(app, ids["overdue"])]["备注"].startswith("逾期3天；已延期（原期限")
    assert rows[_key(app, ids["asked"])]["责任人"] is None


def test_print_layout_has_twelve_columns_on_a4(app, demo):
    from tracker.ledger.export import PRINT_HEADERS
    ids = _seed(app)
    response = login_as(app, "staff").get("/ledger/export?layout=print&overdue=1")
    ws = _sheet(response)
    assert [c.value for c in ws[2]] == PRINT_HEADERS and len(PRINT_HEADERS) == 12
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.print_title_rows == "$2:$2"
    assert "（逾期）" in ws["A1"].value
    rows = _rows(ws)
    overdue = rows[_key(app, ids["overdue"])]
    assert overdue["责任单位"] == "区教育局" and overdue["备注"].startswith("逾期3天")
    assert overdue["办理期限"].date() == local_today() - timedelta(days=3)
    name = unquote(response.headers["Content-Disposition"])
    assert f"事项台账-逾期-打印版-{local_today():%Y%m%d}.xlsx" in name


def test_print_layout_gives_long_texts_as_a_marked_excerpt_and_the_full_export_keeps_them(app, demo):
    """One report's whole text made a row fill an A4 page; the 打印版 shows an excerpt that
    says so, the full export keeps every character."""
    from tracker.ledger.export import EXCERPT_MARK, PRINT_EXCERPT
    long_answer = "已新建两所小学并投入使用，" * 40
    with app.app_context():
        item = make_item(activity=make_activity(title="关于长文本打印的专题询问"), stage="rectifying")
        item.commitments = long_answer
        db.session.commit()
        key = ("关于长文本打印的专题询问", item.number)
    staff = login_as(app, "staff")
    printed = _rows(_sheet(staff.get("/ledger/export?layout=print")))[key]
    full = _rows(_sheet(staff.get("/ledger/export")))[key]
    assert full["承诺事项"] == long_answer
    assert printed["承诺事项"] == long_answer[:PRINT_EXCERPT] + EXCERPT_MARK


def test_full_export_prints_on_a3_and_the_file_name_says_the_filter(app, demo):
    _seed(app)
    staff = login_as(app, "staff")
    with app.app_context():
        health = db.session.scalar(sa.text("SELECT id FROM unit WHERE name = '区卫生健康局'"))
    response = staff.get(f"/ledger/export?unit={health}&stage=rectifying")
    ws = _sheet(response)
    assert ws.page_setup.paperSize == 8 and ws.page_setup.fitToWidth == 1
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert "（区卫生健康局，整改中）" in ws["A1"].value
    name = unquote(response.headers["Content-Disposition"])
    assert f"事项台账-区卫生健康局-整改中-{local_today():%Y%m%d}.xlsx" in name
    assert "事项台账-全部-" in unquote(staff.get("/ledger/export").headers["Content-Disposition"])
    page = staff.get("/items").get_data(as_text=True)
    assert 'href="/ledger/export?layout=print"' in page


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["full", "print"])
def test_a_printed_ledger_repeats_the_header_and_numbers_its_pages(app, demo, tmp_path, layout):
    """100 items printed by LibreOffice: one page wide, the header on every page, "第 N 页" in the footer."""
    import shutil
    import subprocess
    from pathlib import Path

    from tracker.services import items as ops
    with app.app_context():
        activity = make_activity()
        for i in range(100):
            data = ops.ItemData(origin=Origin.OPINION, question=f"第{i}条：" + "加快学校建设，" * 6)
            item = ops.add_item(activity, data, user("staff"))
            item.commitments = "年底前完成。" * 3
            item.answer = "已制定方案。" * 4
        db.session.commit()
    query = "?layout=print" if layout == "print" else ""
    (tmp_path / "ledger.xlsx").write_bytes(login_as(app, "staff").get(f"/ledger/export{query}").data)
    soffice = require_program("soffice", "libreoffice", install="apt-get install libreoffice-calc-nogui")
    require_program("pdftotext", install="apt-get install poppler-utils")
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "ledger.xlsx")],
                   check=True, timeout=300, capture_output=True)
    pdf = tmp_path / "ledger.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    width, height = (float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert width > height  # landscape
    assert abs(width - (1190.55 if layout == "full" else 841.89)) < 2  # A3 or A4
    seen = set()
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                              check=True, capture_output=True, text=True).stdout
        assert "序号" in text and "备注" in text, page  # the header, last column included: one page wide
        assert f"第{page}页共{pages}页" in "".join(text.split()), page
        seen.update(re.findall(r"第(\d+)条", text))
    assert len(seen) == 100  # every item printed
    artifacts = Path(__file__).parent / "artifacts" / "ledger"
    artifacts.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, artifacts / f"ledger-100-{layout}.pdf")
    (artifacts / f"ledger-100-{layout}.pages").write_text(f"{pages}\n")
