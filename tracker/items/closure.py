"""After the vote, on the item page: 办结/终止跟踪, 更正办结类型, 重新打开, 回头看.

Each view is the item page's usual shape (``actions.perform``): load-or-404, authorize
through the workflow table, validate, one operation, commit, 303.
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user, login_required

from ..extensions import db
from ..models import ClosureKind, Item, Lookback, LookbackFinding, TerminationCause
from ..services import OperationError
from ..services import closure as ops
from ..services import lookbacks as lookback_ops
from ..workflow import Action
from . import bp
from . import closure_forms as f
from .actions import _files, perform


def merged_into_id(value: str | None) -> int | None:
    """The chosen item of ``ClosureForm.merged_into`` (an item id; ``with_merge_choices``)."""
    value = (value or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise OperationError("并入事项：请从列表中选择本事项并入的另一项事项")
    return int(value)


def closure_input(form: f.ClosureForm) -> ops.ClosureInput:
    cause = TerminationCause(form.cause.data) if form.cause.data else None
    return ops.ClosureInput(ClosureKind(form.kind.data), form.reason.data, cause, merged_into_id(form.merged_into.data))


@bp.route("/items/<int:item_id>/close", methods=["POST"])
@login_required
def close_item(item_id: int):
    form = f.ClosureForm(prefix="close")
    return perform(item_id, Action.CLOSE_ITEM, "close_item_form", form,
                   lambda item: ops.close_item(item, closure_input(form), current_user), "已记录办结类型和理由",
                   prepare=f.with_merge_choices)


@bp.route("/items/<int:item_id>/closure", methods=["POST"])
@login_required
def set_closure(item_id: int):
    form = f.ClosureForm(prefix="closure")
    return perform(item_id, Action.SET_CLOSURE, "closure_form", form,
                   lambda item: ops.set_closure(item, closure_input(form), current_user), "已更正办结类型，原记录保留",
                   prepare=f.with_merge_choices)


@bp.route("/items/<int:item_id>/reopen", methods=["POST"])
@login_required
def reopen(item_id: int):
    form = f.ReopenForm()
    return perform(item_id, Action.REOPEN, "reopen_form", form,
                   lambda item: ops.reopen_item(item, form.reason.data, current_user), "已重新打开，进入新一轮整改")


@bp.route("/items/<int:item_id>/lookbacks", methods=["POST"])
@login_required
def schedule_lookback(item_id: int):
    form = f.ScheduleLookbackForm()
    return perform(item_id, Action.SCHEDULE_LOOKBACK, "lookback_form", form,
                   lambda item: lookback_ops.schedule_lookback(item, form.due_on.data, form.note.data, current_user),
                   "已安排回头看，到期时将通知承办单位", "#lookbacks")


def _lookback(item: Item, lookback_id: int) -> Lookback:
    lookback = db.session.get(Lookback, lookback_id)
    if lookback is None or lookback.item_id != item.id:
        abort(404)
    return lookback


@bp.route("/items/<int:item_id>/lookbacks/<int:lookback_id>/answer", methods=["POST"])
@login_required
def answer_lookback(item_id: int, lookback_id: int):
    form = f.LookbackAnswerForm()
    return perform(item_id, Action.ANSWER_LOOKBACK, "lookback_answer_form", form, lambda item: lookback_ops
                   .answer_lookback(_lookback(item, lookback_id), item, form.text.data, _files(form.files),
                                    current_user), "已报送回头看情况", "#lookbacks")


@bp.route("/items/<int:item_id>/lookbacks/<int:lookback_id>/finding", methods=["POST"])
@login_required
def record_finding(item_id: int, lookback_id: int):
    form = f.LookbackFindingForm()

    def op(item):
        lookback_ops.record_finding(_lookback(item, lookback_id), item, LookbackFinding(form.finding.data),
                                    form.note.data, bool(form.reopen.data), form.reopen_reason.data, current_user)
    return perform(item_id, Action.RECORD_LOOKBACK, "finding_form", form, op, "已记录回头看结论", "#lookbacks")
