"""Forms of the follow-up area: notices, the 挂牌督办 flag, and the admin settings."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..fields import BaseForm, CleanTextAreaField, CNDateField, CNIntegerField, CNSelectField
from ..models import ActivityKind, NoticeKind
from ..services.deadlines import RULE_STAGES, UNIT_LABELS, UNIT_LIMITS


class NoticeForm(BaseForm):
    kind = RadioField("类别", choices=[(NoticeKind.URGE.value, "催办（提醒抓紧办理）"),
                                     (NoticeKind.SUPERVISE.value, "督办通知（写明要求和回复期限）")],
                      default=NoticeKind.URGE.value, validators=[DataRequired("请选择催办或督办")])
    text = CleanTextAreaField("内容", validators=[Optional(), Length(max=2000, message="不超过 2000 字")])
    reply_by = CNDateField("回复期限（督办必填）")

    def validate_reply_by(self, field):
        if self.kind.data == NoticeKind.SUPERVISE.value and field.data is None and not field.errors:
            raise ValidationError("督办通知须设定回复期限")


class SuperviseForm(BaseForm):
    supervised = HiddenField(validators=[DataRequired()])
    reason = StringField("理由", validators=[Optional(), Length(max=500, message="不超过 500 字")])


class CalendarForm(BaseForm):
    lines = CleanTextAreaField("节假日与调休（每行一天）", validators=[
        DataRequired("请至少填写一行"), Length(max=20000, message="一次不超过 20000 字")])


def _amount_validators():
    return [InputRequired("必填"), NumberRange(1, max(UNIT_LIMITS.values()), "数值超出范围")]


class DeadlineSettingsForm(BaseForm):
    """Fields are generated below: ``<kind>__<stage>__amount`` and ``__unit``."""

    yellow_workdays = CNIntegerField("黄灯：距期限不超过（个工作日）", validators=[
        InputRequired("必填"), NumberRange(0, 60, "应为 0–60 个工作日")])
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


class BulkReadForm(BaseForm):
    """通知: mark read in bulk. The ticked ids come as a list (``request.form.getlist``)."""

    kind = StringField("类型", validators=[Optional(), Length(max=32)])
