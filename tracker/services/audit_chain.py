"""Tamper evidence for the history: each row's hash covers its content and the previous
row's hash, so rewriting, deleting or reordering a row breaks every link after it.

Appending locks the one-row chain head (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's
write lock is already held), so two transactions never link to the same predecessor.
The head also remembers the newest link: emptying ``audit_entry`` (with its triggers
disabled by someone who owns the table) leaves a head that no rows reach.

``flask verify-audit`` walks the chain and reports the first broken link.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..models import AuditChainHead, AuditEntry, utcnow

GENESIS = "0" * 64
HEAD_ID = 1


def row_digest(prev_hash: str, row) -> str:
    """The hash of one row: its chain position, predecessor and every recorded field."""
    payload = [row.seq, prev_hash, row.at.isoformat(timespec="microseconds"), row.actor_id, row.actor_name,
               row.remote_addr, row.action, row.object_type, row.object_id, row.item_id, row.summary, row.details]
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _lock_head(connection: Connection) -> tuple[int, str]:
    table = AuditChainHead.__table__
    select = sa.select(table.c.seq, table.c.row_hash).where(table.c.id == HEAD_ID).with_for_update()
    row = connection.execute(select).first()
    if row is None:  # an emptied database (the test harness): start the chain, once
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(dialect.insert(table).values(id=HEAD_ID, seq=0, row_hash=GENESIS)
                           .on_conflict_do_nothing(index_elements=["id"]))
        row = connection.execute(select).first()
    return row.seq, row.row_hash


@sa.event.listens_for(AuditEntry, "before_insert")
def _link(_mapper, connection: Connection, target: AuditEntry) -> None:
    seq, prev = _lock_head(connection)
    if target.at is None:
        target.at = utcnow()
    target.seq, target.prev_hash = seq + 1, prev
    target.row_hash = row_digest(prev, target)
    table = AuditChainHead.__table__
    connection.execute(sa.update(table).where(table.c.id == HEAD_ID).values(seq=target.seq, row_hash=target.row_hash))


@dataclass
class ChainReport:
    rows: int
    head_seq: int
    head_hash: str
    broken: str | None  # the first broken link, in words; None when the chain holds

    @property
    def ok(self) -> bool:
        return self.broken is None


def _rows(connection: Connection) -> Iterator:
    table = AuditEntry.__table__
    # Rows written around the app have no seq; they sort first and are reported.
    stmt = sa.select(table).order_by(table.c.seq.is_not(None), table.c.seq, table.c.id)
    yield from connection.execution_options(yield_per=2000).execute(stmt)


def verify_chain(connection: Connection) -> ChainReport:
    table = AuditChainHead.__table__
    head = connection.execute(sa.select(table).where(table.c.id == HEAD_ID)).first()
    head_seq, head_hash = (head.seq, head.row_hash) if head else (0, GENESIS)
    prev, expected_seq, count = GENESIS, 1, 0
    for row in _rows(connection):
        count += 1
        where = f"第 {row.seq} 条（id={row.id}，{row.at:%Y-%m-%d %H:%M:%S}，{row.action}）"
        if row.seq is None or row.row_hash is None:
            return ChainReport(count, head_seq, head_hash, f"id={row.id} 的记录不在链上（绕过应用写入）")
        if row.seq != expected_seq:
            return ChainReport(count, head_seq, head_hash,
                               f"{where} 之前缺少第 {expected_seq}–{row.seq - 1} 条（记录被删除）")
        if row.prev_hash != prev:
            return ChainReport(count, head_seq, head_hash, f"{where} 与上一条的链接不符（前一条被改写或删除）")
        if row_digest(prev, row) != row.row_hash:
            return ChainReport(count, head_seq, head_hash, f"{where} 的内容与其哈希不符（记录被改写）")
        prev, expected_seq = row.row_hash, row.seq + 1
    if expected_seq - 1 != head_seq or prev != head_hash:
        return ChainReport(count, head_seq, head_hash,
                           f"链头记录到第 {head_seq} 条，表中只到第 {expected_seq - 1} 条（记录被删除或表被清空）")
    return ChainReport(count, head_seq, head_hash, None)


def link_batch(connection: Connection, rows: list[dict]) -> None:
    """Chain many new rows at once (the daily job writes thousands): the head is locked and
    moved once, each row gets the same seq/prev_hash/row_hash the one-row path would give.
    ``rows`` are column values for ``audit_entry`` without the chain fields; filled in place."""
    if not rows:
        return
    seq, prev = _lock_head(connection)
    for row in rows:
        row.setdefault("at", utcnow())
        seq += 1
        row["seq"], row["prev_hash"] = seq, prev
        view = _RowView(row)
        row["row_hash"] = prev = row_digest(row["prev_hash"], view)
    table = AuditChainHead.__table__
    connection.execute(sa.update(table).where(table.c.id == HEAD_ID).values(seq=seq, row_hash=prev))


class _RowView:
    """Attribute access over a dict of column values, for ``row_digest``."""

    FIELDS = ("seq", "at", "actor_id", "actor_name", "remote_addr", "action", "object_type", "object_id", "item_id",
              "summary", "details")

    def __init__(self, row: dict) -> None:
        for name in self.FIELDS:
            setattr(self, name, row.get(name))
