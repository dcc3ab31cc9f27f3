from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ..fields import (
    BaseForm,
    CleanTextAreaField,
    CNDateField,
    CNIntegerField,
    CNRadioField,
    CNSelectField,
    CNSelectMultipleField,
    TextLimit,
)
from ..limits import (
    ANSWER_TEXT,
    COMMITMENT_TEXT,
    ITEM_REF,
    ITEM_TEXT,
    NOTE_TEXT,
    PERSON_NAME,
    PERSON_POST,
    PROGRESS_TEXT,
    REASON_TEXT,
    REPORT_TEXT,
)
from ..models import AnswerClass, EntryKind, EvaluationMode

# "" keeps the class as it is: a 答 may be recorded before anyone has classed it.
ANSWER_CLASS_CHOICES = [("", "（暂不分类）")] + [(c.value, c.title) for c in AnswerClass]


class AnswerForm(BaseForm):
    respondent_name = StringField("应询人", validators=[Optional(), TextLimit(PERSON_NAME)])
    respondent_post = StringField("应询人职务", validators=[Optional(), TextLimit(PERSON_POST)])
    answer = CleanTextAreaField("答复内容", validators=[
        DataRequired("请填写答复内容"), TextLimit(ANSWER_TEXT)])
    # Its own id: the item page's 承诺 panel is #commitments (ids are unique on a page).
    commitments = CleanTextAreaField("承诺事项", id="answer-commitments",
                                     validators=[Optional(), TextLimit(COMMITMENT_TEXT)])
    commitment_due = CNDateField("承诺完成日期（填写即为确认；留空则按承诺事项中的时间拟定，待确认）",
                                 validators=[Optional()])
    answer_class = CNSelectField("答复分类", choices=ANSWER_CLASS_CHOICES, default="")
    answer_class_reason = CleanTextAreaField("分类说明（D 类须说明理由）", validators=[
        Optional(), TextLimit(REASON_TEXT)])
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
        DataRequired("请填写事项内容"), TextLimit(ITEM_TEXT)])
    reason = CleanTextAreaField("更正理由", id="correct-reason", validators=[
        DataRequired("更正交办须写明理由"), TextLimit(REASON_TEXT)])
    version = HiddenField(id="correct-version")


class BackfillForm(BaseForm):
    """补录: a matter handled before the system, with the dates it really happened."""

    lead_unit_id = CNSelectField("牵头单位", id="backfill-lead", coerce=int, choices=[],
                                 validators=[DataRequired("请选择牵头单位")])
    co_unit_ids = CNSelectMultipleField("协办单位", id="backfill-co", coerce=int, choices=[])
    assigned_on = CNDateField("交办日期", validators=[InputRequired("请填写交办日期")])
    deadline = CNDateField("办理期限（可以是过去的日期）", validators=[InputRequired("请填写办理期限")])
    acknowledged_on = CNDateField("签收日期（不知道可不填）", validators=[Optional()])
    accepted_on = CNDateField("受理报告日期（不知道可不填）", validators=[Optional()])
    closed_on = CNDateField("办结日期（未办结不填）", validators=[Optional()])
    result = CleanTextAreaField("办理结果（报告要点、测评结果；补录受理或办结时必填）", validators=[
        Optional(), TextLimit(REPORT_TEXT)])
    version = HiddenField()


class ProgressForm(BaseForm):
    kind = CNSelectField("类别", choices=[(EntryKind.RESPONSE.value, EntryKind.RESPONSE.label),
                                        (EntryKind.PROGRESS.value, EntryKind.PROGRESS.label)])
    text = CleanTextAreaField("内容", validators=[
        DataRequired("请填写内容"), TextLimit(PROGRESS_TEXT)])
    files = MultipleFileField("附件（证明材料）")


class ReportForm(BaseForm):
    # Own ids: the progress form on the same page also has "text" and "files" fields,
    # and a label must point at its own box.
    text = CleanTextAreaField("整改情况报告", id="report-text", validators=[
        DataRequired("请填写报告内容"), TextLimit(REPORT_TEXT)])
    files = MultipleFileField("附件", id="report-files")


