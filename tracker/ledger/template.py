"""The import template: the headers the importer reads, one example row, and a sheet
of notes, so staff can paste their hand-kept ledger into the right columns."""
from __future__ import annotations

from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..models import TARGET_ORGANS, ActivityKind
from .importer import COLUMNS


def write_template(fileobj: IO[bytes]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="D9D9D9")
    for index, column in enumerate(COLUMNS, 1):
        header = ws.cell(row=1, column=index, value=column.header + ("*" if column.required else ""))
        header.font, header.fill = bold, fill
        header.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        example = ws.cell(row=2, column=index, value=column.example)
        if column.key in ("meeting_date", "deadline"):
            example.number_format = "yyyy-mm-dd"
        ws.column_dimensions[get_column_letter(index)].width = 30 if column.key in ("title", "question") else 16
    ws.freeze_panes = "A2"
    letters = {c.key: get_column_letter(i) for i, c in enumerate(COLUMNS, 1)}
    for key, choices in (("origin", ["询问问题", "审议意见"]), ("kind", [k.label for k in ActivityKind]),
                         ("target", TARGET_ORGANS)):
        rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
        rule.add(f"{letters[key]}2:{letters[key]}5000")
        ws.add_data_validation(rule)

    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明"])
    for cell in notes[1]:
        cell.font, cell.fill = bold, fill
    for column in COLUMNS:
        notes.append([column.header, "必填" if column.required else "", column.note])
    notes.append([])
    notes.append(["说明", "", "第 2 行是示例，导入前请删除或改为真实内容。只读取第一个工作表；"
                              "任何一行有问题时整份文件都不会导入，请按预览页提示修改后重新上传。"])
    for letter, width in (("A", 16), ("B", 10), ("C", 80)):
        notes.column_dimensions[letter].width = width
    wb.save(fileobj)
