"""The 台账 export: the items of the current list, one row each, streamed to an .xlsx.

Two layouts: the full export for analysis (every field, A3) and the 打印版 (the twelve
columns of a 督办台账 on paper, A4); both print one page wide with a title row.

Memory must stay flat for a district's whole history (tens of thousands of items),
so nothing here builds ORM objects: the ordered ids of the filtered list are read
as a stream (never a list), then each batch of ids is read as plain column rows with
four side queries (co-units, latest entries, latest evaluation, who signed).  The query count is
1 + 5 per batch, whatever the data, and each batch is dropped once written; the
rows go to ``documents.xlsx_writer.write_sheet``, which streams them into the zip as XML text.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from typing import IO

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..documents.xlsx import Column
from ..documents.xlsx_writer import PrintSetup, write_sheet
from ..extensions import db
from ..lights import light_of
from ..models import (
    Activity,
    AuditAction,
    AuditEntry,
    Closure,
    EntryKind,
    Evaluation,
    EvaluationStatus,
    Item,
    ProgressEntry,
    ResultSource,
    Unit,
    item_co_unit,
)
from ..models.base import to_local
from ..models.closure import status_label
from ..services.commitments import commitment_lines
from ..workdays import Light

BATCH_SIZE = 500

# The full export, for analysis: every field, A3 landscape.
COLUMNS = [
    Column("序号", 9),
    Column("监督活动", 30, "wraptext"),
    Column("活动类型", 14),
    Column("会议", 13),
    Column("会议日期", 12, "date"),
    Column("来源", 10),
    Column("询问人", 10),
    Column("问题/意见内容", 50, "wraptext"),
    Column("应询人", 18, "wraptext"),
    Column("答复", 50, "wraptext"),
    Column("承诺事项", 40, "wraptext"),
    Column("承诺", 40, "wraptext"),  # the rows: text（confirmed date or 待确认，status）
    Column("牵头单位", 18, "wraptext"),
    Column("协办单位", 24, "wraptext"),
    Column("责任人", 10),
    Column("交办日期", 12, "date"),
    Column("签收日期", 12, "date"),
    Column("原定期限", 12, "date"),
    Column("当前期限", 12, "date"),
    Column("阶段", 18),
    Column("轮次", 6, "int"),
    Column("灯", 10),
    Column("挂牌督办", 9),
    Column("整改措施", 50, "wraptext"),
    Column("完成情况", 50, "wraptext"),
    Column("最新进展", 50, "wraptext"),
    Column("进展类别", 12),
    Column("进展日期", 12, "date"),
    Column("测评结果", 14),
    Column("满意票", 8, "int"),
    Column("基本满意票", 10, "int"),
    Column("不满意票", 9, "int"),
    Column("无效票", 8, "int"),
    Column("办结日期", 12, "date"),
    Column("办结类型", 30, "wraptext"),
    Column("备注", 24, "wraptext"),
]
HEADERS = [c.header for c in COLUMNS]

# The 打印版: the twelve columns a 督办台账 on paper has, fitting A4 landscape.
PRINT_COLUMNS = [
    Column("序号", 6),
    Column("监督活动", 12, "wraptext"),
    Column("问题/意见内容", 28, "wraptext"),
    Column("责任单位", 11, "wraptext"),
    Column("责任人", 7, "wraptext"),
    Column("交办日期", 10.5, "date"),
    Column("签收日期", 10.5, "date"),
    Column("办理期限", 10.5, "date"),
    Column("承诺事项", 16, "wraptext"),
    Column("整改措施", 24, "wraptext"),
    Column("完成情况", 28, "wraptext"),
    Column("备注", 11, "wraptext"),
]
PRINT_HEADERS = [c.header for c in PRINT_COLUMNS]
LAYOUTS = {"full": (COLUMNS, "A3"), "print": (PRINT_COLUMNS, "A4")}

_LIGHT_TEXT = {Light.GREEN: "绿（正常）", Light.YELLOW: "黄（临期）", Light.RED: "红（逾期）"}

_Lead = aliased(Unit)
_Parent = aliased(Item)
_ROW_COLUMNS = (
    Item.id, Item.activity_id, Item.seq, Item.ref, _Parent.ref.label("parent_ref"),
    _Parent.seq.label("parent_seq"), Item.origin, Item.question, Item.asker, Item.respondent_name,
    Item.respondent_post, Item.answer, Item.commitments, Item.original_deadline, Item.deadline, Item.stage,
    Item.round, Item.supervised, Item.assigned_at, Item.acknowledged_at, Item.closed_at, Item.closure_kind,
    Closure.cause.label("closure_cause"), Closure.reason.label("closure_reason"),
    Activity.title.label("activity_title"), Activity.kind.label("activity_kind"), Activity.meeting_session,
    Activity.meeting_date, _Lead.name.label("lead_name"),
)


def item_number(row) -> str:
    """序号: the document's own numbering ("二-（一）" for a sub-point), as ``Item.number``
    prints it on every page; the entry order only when the document has no number.
    Never the database's activity-seq: the 台账 goes out with the document's numbers."""
    own = row.ref or str(row.seq)
    if row.parent_ref or row.parent_seq:
        return f"{row.parent_ref or row.parent_seq}-{own}"
    return own


def ledger_ids(filtered: sa.Select, batch_size: int = BATCH_SIZE) -> Iterator[int]:
    """The ids of ``filtered`` (visibility and list filters applied) in ledger order:
    by meeting, then item number, the order staff keep the sheet in by hand. Streamed
    (``yield_per``: a server-side cursor on PostgreSQL, a stepped cursor on SQLite), so
    200,000 items never sit in memory as one list."""
    stmt = (filtered.with_only_columns(Item.id).join(Activity, Activity.id == Item.activity_id)
            .order_by(Activity.meeting_date, Activity.id, Item.seq))
    yield from db.session.scalars(stmt.execution_options(yield_per=batch_size))


def _chunks(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    it = iter(ids)
    while chunk := list(islice(it, size)):
        yield chunk


def write_ledger(fileobj: IO[bytes], filtered: sa.Select, today: date, *, title: str, layout: str = "full",
                 banner: str | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Write the ledger of ``filtered`` to ``fileobj``; returns the number of rows."""
    columns, paper = LAYOUTS[layout]
    ids = ledger_ids(filtered, batch_size)
    rows = ledger_rows(ids, today, batch_size)
    if layout == "print":
        rows = (_print_row(r) for r in rows)
    return write_sheet(fileobj, title, columns, rows, setup=PrintSetup(paper=paper, banner=banner, footer_left=title))


