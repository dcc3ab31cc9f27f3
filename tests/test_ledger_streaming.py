"""The 台账 export streams (issue 16, point 7): ids come from a cursor in batches, the
writer builds repeated short cells once. Neither may change a byte of what users get."""
from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from tracker.documents import xlsx_writer
from tracker.documents.xlsx import Column
from tracker.documents.xlsx_writer import PrintSetup, write_sheet

from .conftest import login_as
from .test_ledger_export import _seed

# sha256 of each part as the writer before this change (main at a0d8cf6) wrote it for
# ``_rows()`` below: the memo and the new compression level must not change the content.
BEFORE = {
    "xl/worksheets/sheet1.xml": "b8144b99e90516366ced768d9f72ffc6e3bfffcfc6460cbcdc4f9b712ffe8c15",
    "xl/workbook.xml": "c427e6fd9ccd91f5a745fdb335d172a79bde05999d1a8fdba44ca6916d2b8886",
    "xl/styles.xml": "14e4d7c071bfdd34ac59589fd3c95940a1ae82a6ff78420b3453411fc0e6bf29",
}
COLUMNS = [Column("序号", 6), Column("活动", 30, "wraptext"), Column("单位", 18, "wraptext"),
           Column("日期", 12, "date"), Column("时间", 12, "date"), Column("数", 6, "int"), Column("是否", 6),
           Column("小数", 6), Column("内容", 50, "wraptext"), Column("阶段", 14), Column("备注", 20, "wraptext")]


def _rows():
    units = ["区教育局", "区卫生健康局", "区住房和城乡建设局"]
    for i in range(1200):
        yield [str(i + 1), f"关于第{i // 250}项重点工作的监督", units[i % 3], date(2026, 1, 1 + i % 28),
               datetime(2026, 2, 3, 10, 5) if i % 5 else None, i % 7, i % 2 == 0, 2.5 if i % 11 == 0 else None,
               ("针对城区学校大班额问题，建议加快学校建设进度。" * (1 + i % 4)) + ("\n第二行" if i % 3 == 0 else ""),
               "=SUM(A1)" if i % 97 == 0 else ("+1 开头" if i % 89 == 0 else "办结（已落实）"), "a & b <c> \x01“引号”"]


def _parts() -> dict[str, str]:
    buffer = io.BytesIO()
    assert write_sheet(buffer, "标题", COLUMNS, _rows(),
                       setup=PrintSetup(paper="A4", banner="横幅 & 标题", footer_left="页脚&")) == 1200
    with zipfile.ZipFile(buffer) as package:
        return {name: hashlib.sha256(package.read(name)).hexdigest() for name in package.namelist()}


@pytest.mark.parametrize("memo_cells", [20_000, 3, 0])
def test_writer_output_is_byte_for_byte_what_it_was(monkeypatch, memo_cells):
    """With the memo on, emptied every few cells, or off: the same sheet as before."""
    monkeypatch.setattr(xlsx_writer, "MEMO_CELLS", memo_cells)
    parts = _parts()
    for name, digest in BEFORE.items():
        assert parts[name] == digest, name


def _values(data: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    heights = [ws.row_dimensions[r].height for r in range(2, ws.max_row + 1)]
    return list(ws.iter_rows(min_row=2, values_only=True)) + [tuple(heights)]


@pytest.mark.parametrize("layout", ["full", "print"])
def test_small_batches_give_the_same_ledger(app, demo, layout):
    """Ids streamed from the cursor in batches of 2 (many round trips, a batch boundary
    inside every activity) give the same rows, in the same order, as one batch."""
    _seed(app)
    client = login_as(app, "staff")
    app.config["LEDGER_EXPORT_BATCH"] = 1000
    whole = _values(client.get(f"/ledger/export?layout={layout}").data)
    app.config["LEDGER_EXPORT_BATCH"] = 2
    batched = _values(client.get(f"/ledger/export?layout={layout}").data)
    assert len(whole) > 6 and batched == whole


def test_ids_are_streamed_not_listed(app, demo):
    import sqlalchemy as sa

    from tracker.extensions import db
    from tracker.ledger.export import ledger_ids
    from tracker.models import Activity, Item
    _seed(app)
    with app.app_context():
        stream = ledger_ids(sa.select(Item), 2)
        assert not isinstance(stream, list)
        expected = list(db.session.scalars(sa.select(Item.id).join(Activity, Activity.id == Item.activity_id)
                                           .order_by(Activity.meeting_date, Activity.id, Item.seq)))
        assert list(stream) == expected
