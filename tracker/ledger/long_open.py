"""长期未办结: items still open more than 12 months after the meeting that raised them, per
lead unit, with what was promised and the latest progress — the table staff put in the
年度 follow-up report. One page and one .xlsx sheet from the same rows.

Counted from the meeting (the day the question was asked or the opinion adopted), not
from 交办, so an item that was never assigned cannot hide here either.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import IO

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..documents.xlsx import Column
from ..documents.xlsx_writer import PrintSetup, write_sheet
from ..extensions import db
from ..models import Activity, Item, ProgressEntry, Stage
from ..services.commitments import commitment_lines
from ..workdays import add_months

OPEN_MONTHS = 12


@dataclass
class LongOpenRow:
    item: Item
    months: int
    commitments: str
    latest: ProgressEntry | None


def commitments_text(items: list[Item], today: date) -> dict[int, str]:
    """What each item promised: its commitment rows with the confirmed date (or 待确认) and
    status (``services.commitments.commitment_lines``); an item entered before commitments
    were rows keeps its 承诺事项 text, so nothing promised drops out of the report."""
    lines = commitment_lines([item.id for item in items], today)
    return {item.id: lines.get(item.id) or (item.commitments or "").strip() for item in items}


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def long_open_rows(today: date, unit_id: int | None = None) -> list[LongOpenRow]:
    """Open items whose meeting is more than 12 months before ``today``, by unit then age."""
    cutoff = add_months(today, -OPEN_MONTHS)
    stmt = (sa.select(Item).join(Activity, Activity.id == Item.activity_id)
            .where(Item.stage.not_in([Stage.CLOSED, Stage.WITHDRAWN]), Activity.meeting_date < cutoff)
            .options(joinedload(Item.activity), joinedload(Item.lead_unit))
            .order_by(Item.lead_unit_id.is_(None), Item.lead_unit_id, Activity.meeting_date, Item.id))
    if unit_id:
        stmt = stmt.where(Item.lead_unit_id == unit_id)
    items = list(db.session.scalars(stmt).unique())
    latest: dict[int, ProgressEntry] = {}
    ids = [item.id for item in items]
    for start in range(0, len(ids), 500):
        newest = (sa.select(sa.func.max(ProgressEntry.id)).where(ProgressEntry.item_id.in_(ids[start:start + 500]))
                  .group_by(ProgressEntry.item_id))
        for entry in db.session.scalars(sa.select(ProgressEntry).where(ProgressEntry.id.in_(newest))):
            latest[entry.item_id] = entry
    promised = commitments_text(items, today)
    return [LongOpenRow(item, _months_between(item.activity.meeting_date, today), promised[item.id],
                        latest.get(item.id)) for item in items]


def by_unit(rows: list[LongOpenRow]) -> list[tuple[str, list[LongOpenRow]]]:
    groups: dict[str, list[LongOpenRow]] = {}
    for row in rows:
        groups.setdefault(row.item.lead_unit.name if row.item.lead_unit else "（未交办）", []).append(row)
    return list(groups.items())


COLUMNS = [
    Column("牵头单位", 18, "wraptext"), Column("事项编号", 16), Column("监督活动", 28, "wraptext"),
    Column("会议日期", 12, "date"), Column("未办结月数", 10, "int"), Column("阶段", 16),
    Column("当前期限", 12, "date"), Column("问题/意见内容", 50, "wraptext"), Column("承诺事项", 40, "wraptext"),
    Column("最新进展", 50, "wraptext"), Column("进展日期", 12, "date"),
]


def write_long_open(fileobj: IO[bytes], rows: list[LongOpenRow], title: str, banner: str) -> int:
    from ..models.base import to_local

    def cells():
        for row in rows:
            item, entry = row.item, row.latest
            yield [item.lead_unit.name if item.lead_unit else "（未交办）", item.heading, item.activity.title,
                   item.activity.meeting_date, row.months, item.stage.label, item.deadline, item.question,
                   row.commitments, entry.text if entry else "", to_local(entry.created_at).date() if entry else None]
    return write_sheet(fileobj, title, COLUMNS, cells(), sheet_title="长期未办结",
                       setup=PrintSetup(paper="A3", banner=banner, footer_left=title))