def ledger_rows(ids: Iterable[int], today: date, batch_size: int = BATCH_SIZE) -> Iterator[list]:
    """The sheet's rows for ``ids`` (streamed, in their order), read a batch at a time."""
    for chunk in _chunks(ids, batch_size):
        rows = {r.id: r for r in db.session.execute(
            sa.select(*_ROW_COLUMNS).join(Activity, Activity.id == Item.activity_id)
            .outerjoin(_Lead, _Lead.id == Item.lead_unit_id).outerjoin(_Parent, _Parent.id == Item.parent_id)
            .outerjoin(Closure, sa.and_(Closure.item_id == Item.id, Closure.round == Item.round,
                                        Item.closure_kind.is_not(None)))
            .where(Item.id.in_(chunk)))}
        co_units = _co_units(chunk)
        entries = _latest_entries(chunk)
        evaluations = _latest_evaluations(chunk)
        signers = _signers(chunk)
        promised = commitment_lines(chunk, today, chunk=len(chunk) or 1)
        for item_id in chunk:
            row = rows[item_id]
            light = light_of(row.stage, row.deadline, today)
            yield _ledger_row(row, co_units.get(item_id, []), entries.get(item_id, {}), evaluations.get(item_id),
                              signers.get(item_id), light, today, promised.get(item_id))


def _local_day(value):
    return to_local(value).date() if value else None


def _ledger_row(row, co_units: list[str], entries: dict, evaluation, signer: str | None, light: Light,
                today: date, promised: str | None = None) -> list:
    respondent = row.respondent_name or ""
    if row.respondent_post:
        respondent = f"{respondent}（{row.respondent_post}）" if respondent else row.respondent_post
    latest = max(entries.values(), key=lambda e: e.id, default=None)
    measures = entries.get(EntryKind.RESPONSE)
    done = entries.get(EntryKind.REPORT) or entries.get(EntryKind.PROGRESS)
    evaluation_cells = _evaluation_cells(evaluation, row.round)
    stage = status_label(row.stage, row.closure_kind)
    return [
        item_number(row), row.activity_title, row.activity_kind.label,
        f"第{row.meeting_session}次会议" if row.meeting_session else None, row.meeting_date, row.origin.label,
        row.asker, row.question,
        respondent or None, row.answer, row.commitments, promised, row.lead_name, "、".join(co_units) or None, signer,
        _local_day(row.assigned_at), _local_day(row.acknowledged_at),
        row.original_deadline, row.deadline, stage, row.round, _LIGHT_TEXT.get(light),
        row.supervised, measures.text if measures else None,
        f"{stage}：{done.text}" if done else stage,
        *_entry_cells(latest), *evaluation_cells, _local_day(row.closed_at), _closure_cell(row),
        _remarks(row, light, today, evaluation_cells[0]),
    ]


# Positions in the full row that the 打印版 takes, in its order (责任单位 is built from two).
_FULL = {h: i for i, h in enumerate(HEADERS)}


# On paper a report's whole text made one row fill an A4 page (100 items: 26 pages). The
# 打印版 gives long texts as a marked excerpt; the full export and the item page keep all of it.
PRINT_EXCERPT = 90
EXCERPT_MARK = "…（全文见系统）"


def _excerpt(text: str | None) -> str | None:
    if not text or len(text) <= PRINT_EXCERPT + len(EXCERPT_MARK):
        return text
    return text[:PRINT_EXCERPT] + EXCERPT_MARK