class WithdrawForm(BaseForm):
    reason = CleanTextAreaField("作废理由", id="withdraw-reason", validators=[
        DataRequired("作废须写明理由"), TextLimit(REASON_TEXT)])


class ReturnForm(BaseForm):
    reason = CleanTextAreaField("退回理由", validators=[
        DataRequired("退回须写明理由"), TextLimit(REASON_TEXT)])


class ExtensionForm(BaseForm):
    requested_deadline = CNDateField("申请延至", validators=[InputRequired("请填写申请延期至的日期")])
    reason = CleanTextAreaField("延期理由（书面说明）", validators=[
        DataRequired("请说明延期理由"), TextLimit(REASON_TEXT, min=5, too_short="理由至少 5 字")])


class DecideExtensionForm(BaseForm):
    decision = RadioField("审批", choices=[("approve", "批准"), ("refuse", "不批准")],
                          validators=[DataRequired("请选择是否批准")])
    note = CleanTextAreaField("审批意见", validators=[Optional(), TextLimit(NOTE_TEXT)])


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
        Optional(), TextLimit(ITEM_REF)])
    parent_id = CNSelectField("属于哪一条（上级条目）", coerce=int, choices=[], default=0)
    question = CleanTextAreaField("询问问题 / 审议意见内容", validators=[
        DataRequired("请填写问题或意见内容"), TextLimit(ITEM_TEXT)])
    asker = StringField("询问人", validators=[Optional(), TextLimit(PERSON_NAME)])
    asked_unit_id = CNSelectField("被询问（承办）单位", coerce=int, choices=[])
    version = HiddenField()


def with_unit_choices(form):
    """交办 and 更正交办 forms: the active 一府一委两院 units as lead and co-unit choices."""
    from ..choices import organ_choices
    organs = organ_choices()
    form.lead_unit_id.choices = [(0, "请选择")] + organs
    form.co_unit_ids.choices = organs
    return form


class HandbackForm(BaseForm):
    """退办申请 by the lead unit (a reason is required; suggesting a unit is optional)."""

    reason = CleanTextAreaField("退办理由", id="handback-reason", validators=[
        DataRequired("请写明退办理由"), TextLimit(REASON_TEXT)])
    suggested_unit_id = CNSelectField("建议承办单位（可不选）", id="handback-suggested", coerce=int, choices=[],
                                      validators=[Optional()])


class DecideHandbackForm(BaseForm):
    """Staff: reassign to another lead unit (deadline restarts by rule) or refuse with a note."""

    decision = CNRadioField("处理", choices=[("reassign", "同意退办，改交其他单位"),
                                         ("refuse", "不同意，由原单位继续办理")],
                          validators=[DataRequired("请选择处理方式")])
    lead_unit_id = CNSelectField("新的牵头单位", id="handback-lead", coerce=int, choices=[], validators=[Optional()])
    co_unit_ids = CNSelectMultipleField("协办单位", id="handback-co", coerce=int, choices=[])
    note = CleanTextAreaField("处理意见（不同意时必填）", id="handback-note", validators=[
        Optional(), TextLimit(REASON_TEXT)])


class DeclaredDateForm(BaseForm):
    """承办单位预计完成日期, once the deadline has passed."""

    expected_on = CNDateField("预计完成日期", validators=[InputRequired("请填写预计完成日期")])
    reason = CleanTextAreaField("未能按期完成的原因", id="declared-reason", validators=[
        DataRequired("请说明未能按期完成的原因"), TextLimit(REASON_TEXT)])


def with_handback_choices(form):
    """The 退办 forms offer the same 一府一委两院 units as 交办."""
    from ..choices import organ_choices
    organs = organ_choices()
    if hasattr(form, "suggested_unit_id"):
        form.suggested_unit_id.choices = [(0, "（不建议）")] + organs
    else:
        form.lead_unit_id.choices = [(0, "请选择")] + organs
        form.co_unit_ids.choices = organs
    return form
