"""Forms of the after-the-vote section: verdict, closure, reopening and 回头看."""
from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms import BooleanField
from wtforms.validators import DataRequired, Optional

from ..fields import BaseForm, CleanTextAreaField, CNDateField, CNSelectField, TextLimit
from ..limits import NOTE_TEXT, PROGRESS_TEXT, REASON_TEXT
from ..models import ClosureKind, LookbackFinding, TerminationCause, VerdictGrade

VERDICT_CHOICES = [("", "暂不评定")] + [(g.value, g.label) for g in VerdictGrade]


class VerdictForm(BaseForm):
    """落实评定 with the item page's 受理 (a document report reads its rows instead)."""

    grade = CNSelectField("落实评定", id="verdict-grade", choices=VERDICT_CHOICES, default="")
    reason = CleanTextAreaField("评定理由（部分落实、未落实须填写）", id="verdict-reason", validators=[
        Optional(), TextLimit(REASON_TEXT)])


class ClosureForm(BaseForm):
    kind = CNSelectField("办结类型", choices=[("", "请选择")] + [(k.value, k.label) for k in ClosureKind],
                         validators=[DataRequired("请选择办结类型")])
    cause = CNSelectField("终止原因（仅终止跟踪）", default="",
                          choices=[("", "—")] + [(c.value, c.label) for c in TerminationCause])
    # Offered per item (``with_merge_choices``); the closure itself accepts only those
    # (``services.closure.merge_targets``), so the field does not check its list again.
    merged_into = CNSelectField("并入的事项（仅“并入其他事项办理”）", choices=[("", "—")], default="",
                                validate_choice=False)
    reason = CleanTextAreaField("办结/终止理由", id="closure-reason", validators=[
        DataRequired("请写明理由"), TextLimit(REASON_TEXT)])


def with_merge_choices(form: ClosureForm, item) -> ClosureForm:
    """The items of ``merge_targets`` as the form's choices: the document number and title,
    the activity for a linked item of another."""
    from ..services.closure import merge_targets
    form.merged_into.choices = [("", "—")] + [
        (str(target.id), f"{target.heading} {target.title}" + (
            f"（{target.activity_title}）" if target.activity_id != item.activity_id else ""))
        for target in merge_targets(item)]
    return form


class ReopenForm(BaseForm):
    reason = CleanTextAreaField("重新打开的理由", id="reopen-reason", validators=[
        DataRequired("重新打开须写明理由"), TextLimit(REASON_TEXT)])


class ScheduleLookbackForm(BaseForm):
    due_on = CNDateField("回头看日期（留空：按办结后的月数设置）", id="lookback-due", validators=[Optional()])
    note = CleanTextAreaField("回头看要求（可不填）", id="lookback-note", validators=[
        Optional(), TextLimit(NOTE_TEXT)])


class LookbackAnswerForm(BaseForm):
    text = CleanTextAreaField("回头看情况（整改成果是否巩固、承诺是否兑现）", id="lookback-text", validators=[
        DataRequired("请填写回头看情况"), TextLimit(PROGRESS_TEXT)])
    files = MultipleFileField("证明材料", id="lookback-files")


class LookbackFindingForm(BaseForm):
    finding = CNSelectField("回头看结论", choices=[("", "请选择")] + [(f.value, f.label) for f in LookbackFinding],
                            validators=[DataRequired("请选择回头看结论")])
    note = CleanTextAreaField("说明", id="finding-note", validators=[
        Optional(), TextLimit(NOTE_TEXT)])
    reopen = BooleanField("重新打开本事项，进入新一轮整改")
    reopen_reason = CleanTextAreaField("重新打开的理由（重新打开时必填）", id="finding-reopen-reason", validators=[
        Optional(), TextLimit(REASON_TEXT)])
