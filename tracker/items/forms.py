from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..fields import (
    BaseForm,
    CleanTextAreaField,
    CNDateField,
    CNIntegerField,
    CNSelectField,
    CNSelectMultipleField,
)
from ..models import AnswerClass, EntryKind, EvaluationMode

# "" keeps the class as it is: a 答 may be recorded before anyone has classed it.
ANSWER_CLASS_CHOICES = [("", "（暂不分类）")] + [(c.value, c.title) for c in AnswerClass]


class AnswerForm(BaseForm):
    respondent_name = StringField("应询人", validators=[Optional(), Length(max=64, message="不超过 64 字")])
    respondent_post = StringField("应询人职务", validators=[Optional(), Length(max=100, message="不超过 100 字")])
    answer = CleanTextAreaField("答复内容", validators=[
        DataRequired("请填写答复内容"), Length(max=10000, message="不超过 10000 字")])
    commitments = CleanTextAreaField("承诺事项", validators=[Optional(), Length(max=5000, message="不超过 5000 字")])
    commitment_due = CNDateField("承诺完成日期（填写即为确认；留空则按承诺事项中的时间拟定，待确认）",
                                 validators=[Optional()])
    answer_class = CNSelectField("答复分类", choices=ANSWER_CLASS_CHOICES, default="")
    answer_class_reason = CleanTextAreaField("分类说明（D 类须说明理由）", validators=[
        Optional(), Length(max=2000, message="不超过 2000 字")])
    version = HiddenField()


class AssignForm(BaseForm):
    lead_unit_id = CNSelectField("牵头单位", coerce=int, choices=[], validators=[DataRequired("请选择牵头单位")])
    co_unit_ids = CNSelectMultipleField("协办单位", coerce=int, choices=[])
    deadline = CNDateField("办理期限", validators=[InputRequired("请填写办理期限")])
    version = HiddenField()


class CorrectAssignmentForm(BaseForm):
    lead_unit_id = CNSelectField("牵头单位", id="correct-lead", coerce=int, choices=[],
                                 validators=[DataRequired("请选择牵头单位")])
    co_unit_ids = CNSelectMultipleField("协办单位", id="correct-co", coerce=int, choices=[])
    deadline = CNDateField("办理期限", id="correct-deadline", validators=[InputRequired("请填写办理期限")])
    question = CleanTextAreaField("事项内容", id="correct-question", validators=[
        DataRequired("请填写事项内容"), Length(max=5000, message="不超过 5000 字")])
    reason = CleanTextAreaField("更正理由", id="correct-reason", validators=[
        DataRequired("更正交办须写明理由"), Length(max=2000, message="不超过 2000 字")])
    version = HiddenField(id="correct-version")


class ProgressForm(BaseForm):
    kind = CNSelectField("类别", choices=[(EntryKind.RESPONSE.value, EntryKind.RESPONSE.label),
                                        (EntryKind.PROGRESS.value, EntryKind.PROGRESS.label)])
    text = CleanTextAreaField("内容", validators=[
        DataRequired("请填写内容"), Length(max=20000, message="不超过 20000 字")])
    files = MultipleFileField("附件（证明材料）")


class ReportForm(BaseForm):
    # Own ids: the progress form on the same page also has "text" and "files" fields,
    # and a label must point at its own box.
    text = CleanTextAreaField("整改情况报告", id="report-text", validators=[
        DataRequired("请填写报告内容"), Length(max=50000, message="不超过 50000 字")])
    files = MultipleFileField("附件", id="report-files")


class WithdrawForm(BaseForm):
    reason = CleanTextAreaField("作废理由", id="withdraw-reason", validators=[
        DataRequired("作废须写明理由"), Length(max=2000, message="不超过 2000 字")])


class ReturnForm(BaseForm):
    reason = CleanTextAreaField("退回理由", validators=[
        DataRequired("退回须写明理由"), Length(max=2000, message="不超过 2000 字")])


class ExtensionForm(BaseForm):
    requested_deadline = CNDateField("申请延至", validators=[InputRequired("请填写申请延期至的日期")])
    reason = CleanTextAreaField("延期理由（书面说明）", validators=[
        DataRequired("请说明延期理由"), Length(min=5, max=2000, message="理由应为 5–2000 字")])


class DecideExtensionForm(BaseForm):
    decision = RadioField("审批", choices=[("approve", "批准"), ("refuse", "不批准")],
                          validators=[DataRequired("请选择是否批准")])
    note = CleanTextAreaField("审批意见", validators=[Optional(), Length(max=2000, message="不超过 2000 字")])


class OpenEvaluationForm(BaseForm):
    # 现场评定 covers several answers at once: it is opened as a sitting (测评会议).
    mode = CNSelectField("测评方式", choices=[(m.value, m.label) for m in EvaluationMode
                                          if m is not EvaluationMode.SPOT])
    members_total = CNIntegerField("全体组成人员数", validators=[
        Optional(), NumberRange(1, 500, "人数应为 1–500")])
    rule_key = CNSelectField("测评规则", choices=[])


class TallyForm(BaseForm):
    members_total = CNIntegerField("全体组成人员", validators=[
        InputRequired("必填"), NumberRange(1, 500, "请填写 1–500 的整数")])
    members_present = CNIntegerField("实到人数", validators=[NumberRange(0, 500, "请填写 0–500 的整数")])
    satisfied = CNIntegerField("满意", validators=[NumberRange(0, 500, "请填写 0–500 的整数")])
    basic = CNIntegerField("基本满意", validators=[NumberRange(0, 500, "请填写 0–500 的整数")])
    unsatisfied = CNIntegerField("不满意", validators=[NumberRange(0, 500, "请填写 0–500 的整数")])
    invalid = CNIntegerField("无效票", validators=[NumberRange(0, 500, "请填写 0–500 的整数")])
    confirm_unbalanced = BooleanField("票数与实到人数不符，确认与表决器记录一致")


class CloseEvaluationForm(BaseForm):
    new_deadline = CNDateField("新一轮办理期限（不通过时；留空按规则计算）", validators=[Optional()])


class VoteForm(BaseForm):
    grade = RadioField("您的测评意见", choices=[("satisfied", "满意"), ("basic", "基本满意"),
                                              ("unsatisfied", "不满意"), ("blank", "不作选择（计为无效票）")],
                       validators=[DataRequired("请选择一项；如不作选择，请选“不作选择”")])


class PublishForm(BaseForm):
    published = CNSelectField("公开", choices=[("1", "向社会公布"), ("0", "不公布")])


class EditItemForm(BaseForm):
    origin = CNSelectField("类别", choices=[("question", "询问问题"), ("opinion", "审议意见")])
    ref = StringField("文件中的编号（如 一、（二）、3，可不填）", validators=[
        Optional(), Length(max=32, message="不超过 32 字")])
    parent_id = CNSelectField("属于哪一条（上级条目）", coerce=int, choices=[], default=0)
    question = CleanTextAreaField("询问问题 / 审议意见内容", validators=[
        DataRequired("请填写问题或意见内容"), Length(max=5000, message="内容不超过 5000 字")])
    asker = StringField("询问人", validators=[Optional(), Length(max=64, message="不超过 64 字")])
    asked_unit_id = CNSelectField("被询问（承办）单位", coerce=int, choices=[])
    version = HiddenField()


def with_unit_choices(form):
    """交办 and 更正交办 forms: the active 一府一委两院 units as lead and co-unit choices."""
    from ..queries import organ_choices
    organs = organ_choices()
    form.lead_unit_id.choices = [(0, "请选择")] + organs
    form.co_unit_ids.choices = organs
    return form
