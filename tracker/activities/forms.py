from wtforms import BooleanField, Field, HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from ..fields import BaseForm, CleanTextAreaField, CNDateField, CNIntegerField, CNSelectField, TextLimit
from ..limits import (
    ANSWER_TEXT,
    COMMITMENT_TEXT,
    DOCUMENT_NUMBER,
    ITEM_REF,
    ITEM_TEXT,
    OFFICIALS_TEXT,
    PERSON_NAME,
    PERSON_POST,
    PREAMBLE_TEXT,
    TITLE,
)
from ..models import TARGET_ORGANS, ActivityKind, Origin
from ..params import is_number


class ActivityForm(BaseForm):
    kind = CNSelectField("活动类型", choices=[(k.value, k.label) for k in ActivityKind])
    title = StringField("活动名称", validators=[
        DataRequired("请填写活动名称"), TextLimit(TITLE)])
    # 届 and 次 are often not known for an old document: both may stay empty and are then
    # left out of every page and letter, never printed as a guess.
    meeting_term = CNIntegerField("届（第N届，不知道可不填）", validators=[
        Optional(), NumberRange(1, 99, "届应为 1–99")])
    meeting_session = CNIntegerField("次（常委会第N次会议，不知道可不填）", validators=[
        Optional(), NumberRange(1, 999, "会议次数应为 1–999")])
    meeting_date = CNDateField("会议日期（开始）", validators=[InputRequired("请填写会议日期")])
    meeting_end_date = CNDateField("会议结束日期（会期多天时填写）", validators=[Optional()])
    report_title = StringField("听取审议的报告", validators=[Optional(), TextLimit(TITLE)])
    document_number = StringField("审议意见文号", validators=[Optional(), TextLimit(DOCUMENT_NUMBER)])
    adopted_on = CNDateField("主任会议通过日期", validators=[Optional()])
    conveyed_on = CNDateField("转达/交办日期", validators=[Optional()])
    document_deadline = CNDateField("审议意见要求的办理期限", validators=[Optional()])
    preamble = CleanTextAreaField("审议意见前言与问题（会议认为…一是…二是…）", validators=[
        Optional(), TextLimit(PREAMBLE_TEXT)])
    officials = CleanTextAreaField("应询人员（每行一人：姓名 职务）", validators=[
        Optional(), TextLimit(OFFICIALS_TEXT)])
    scored_on_spot = BooleanField("询问答复当场评分")
    target_organ = CNSelectField("监督对象", choices=[(o, o) for o in TARGET_ORGANS])
    lead_committee_id = CNSelectField("牵头工作机构", coerce=int, choices=[])
    evaluation_rule_key = CNSelectField("满意度测评规则", choices=[])
    version = HiddenField()


class CheckedIdsField(Field):
    """Ids of checkboxes that a fragment (the similar-items list) put into the form."""

    def process_formdata(self, valuelist):
        self.data = [v.strip() for v in valuelist if v.strip()]

    def _value(self):
        return ""


class QuickItemForm(BaseForm):
    """Add a question or opinion; used repeatedly without reloading the page."""

    origin = CNSelectField("类别", choices=[(o.value, o.label) for o in Origin])
    ref = StringField("文件中的编号（如 一、（二）、3，可不填）", validators=[
        Optional(), TextLimit(ITEM_REF)])
    parent_id = CNSelectField("属于哪一条（上级条目）", coerce=int, choices=[], default=0)
    question = CleanTextAreaField("询问问题 / 审议意见内容", validators=[
        DataRequired("请填写问题或意见内容"), TextLimit(ITEM_TEXT)])
    asker = StringField("询问人", validators=[Optional(), TextLimit(PERSON_NAME)])
    asked_unit_id = CNSelectField("被询问（承办）单位", coerce=int, choices=[])
    respondent_name = StringField("应询人", validators=[Optional(), TextLimit(PERSON_NAME)])
    respondent_post = StringField("应询人职务", validators=[Optional(), TextLimit(PERSON_POST)])
    answer = CleanTextAreaField("答复内容", validators=[Optional(), TextLimit(ANSWER_TEXT)])
    commitments = CleanTextAreaField("承诺事项", validators=[Optional(), TextLimit(COMMITMENT_TEXT)])
    # Checked in the similar-items list under the question: the earlier item this one raises again.
    earlier_item_id = CheckedIdsField("关联既往事项", default=list)

    def validate_earlier_item_id(self, field):
        if len(field.data or []) > 1:
            raise ValidationError("关联既往事项：只能选择一项（一个事项只关联一个此前提出的事项）")
        if any(not is_number(v) or len(v) > 12 for v in field.data or []):
            raise ValidationError("关联既往事项：请从列表中选择")

    @property
    def earlier_id(self) -> int | None:
        return int(self.earlier_item_id.data[0]) if self.earlier_item_id.data else None
