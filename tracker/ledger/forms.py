"""The upload form of the 台账 import."""
from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField

from ..fields import BaseForm


class ImportForm(BaseForm):
    file = FileField("台账文件（.xlsx）", validators=[
        FileRequired("请选择要导入的 .xlsx 文件"),
        FileAllowed(["xlsx"], "只能上传 .xlsx 格式的 Excel 文件（.xls 请先在 Excel 中另存为 .xlsx）")],
        render_kw={"accept": ".xlsx"})
    # The sha256 of the file that was previewed; the import step must send the same file.
    digest = HiddenField()


class ConfirmImportForm(BaseForm):
    """确认导入 of the file kept from the preview: nothing to choose again. The digest is
    the previewed file's, so a newer upload in another tab cannot be imported unseen."""

    digest = HiddenField()
