"""Forms of the follow-up area: notices, the 挂牌督办 flag, and the admin settings."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from ..fields import BaseForm, CleanTextAreaField, CNDateField, CNIntegerField, CNSelectField, TextLimit
from ..limits import BULK_LINES, NOTE_TEXT, SEARCH_WORD, SHORT_REASON
from ..models import ActivityKind, NoticeKind
from ..services.deadlines import RULE_STAGES, UNIT_LABELS, UNIT_LIMITS


class NoticeForm(BaseForm):
    kind = RadioField("类别", choices=[(NoticeKind.URGE.value, "催办（提醒抓紧办理）"),
                                     (NoticeKind.SUPERVISE.value, "督办通知（写明要求和回复期限）")],
                      default=NoticeKind.URGE.value, validators=[DataRequired("请选择催办或督办")])
    text = CleanTextAreaField("内容", validators=[Optional(), TextLimit(NOTE_TEXT)])
    reply_by = CNDateField("回复期限（督办必填）")

    def validate_reply_by(self, field):
        if self.kind.data == NoticeKind.SUPERVISE.value and field.data is None and not field.errors:
            raise ValidationError("督办通知须设定回复期限")


class SuperviseForm(BaseForm):
    supervised = HiddenField(validators=[DataRequired()])
    reason = StringField("理由", validators=[Optional(), TextLimit(SHORT_REASON)])


class CalendarForm(BaseForm):
    lines = CleanTextAreaField("节假日与调休（每行一天）", validators=[
        DataRequired("请至少填写一行"), TextLimit(BULK_LINES)])


def _amount_validators():
    return [InputRequired("必填"), NumberRange(1, max(UNIT_LIMITS.values()), "数值超出范围")]


class DeadlineSettingsForm(BaseForm):
    """Fields are generated below: ``<kind>__<stage>__amount`` and ``__unit``."""

    yellow_workdays = CNIntegerField("黄灯：距期限不超过（个工作日）", validators=[
        InputRequired("必填"), NumberRange(0, 60, "应为 0–60 个工作日")])
    silent_workdays = CNIntegerField("无进展：承办单位连续多少个工作日未报送进展", validators=[
        InputRequired("必填"), NumberRange(1, 250, "应为 1–250 个工作日")])
    handback_workdays = CNIntegerField("退办：交办后多少个工作日内可申请退办", validators=[
        InputRequired("必填"), NumberRange(1, 60, "应为 1–60 个工作日")])
    remind_on_yellow = BooleanField("临期（黄灯）时自动提醒承办单位")
    warn_on_red = BooleanField("逾期（红灯）时自动发出逾期警告")
    supervise_after_overdue_days = CNIntegerField("逾期满多少天提请挂牌督办（留空为不自动）", validators=[
        Optional(), NumberRange(1, 3650, "应为 1–3650 天")])
    supervise_after_failed_rounds = CNIntegerField("测评未通过满多少轮提请挂牌督办（留空按测评规则）", validators=[
        Optional(), NumberRange(1, 20, "应为 1–20 轮")])
    remind_assign_due = BooleanField("会议后超过交办期限仍未交办时提醒工作人员")

    def rule_rows(self):
        """(kind, [(stage label, amount field, unit field)]) for the template."""
        return [(kind, [(label, self[f"{kind.value}__{stage}__amount"], self[f"{kind.value}__{stage}__unit"])
                        for stage, label in RULE_STAGES.items()]) for kind in ActivityKind]


for _kind in ActivityKind:
    for _stage in RULE_STAGES:
        setattr(DeadlineSettingsForm, f"{_kind.value}__{_stage}__amount",
                CNIntegerField(f"{_kind.label}·{RULE_STAGES[_stage]}", validators=_amount_validators()))
        setattr(DeadlineSettingsForm, f"{_kind.value}__{_stage}__unit",
                CNSelectField("单位", choices=[(u.value, label) for u, label in UNIT_LABELS.items()]))


class LookbackSettingsForm(BaseForm):
    """回头看: how many months after 办结, per activity kind (fields generated below)."""

    def kind_fields(self):
        return [(kind, self[f"{kind.value}__months"]) for kind in ActivityKind]


for _kind in ActivityKind:
    setattr(LookbackSettingsForm, f"{_kind.value}__months", CNIntegerField(
        f"{_kind.label}：办结后几个月回头看", validators=[InputRequired("必填"), NumberRange(1, 60, "应为 1–60 个月")]))


class ActivityLookbackForm(BaseForm):
    due_on = CNDateField("回头看日期（留空：各事项办结后按设置的月数）", validators=[Optional()])
    note = CleanTextAreaField("回头看要求（可不填）", validators=[
        Optional(), TextLimit(NOTE_TEXT)])
class BulkReadForm(BaseForm):
    """通知: mark read in bulk. The ticked ids come as a list (``request.form.getlist``)."""

    kind = StringField("类型", validators=[Optional(), TextLimit(SEARCH_WORD)])
