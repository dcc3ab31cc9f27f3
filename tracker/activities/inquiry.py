"""Paste a 专题询问 record, check the pairing in a preview, save every question in one request.

The engine (:func:`tracker.paste.parse_inquiry`) pairs each question with the answers
that follow it and reads who asked and who answered (name and post);
:func:`tracker.paste.find_promises` reads the dated promises in the answers, counted
from the inquiry's own date, never from today. Staff edit any cell, drop rows, and save;
a refused save comes back with every edit kept.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..choices import organ_choices
from ..extensions import db
from ..limits import DOCUMENT_TEXT, PasteError
from ..models import Activity
from ..paste import Exchange, find_promises, guess_unit, parse_inquiry
from ..paste.commitments import commitment_line
from ..permissions import staff_required
from ..services import OperationError
from ..services.calendar import get_calendar
from ..services.documents import ExchangeRow, save_inquiry_exchanges
from ..workflow import InvalidTransition
from . import bp
from .documents import MAX_ROWS, PasteForm, _as_int

COLUMNS = ("asker", "question", "respondent_name", "respondent_post", "answer", "commitments", "unit")


@dataclass
class InquiryRow:
    asker: str = ""
    question: str = ""
    respondent_name: str = ""
    respondent_post: str = ""
    answer: str = ""
    commitments: str = ""
    unit: str = ""
    include: bool = True
    rules: list[str] = field(default_factory=list)  # how each promised date was derived
    warnings: tuple[str, ...] = ()


def _answer_text(exchange: Exchange) -> str:
    """One official: the answer as said. Several: each turn headed by who said it."""
    if len({a.speaker.name or a.speaker.label for a in exchange.answers}) <= 1:
        return exchange.answer_text
    return "\n".join(f"{a.speaker.name or a.speaker.label}（{a.speaker.post or ''}）：{a.text}".replace("（）", "")
                     for a in exchange.answers)


def _row(exchange: Exchange, activity: Activity, names: dict[str, int]) -> InquiryRow:
    officials = []
    for answer in exchange.answers:
        who = (answer.speaker.name or answer.speaker.label, answer.speaker.post or "")
        if who not in officials:
            officials.append(who)
    promises = find_promises(exchange.answer_text, activity.meeting_date, get_calendar())
    first = exchange.answers[0].speaker if exchange.answers else None
    unit = guess_unit(" ".join(filter(None, [first and first.unit, first and first.post, exchange.answer_text])),
                      names) if first else None
    asker = exchange.asker
    return InquiryRow(
        asker=(asker.name or asker.label) if asker else "",
        question=exchange.question.text if exchange.question else "",
        respondent_name="、".join(n for n, _ in officials), respondent_post="、".join(p for _, p in officials if p),
        answer=_answer_text(exchange), commitments="\n".join(commitment_line(p.due, p.sentence) for p in promises),
        unit=str(names[unit]) if unit else "", warnings=exchange.warnings,
        rules=[f"{p.due.isoformat()}：{p.rule}" + ("（估计，请核对）" if p.estimate else "") for p in promises])


def _rows_from_form(form) -> list[InquiryRow]:
    columns = {c: form.getlist(c) for c in COLUMNS}
    include = set(form.getlist("include"))
    count = min(min(len(v) for v in columns.values()), MAX_ROWS)
    return [InquiryRow(**{c: columns[c][i].replace("\r\n", "\n") for c in COLUMNS}, include=str(i) in include)
            for i in range(count)]


def _exchange_rows(rows: list[InquiryRow], unit_ids: set[int]) -> list[ExchangeRow]:
    kept = []
    for row in rows:
        if row.include:
            unit = _as_int(row.unit, 10**9)
            kept.append(ExchangeRow(row.asker, row.question, row.respondent_name, row.respondent_post, row.answer,
                                    row.commitments, unit if unit in unit_ids else None))
    return kept


@bp.route("/activities/<int:activity_id>/paste-inquiry", methods=["GET", "POST"])
@staff_required
def paste_inquiry(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    form = PasteForm()
    form.text.label.text = "专题询问记录全文"
    organs = organ_choices()
    context = {"activity": activity, "form": form, "organs": organs, "max_text": DOCUMENT_TEXT}
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("activities/paste_inquiry.html", **context)
    if form.step.data != "save":
        try:
            split = parse_inquiry(form.text.data or "")
        except PasteError as error:
            form.text.errors = [error.message]
            return render_template("activities/paste_inquiry.html", **context)
        names = {name: uid for uid, name in organs}
        rows = [_row(e, activity, names) for e in split.exchanges]
        return render_template("activities/paste_inquiry.html", **context, split=split, rows=rows)
    rows = _rows_from_form(request.form)
    try:
        items = save_inquiry_exchanges(activity, _exchange_rows(rows, {u for u, _ in organs}), current_user)
        db.session.commit()
    except (OperationError, InvalidTransition) as error:
        db.session.rollback()
        flash("未保存：" + error.message, "error")
        return render_template("activities/paste_inquiry.html", **context, rows=rows, saving=True), 200
    flash(f"已录入 {len(items)} 个询问问题及答复和承诺，可在下方批量交办", "success")
    return redirect(url_for("activities.assign_many", activity_id=activity.id), code=303)
