"""Forms of the sitting pages. The per-entry tables (ballot, 表决器 rows) have one input
per entry, named ``<field>-<entry id>``, read by ``read_rows`` / ``read_grades`` so the
whole page is one submit; each error names its row."""
from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict
from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ..fields import (
    BaseForm,
    CleanTextAreaField,
    CNDateField,
    CNIntegerField,
    CNSelectField,
    CNSelectMultipleField,
    TextLimit,
)
from ..limits import PUBLISHED_NOTE, SHORT_REASON, TITLE, PasteError, check_text
from ..models import Evaluation, EvaluationMode
from ..params import is_number
from ..services.sittings import Row
from ..tally import Grade


class OpenSittingForm(BaseForm):
    title = StringField("测评会议名称", validators=[
        DataRequired("请填写名称"), TextLimit(TITLE)])
    meeting_date = CNDateField("会议日期", validators=[InputRequired("请填写会议日期")])
    mode = CNSelectField("测评方式", choices=[(m.value, m.label) for m in EvaluationMode])
    members_total = CNIntegerField("全体组成人员数（网上测评留空＝可投票的测评人数）", validators=[
        Optional(), NumberRange(1, 500, "人数应为 1–500")])
    rule_key = CNSelectField("测评规则", choices=[])
    item_ids = CNSelectMultipleField("测评的报告（已受理报告的事项）", coerce=int, choices=[],
                                     validators=[DataRequired("请至少选择一项")])


class AttendanceForm(BaseForm):
    members_present = CNIntegerField("实到人数", validators=[InputRequired("请填写实到人数"),
                                                          NumberRange(0, 500, "请填写 0–500 的整数")])


class VoidForm(BaseForm):
    reason = CleanTextAreaField("作废并重新测评的理由", validators=[
        DataRequired("请填写理由"), TextLimit(SHORT_REASON)])


class DeadlineForm(BaseForm):
    deadline = CNDateField("新一轮办理期限", validators=[InputRequired("请填写期限")])


class CsrfForm(BaseForm):
    """Pages whose inputs are per entry: the form carries only the CSRF token."""


COUNT_FIELDS = ("satisfied", "basic", "unsatisfied", "invalid")
COUNT_LABELS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意", "invalid": "无效/未按"}
BALLOT_CHOICES = {"satisfied": Grade.SATISFIED, "basic": Grade.BASIC, "unsatisfied": Grade.UNSATISFIED,
                  "blank": None}


@dataclass
class TableInput:
    rows: dict[int, Row] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _count(raw: str, label: str, errors: list[str]) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not is_number(raw) or int(raw) > 500:
        errors.append(f"{label}：请填写 0–500 的整数（{raw[:10]}）")
        return None
    return int(raw)


def read_rows(form: MultiDict, entries: list[Evaluation], spot: bool) -> TableInput:
    result = TableInput()
    for entry in entries:
        row_label = f"第 {entry.position} 行"
        counts = {name: _count(form.get(f"{name}-{entry.id}", ""), f"{row_label}{COUNT_LABELS[name]}",
                               result.errors) for name in COUNT_FIELDS}
        grade = None
        raw_grade = form.get(f"grade-{entry.id}", "")
        if spot and raw_grade:
            if raw_grade not in Grade._value2member_map_:
                result.errors.append(f"{row_label}公布结果：请从列表中选择")
            else:
                grade = Grade(raw_grade)
        note = (form.get(f"note-{entry.id}", "") or "").strip()
        try:  # never cut: an over-long note is refused with the limit stated
            check_text(note, PUBLISHED_NOTE, f"{row_label}公布说明", required=False)
        except PasteError as error:
            result.errors.append(error.message)
        result.rows[entry.id] = Row(**counts, confirm_unbalanced=form.get(f"confirm-{entry.id}") == "1", grade=grade,
                                    published_text=note)
    return result


def read_grades(form: MultiDict, entries: list[Evaluation], grades: tuple[Grade, ...]):
    """One choice per entry: a grade of the rule, or 不作选择 (a ballot with no valid grade)."""
    chosen, missing = {}, []
    allowed = {k: v for k, v in BALLOT_CHOICES.items() if v is None or v in grades}
    for entry in entries:
        raw = form.get(f"grade-{entry.id}", "")
        if raw not in allowed:
            missing.append(entry.position)
        else:
            chosen[entry.id] = allowed[raw]
    return chosen, missing
