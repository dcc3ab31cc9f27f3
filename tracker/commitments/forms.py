from flask_wtf.file import MultipleFileField
from wtforms import BooleanField
from wtforms.validators import DataRequired, Optional

from ..fields import BaseForm, CleanTextAreaField, CNDateField, CNSelectField, TextLimit
from ..limits import COMMITMENT_TEXT, PROGRESS_TEXT, REASON_TEXT
from ..models import CommitmentSource, CommitmentStatus


class CommitmentForm(BaseForm):
    """Staff record a commitment by hand; a date typed here is confirmed."""

    text = CleanTextAreaField("承诺内容", id="commitment-text", validators=[
        DataRequired("请填写承诺内容"), TextLimit(COMMITMENT_TEXT)])
    due_on = CNDateField("完成日期（可不填，留待确认）", id="commitment-due", validators=[Optional()])
    source = CNSelectField("来源", id="commitment-source", choices=[(s.value, s.label) for s in CommitmentSource])
    # The item's own units; the operation refuses any other (choices are the item's, not global).
    unit_id = CNSelectField("责任单位", id="commitment-unit", coerce=int, choices=[], default=0,
                            validate_choice=False)


class ConfirmDueForm(BaseForm):
    due_on = CNDateField("确认完成日期", validators=[DataRequired("请填写确认的完成日期")])


class CommitmentStatusForm(BaseForm):
    status = CNSelectField("兑现情况", choices=[(s.value, s.label) for s in CommitmentStatus],
                           validators=[DataRequired("请选择兑现情况")])
    reason = CleanTextAreaField("理由（部分兑现、不再适用须填写）", validators=[
        Optional(), TextLimit(REASON_TEXT)])


class EvidenceForm(BaseForm):
    text = CleanTextAreaField("兑现情况", id="evidence-text", validators=[
        DataRequired("请填写兑现情况"), TextLimit(PROGRESS_TEXT)])
    files = MultipleFileField("附件（证明材料）", id="evidence-files")
    claims_kept = BooleanField("本单位认为已兑现，报请确认", id="evidence-kept")


class ReviewAskForm(BaseForm):
    """A further ask in the 审查意见, recorded as a commitment on one of the report's items."""

    item_id = CNSelectField("事项", id="ask-item", coerce=int, choices=[], validators=[DataRequired("请选择事项")])
    text = CleanTextAreaField("要求（承诺内容）", id="ask-text", validators=[
        DataRequired("请填写要求内容"), TextLimit(COMMITMENT_TEXT)])
    due_on = CNDateField("完成日期（可不填，留待确认）", id="ask-due", validators=[Optional()])
