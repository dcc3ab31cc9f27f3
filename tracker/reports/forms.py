from flask_wtf.file import MultipleFileField
from wtforms.validators import DataRequired

from ..fields import BaseForm, CleanTextAreaField, TextLimit
from ..limits import REASON_TEXT, REPORT_TEXT


class DocumentReportForm(BaseForm):
    """The report text and its files; the per-item lines are read from the row fields."""

    text = CleanTextAreaField("报告正文", validators=[
        DataRequired("请填写报告正文"), TextLimit(REPORT_TEXT)])
    files = MultipleFileField("附件（证明材料）")


class AcceptForm(BaseForm):
    opinion = CleanTextAreaField("审查意见（如“总体同意”及进一步要求，可不填）", validators=[
        TextLimit(REPORT_TEXT)])


class ReturnReportForm(BaseForm):
    reason = CleanTextAreaField("退回理由", validators=[
        DataRequired("退回须写明理由"), TextLimit(REASON_TEXT)])
