from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..fields import BaseForm, CleanTextAreaField, CNDateField, CNIntegerField, CNSelectField
from ..models import TARGET_ORGANS, ActivityKind, Origin


class ActivityForm(BaseForm):
    kind = CNSelectField("活动类型", choices=[(k.value, k.label) for k in ActivityKind])
    title = StringField("活动名称", validators=[
        DataRequired("请填写活动名称"), Length(max=200, message="不超过 200 字")])
    meeting_session = CNIntegerField("常委会会议届次（第N次会议）", validators=[
        InputRequired("请填写第几次会议"), NumberRange(1, 999, "会议次数应为 1–999")])
    meeting_date = CNDateField("会议日期", validators=[InputRequired("请填写会议日期")])
    report_title = StringField("听取审议的报告", validators=[Optional(), Length(max=200, message="不超过 200 字")])
    target_organ = CNSelectField("监督对象", choices=[(o, o) for o in TARGET_ORGANS])
    lead_committee_id = CNSelectField("牵头工作机构", coerce=int, choices=[])
    evaluation_rule_key = CNSelectField("满意度测评规则", choices=[])
    version = HiddenField()


class QuickItemForm(BaseForm):
    """Add a question or opinion; used repeatedly without reloading the page."""

    origin = CNSelectField("类别", choices=[(o.value, o.label) for o in Origin])
    question = CleanTextAreaField("询问问题 / 审议意见内容", validators=[
        DataRequired("请填写问题或意见内容"), Length(max=5000, message="内容不超过 5000 字")])
    asker = StringField("询问人", validators=[Optional(), Length(max=64, message="不超过 64 字")])
    asked_unit_id = CNSelectField("被询问（承办）单位", coerce=int, choices=[])
    respondent_name = StringField("应询人", validators=[Optional(), Length(max=64, message="不超过 64 字")])
    respondent_post = StringField("应询人职务", validators=[Optional(), Length(max=100, message="不超过 100 字")])
    answer = CleanTextAreaField("答复内容", validators=[Optional(), Length(max=10000, message="不超过 10000 字")])
    commitments = CleanTextAreaField("承诺事项", validators=[Optional(), Length(max=5000, message="不超过 5000 字")])