def _print_row(full: list) -> list:
    lead, co = full[_FULL["牵头单位"]], full[_FULL["协办单位"]]
    units = (lead or "") + (f"\n协办：{co}" if co else "")
    return [full[_FULL["序号"]], full[_FULL["监督活动"]], _excerpt(full[_FULL["问题/意见内容"]]), units or None,
            full[_FULL["责任人"]], full[_FULL["交办日期"]], full[_FULL["签收日期"]], full[_FULL["当前期限"]],
            _excerpt(full[_FULL["承诺事项"]]), _excerpt(full[_FULL["整改措施"]]), _excerpt(full[_FULL["完成情况"]]),
            full[_FULL["备注"]]]


def _remarks(row, light: Light, today: date, evaluation: str | None) -> str | None:
    """备注: what a reader of the paper should not miss."""
    notes = []
    if light is Light.RED and row.deadline:
        notes.append(f"逾期{(today - row.deadline).days}天")
    if row.supervised:
        notes.append("挂牌督办")
    if row.original_deadline and row.deadline and row.deadline != row.original_deadline:
        notes.append(f"已延期（原期限{row.original_deadline:%Y-%m-%d}）")
    if row.round > 1:
        notes.append(f"第{row.round}轮整改")
    if evaluation:
        notes.append(f"测评：{evaluation}")
    return "；".join(notes) or None


def _closure_cell(row) -> str | None:
    """办结类型: 办结（已落实）, 终止跟踪（未落实）… with the cause and the stated reason."""
    if row.closure_kind is None:
        return None
    cause = f"（{row.closure_cause.label}）" if row.closure_cause else ""
    return f"{row.closure_kind.label}{cause}" + (f"：{row.closure_reason}" if row.closure_reason else "")


def _entry_cells(entry) -> list:
    if entry is None:
        return [None, None, None]
    return [entry.text, EntryKind(entry.kind).label, to_local(entry.created_at).date()]


def _evaluation_cells(evaluation, current_round: int) -> list:
    """An open evaluation shows no counts: partial tallies would leak the secret ballot."""
    if evaluation is None:
        return [None, None, None, None, None]
    prefix = f"第{evaluation.round}轮：" if evaluation.round != current_round else ""
    if evaluation.status is not EvaluationStatus.CLOSED:
        return [prefix + "测评中", None, None, None, None]
    result = evaluation.result.label if evaluation.result else "无效"
    if evaluation.result_source is ResultSource.PUBLISHED:  # published without counts: no zeros invented
        return [prefix + result + "（公布结果）", None, None, None, None]
    return [prefix + result, evaluation.satisfied, evaluation.basic, evaluation.unsatisfied, evaluation.invalid]


def _signers(chunk: list[int]) -> dict[int, str]:
    """责任人: who signed for the item (签收) in the unit, from the history; the latest signing wins."""
    found: dict[int, str] = {}
    for item_id, name in db.session.execute(
            sa.select(AuditEntry.item_id, AuditEntry.actor_name)
            .where(AuditEntry.item_id.in_(chunk), AuditEntry.action == AuditAction.ITEM_ACKNOWLEDGE)
            .order_by(AuditEntry.id)):
        found[item_id] = name
    return found


def _co_units(chunk: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for item_id, name in db.session.execute(
            sa.select(item_co_unit.c.item_id, Unit.name).join(Unit, Unit.id == item_co_unit.c.unit_id)
            .where(item_co_unit.c.item_id.in_(chunk)).order_by(Unit.sort_order, Unit.name)):
        found[item_id].append(name)
    return found


def _latest_entries(chunk: list[int]) -> dict[int, dict]:
    """Each item's latest entry of each kind: 整改措施 (答复/方案), progress, report."""
    latest = (sa.select(sa.func.max(ProgressEntry.id)).where(ProgressEntry.item_id.in_(chunk))
              .group_by(ProgressEntry.item_id, ProgressEntry.kind))
    rows = db.session.execute(
        sa.select(ProgressEntry.id, ProgressEntry.item_id, ProgressEntry.kind, ProgressEntry.text,
                  ProgressEntry.created_at).where(ProgressEntry.id.in_(latest)))
    found: dict[int, dict] = defaultdict(dict)
    for r in rows:
        found[r.item_id][EntryKind(r.kind)] = r
    return found


def _latest_evaluations(chunk: list[int]) -> dict:
    latest = (sa.select(sa.func.max(Evaluation.id)).where(Evaluation.item_id.in_(chunk))
              .group_by(Evaluation.item_id))
    rows = db.session.execute(
        sa.select(Evaluation.item_id, Evaluation.round, Evaluation.status, Evaluation.result,
                  Evaluation.result_source, Evaluation.satisfied,
                  Evaluation.basic, Evaluation.unsatisfied, Evaluation.invalid)
        .where(Evaluation.id.in_(latest)))
    return {r.item_id: r for r in rows}
