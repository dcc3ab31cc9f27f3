"""The 台账 export: the items of the current list, one row each, streamed to an .xlsx.

Two layouts: the full export for analysis (every field, A3) and the 打印版 (the twelve
columns of a 督办台账 on paper, A4); both print one page wide with a title row.

Memory must stay flat for a district's whole history (tens of thousands of items),
so nothing here builds ORM objects: the ordered ids of the filtered list are read
as a stream (never a list), then each batch of ids is read as plain column tuples with
five side queries (co-units, latest entries, latest evaluation, who signed, commitments).
The query count is 1 + 6 per batch, whatever the data, and each batch is dropped once
written; the rows go to ``documents.xlsx_writer.write_sheet``, which streams them into
the zip as XML text.  Per row, the coded cells (labels, lights, days) are dict lookups
memoised per distinct value (``_Labels``): at 20,000 rows the Python per cell is the cost.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from typing import IO

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..database import in_ids
from ..documents.xlsx import Column
from ..documents.xlsx_writer import PrintSetup, write_sheet
from ..extensions import db
from ..lights import light_of
from ..models import (
    Activity,
    ActivityKind,
    AuditAction,
    AuditEntry,
    Closure,
    ClosureKind,
    Commitment,
    EntryKind,
    Evaluation,
    EvaluationStatus,
    Item,
    Origin,
    ProgressEntry,
    ResultSource,
    Stage,
    TerminationCause,
    Unit,
    item_co_unit,
)
from ..models.base import to_local
from ..models.closure import status_label
from ..models.item import document_number
from ..models.numbering import PARENT_NUMBER
from ..services.commitments import COMMITMENT_LINE_COLUMNS, commitment_lines_of
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
# Enum columns are read as their stored text and turned into labels through ``_Labels``
# (one conversion per distinct value, not one per row); the order is ``_ledger_row``'s unpacking.
_ROW_COLUMNS = (
    Item.id, Item.seq, Item.ref, PARENT_NUMBER, sa.type_coerce(Item.origin, sa.String),
    Item.question, Item.asker, Item.respondent_name, Item.respondent_post, Item.answer, Item.commitments,
    Item.original_deadline, Item.deadline, sa.type_coerce(Item.stage, sa.String), Item.round, Item.supervised,
    Item.assigned_at, Item.acknowledged_at, Item.closed_at, sa.type_coerce(Item.closure_kind, sa.String),
    sa.type_coerce(Closure.cause, sa.String), Closure.reason, Activity.title,
    sa.type_coerce(Activity.kind, sa.String), Activity.meeting_session, Activity.meeting_date, _Lead.name,
)
_ROWS = (sa.select(*_ROW_COLUMNS).join(Activity, Activity.id == Item.activity_id)
         .outerjoin(_Lead, _Lead.id == Item.lead_unit_id)
         .outerjoin(Closure, sa.and_(Closure.item_id == Item.id, Closure.round == Item.round,
                                     Item.closure_kind.is_not(None))))


def item_number(row) -> str:
    """序号: the document's own numbering ("二-（一）" for a sub-point), as ``Item.number``
    prints it on every page; the entry order only when the document has no number.
    Never the database's activity-seq: the 台账 goes out with the document's numbers."""
    return document_number(row.ref, row.seq, row.parent_number)


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


class _Memo(dict):
    """``memo[key]`` is ``make(*key)``, worked out once per distinct key.

    A ledger repeats few values in its coded columns (stage × closure kind, deadline,
    a unit's signing day), so 20,000 rows need a few hundred label and light lookups.
    Emptied past ``limit`` keys, so memory stays flat however long the export."""

    def __init__(self, make, limit: int = 4096):
        super().__init__()
        self.make, self.limit = make, limit

    def __missing__(self, key):
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.make(*key)
        return value


class _Labels:
    """The words of one export's coded cells, each from its one rule (labels on the enums,
    ``light_of``, ``status_label``), memoised per distinct value for this ``today``."""

    def __init__(self, today: date):
        self.today = today
        self.light = _Memo(lambda stage, deadline: light_of(Stage(stage), deadline, today))
        self.stage = _Memo(lambda stage, kind: status_label(Stage(stage), ClosureKind(kind) if kind else None))
        self.origin = _Memo(lambda origin: Origin(origin).label)
        self.activity_kind = _Memo(lambda kind: ActivityKind(kind).label)
        self.day = _Memo(lambda value: to_local(value).date() if value else None)
        self.closure = _Memo(_closure_text)


def ledger_rows(ids: Iterable[int], today: date, batch_size: int = BATCH_SIZE) -> Iterator[list]:
    """The sheet's rows for ``ids`` (streamed, in their order), read a batch at a time
    as plain tuples (Core, no ORM rows or entities)."""
    labels = _Labels(today)
    for chunk in _chunks(ids, batch_size):
        rows = {r[0]: r for r in _read("rows", chunk)}
        co_units = _co_units(chunk)
        entries = _latest_entries(chunk)
        evaluations = _latest_evaluations(chunk)
        signers = _signers(chunk)
        promised = commitment_lines_of(_read("commitments", chunk), today)
        for item_id in chunk:
            yield _ledger_row(rows[item_id], labels, co_units.get(item_id), entries.get(item_id, _NO_ENTRIES),
                              evaluations.get(item_id), signers.get(item_id), promised.get(item_id))


_NO_ENTRIES: dict = {}


def _ledger_row(row, labels: _Labels, co_units: list[str] | None, entries: dict, evaluation, signer: str | None,
                promised: str | None) -> list:
    (_, seq, ref, parent_number, origin, question, asker, respondent_name, respondent_post, answer,
     commitments, original_deadline, deadline, stage, round_, supervised, assigned_at, acknowledged_at, closed_at,
     closure_kind, closure_cause, closure_reason, activity_title, activity_kind, meeting_session, meeting_date,
     lead_name) = row
    respondent = respondent_name or ""
    if respondent_post:
        respondent = f"{respondent}（{respondent_post}）" if respondent else respondent_post
    light = labels.light[stage, deadline]
    status = labels.stage[stage, closure_kind]
    if entries:
        latest = max(entries.values(), key=_entry_id)
        measures = entries.get(EntryKind.RESPONSE)
        done = entries.get(EntryKind.REPORT) or entries.get(EntryKind.PROGRESS)
        latest_cells = [latest.text, latest.kind.label, labels.day[latest.created_at,]]
    else:
        latest_cells, measures, done = _NO_CELLS3, None, None
    evaluation_cells = _evaluation_cells(evaluation, round_) if evaluation else _NO_CELLS5

    # 备注: what a reader of the paper should not miss.
    notes = []
    if light is Light.RED and deadline:
        notes.append(f"逾期{(labels.today - deadline).days}天")
    if supervised:
        notes.append("挂牌督办")
    if original_deadline and deadline and deadline != original_deadline:
        notes.append(f"已延期（原期限{original_deadline:%Y-%m-%d}）")
    if round_ > 1:
        notes.append(f"第{round_}轮整改")
    if evaluation_cells[0]:
        notes.append(f"测评：{evaluation_cells[0]}")

    return [
        document_number(ref, seq, parent_number), activity_title, labels.activity_kind[activity_kind,],
        f"第{meeting_session}次会议" if meeting_session else None, meeting_date, labels.origin[origin,],
        asker, question,
        respondent or None, answer, commitments, promised, lead_name, "、".join(co_units) if co_units else None,
        signer, labels.day[assigned_at,], labels.day[acknowledged_at,],
        original_deadline, deadline, status, round_, _LIGHT_TEXT.get(light),
        supervised, measures.text if measures else None,
        f"{status}：{done.text}" if done else status,
        *latest_cells, *evaluation_cells, labels.day[closed_at,],
        labels.closure[closure_kind, closure_cause, closure_reason] if closure_kind else None,
        "；".join(notes) or None,
    ]


_NO_CELLS3 = (None, None, None)
_NO_CELLS5 = (None, None, None, None, None)


def _entry_id(entry) -> int:
    return entry.id


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


def _closure_text(kind: str, cause: str | None, reason: str | None) -> str:
    """办结类型: 办结（已落实）, 终止跟踪（未落实）… with the cause and the stated reason."""
    cause_text = f"（{TerminationCause(cause).label}）" if cause else ""
    return f"{ClosureKind(kind).label}{cause_text}" + (f"：{reason}" if reason else "")


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


@functools.cache
def _batch_statements(dialect: str) -> dict[str, sa.Select]:
    """The per-batch queries, with the batch's ids as one parameter (``database.in_ids``:
    on PostgreSQL an array — binding 500 ids × 6 queries apart was ~40 % of the export's CPU)."""
    in_batch = in_ids(dialect)
    latest_entries = (sa.select(sa.func.max(ProgressEntry.id)).where(in_batch(ProgressEntry.item_id))
                      .group_by(ProgressEntry.item_id, ProgressEntry.kind))
    latest_evaluations = (sa.select(sa.func.max(Evaluation.id)).where(in_batch(Evaluation.item_id))
                          .group_by(Evaluation.item_id))
    return {
        "rows": _ROWS.where(in_batch(Item.id)),
        "signers": sa.select(AuditEntry.item_id, AuditEntry.actor_name)
        .where(in_batch(AuditEntry.item_id), AuditEntry.action == AuditAction.ITEM_ACKNOWLEDGE)
        .order_by(AuditEntry.id),
        "co_units": sa.select(item_co_unit.c.item_id, Unit.name).join(Unit, Unit.id == item_co_unit.c.unit_id)
        .where(in_batch(item_co_unit.c.item_id)).order_by(Unit.sort_order, Unit.name),
        # Each item's latest entry of each kind: 整改措施 (答复/方案), progress, report.
        "entries": sa.select(ProgressEntry.id, ProgressEntry.item_id, ProgressEntry.kind, ProgressEntry.text,
                             ProgressEntry.created_at).where(ProgressEntry.id.in_(latest_entries)),
        "evaluations": sa.select(Evaluation.item_id, Evaluation.round, Evaluation.status, Evaluation.result,
                                 Evaluation.result_source, Evaluation.satisfied, Evaluation.basic,
                                 Evaluation.unsatisfied, Evaluation.invalid)
        .where(Evaluation.id.in_(latest_evaluations)),
        "commitments": COMMITMENT_LINE_COLUMNS.where(in_batch(Commitment.item_id)),
    }


def _read(name: str, chunk: list[int]) -> list[sa.Row]:
    """Run the batch query ``name`` for the ids in ``chunk``; its rows fetched at once (row by
    row, psycopg's per-fetch cost was 0.4 of a 20k-row export's 6 s under the profiler)."""
    connection = db.session.connection()
    return connection.execute(_batch_statements(connection.dialect.name)[name], {"ids": chunk}).all()


def _signers(chunk: list[int]) -> dict[int, str]:
    """责任人: who signed for the item (签收) in the unit, from the history; the latest signing wins."""
    return dict(_read("signers", chunk))


def _co_units(chunk: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for item_id, name in _read("co_units", chunk):
        found[item_id].append(name)
    return found


def _latest_entries(chunk: list[int]) -> dict[int, dict]:
    found: dict[int, dict] = defaultdict(dict)
    for r in _read("entries", chunk):
        found[r.item_id][r.kind] = r
    return found


def _latest_evaluations(chunk: list[int]) -> dict:
    return {r.item_id: r for r in _read("evaluations", chunk)}
