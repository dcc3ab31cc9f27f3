"""What the public may see, decided in one place.

An activity is visible once staff publish it; inside it, only the items staff published.
For a visible item the public sees: the question or opinion (with the 询问人 and the
应询人, who spoke at a public session), the answer and commitments, the lead and co-units,
the deadline and stage, the text of the handling reports staff accepted (整改/研究处理情况
报告, 监督法 Art. 17), and each closed evaluation's counts and result.

Never shown: who wrote a report, who voted or how (only the totals), returned reports and
their reasons, progress posts, extension requests, the audit history, 督办 notices, and
attachments (evidence may carry personal data and was not written for publication; staff
who want a document public put its content in the report text). Anything else is 404, so
an unpublished item cannot be told apart from one that does not exist.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..lights import overdue_clause
from ..models import (
    Activity,
    EntryKind,
    Evaluation,
    EvaluationStatus,
    Item,
    ProgressEntry,
    Report,
    ReviewStatus,
)
from ..visibility import public_items


def item_loads(stmt: sa.Select) -> sa.Select:
    return stmt.options(joinedload(Item.activity), joinedload(Item.lead_unit), joinedload(Item.asked_unit),
                        selectinload(Item.co_units), joinedload(Item.parent))


def accepted_document_reports(activity_id: int) -> list[Report]:
    """The activity's accepted document reports that answer at least one published item;
    who wrote them is not loaded."""
    answering = sa.select(ProgressEntry.report_id).where(ProgressEntry.item_id.in_(
        public_items().where(Item.activity_id == activity_id).with_only_columns(Item.id)))
    return list(db.session.scalars(
        sa.select(Report).where(Report.activity_id == activity_id, Report.status == ReviewStatus.ACCEPTED,
                                Report.id.in_(answering))
        .options(joinedload(Report.unit)).order_by(Report.id)))


def get_public_activity(activity_id: int) -> Activity:
    activity = db.session.scalar(sa.select(Activity).where(Activity.id == activity_id, Activity.published.is_(True))
                                 .options(joinedload(Activity.lead_committee)))
    if activity is None:
        abort(404)
    return activity


def get_public_item(item_id: int) -> Item:
    item = db.session.scalar(item_loads(public_items().where(Item.id == item_id)))
    if item is None:
        abort(404)
    return item


def accepted_reports(item_ids: list[int]) -> list[ProgressEntry]:
    """Accepted handling reports; the author is deliberately not loaded (lazy="raise")."""
    if not item_ids:
        return []
    return list(db.session.scalars(
        sa.select(ProgressEntry).where(ProgressEntry.item_id.in_(item_ids), ProgressEntry.kind == EntryKind.REPORT,
                                       ProgressEntry.review_status == ReviewStatus.ACCEPTED)
        .options(joinedload(ProgressEntry.unit), joinedload(ProgressEntry.report))
        .order_by(ProgressEntry.round, ProgressEntry.id)))


def closed_evaluations(item_ids: list[int]) -> list[Evaluation]:
    if not item_ids:
        return []
    return list(db.session.scalars(
        sa.select(Evaluation).where(Evaluation.item_id.in_(item_ids), Evaluation.status == EvaluationStatus.CLOSED)
        .order_by(Evaluation.item_id, Evaluation.round)))


def overdue_items(today: date) -> list[Item]:
    return list(db.session.scalars(item_loads(public_items().where(overdue_clause(today)))
                                   .order_by(Item.deadline, Item.id).limit(1000)).unique())
