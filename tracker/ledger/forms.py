"""The upload form of the 台账 import."""
from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField

from ..fields import BaseForm


class ImportForm(BaseForm):
    file = FileField("台账文件（.xlsx）", validators=[
        FileRequired("请选择要导入的 .xlsx 文件"),
        FileAllowed(["xlsx"], "只能上传 .xlsx 格式的 Excel 文件（.xls 请先在 Excel 中另存为 .xlsx）")],
        render_kw={"accept": ".xlsx"})
    # The sha256 of the file that was previewed; the import step must send the same file.
    digest = HiddenField()
    # 补录: a ledger of past years, with past deadlines and the real 交办/签收/受理/办结 dates.
    backfill = BooleanField("补录往年事项（允许过去的办理期限，按表中的交办、签收、受理、办结日期录入）")


class ConfirmImportForm(BaseForm):
    """确认导入 of the file kept from the preview: nothing to choose again. The digest is
    the previewed file's, so a newer upload in another tab cannot be imported unseen."""

    digest = HiddenField()
    backfill = HiddenField()  # "1": the preview was checked in 补录 mode
