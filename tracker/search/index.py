"""Keeping the index current: one flush hook for every source, and ``reindex``.

The hook runs inside the session's flush, so the passages of a changed row are written in
the same transaction as the change: a rolled-back save leaves no trace in the index, and
no operation in ``services`` has to remember to index anything.
"""
from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Attachment, Item, Report, SearchEntry
from . import schema
from .segment import document_terms
from .sources import MAX_BODY, SOURCE_BY_MODEL, SOURCES, Source

log = logging.getLogger("tracker.search")
PENDING = "search_pending"
entries = SearchEntry.__table__


def _changed(obj, watched: frozenset[str]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in watched if name in state.attrs)


def before_flush(session: Session, _context, _instances) -> None:
    from .extract import extract_into
    pending = session.info.setdefault(PENDING, {"upsert": [], "delete": []})
    for obj in session.new:
        if isinstance(obj, Attachment) and obj.text_status is None:
            extract_into(obj)  # once, at upload, before the row is written
        if type(obj) in SOURCE_BY_MODEL:
            pending["upsert"].append(obj)
    for obj in session.dirty:
        source = SOURCE_BY_MODEL.get(type(obj))
        if source and _changed(obj, source.watched):
            pending["upsert"].append(obj)
    for obj in session.deleted:
        if type(obj) in SOURCE_BY_MODEL:
            pending["delete"].append((SOURCE_BY_MODEL[type(obj)], obj.id))


def after_flush(session: Session, _context) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending or not (pending["upsert"] or pending["delete"]):
        return
    connection = session.connection()
    for source, source_id in pending["delete"]:
        _delete(connection, source, [source_id])
    by_source: dict[Source, list] = {}
    for obj in pending["upsert"]:
        by_source.setdefault(SOURCE_BY_MODEL[type(obj)], []).append(obj)
    for source, objs in by_source.items():
        objs = list({id(o): o for o in objs}.values())
        write(connection, source, objs)


def after_soft_rollback(session: Session, _previous) -> None:
    session.info.pop(PENDING, None)


def install(session_class=None) -> None:
    """Listen on the app's session class (once per process, whatever the number of apps)."""
    from flask_sqlalchemy.session import Session as AppSession
    target = session_class or AppSession
    for name, fn in (("before_flush", before_flush), ("after_flush", after_flush),
                     ("after_soft_rollback", after_soft_rollback)):
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)


def _delete(connection, source: Source, ids: list[int]) -> None:
    connection.execute(sa.delete(entries).where(entries.c.kind.in_(source.kinds), entries.c.source_id.in_(ids)))


def _activity_ids(connection, source: Source, objs: list) -> dict[tuple[str, int], int]:
    """The activity of rows that hang off an item, or off a document report."""
    if not source.via_item:
        return {}
    item_ids = {o.item_id for o in objs if o.item_id is not None}
    report_ids = {o.report_id for o in objs if getattr(o, "report_id", None) is not None}
    found = {("item", i): a for i, a in connection.execute(
        sa.select(Item.id, Item.activity_id).where(Item.id.in_(item_ids)))}
    if report_ids:
        found.update({("report", r): a for r, a in connection.execute(
            sa.select(Report.id, Report.activity_id).where(Report.id.in_(report_ids)))})
    return found


def _activity_of(source: Source, obj, found: dict) -> int | None:
    if not source.via_item:
        return getattr(obj, "activity_id", obj.id)
    if obj.item_id is not None:
        return found.get(("item", obj.item_id))
    return found.get(("report", getattr(obj, "report_id", None)))


def rows_for(source: Source, objs: list, activity_of: dict, segment=None) -> list[dict]:
    """Index rows for ``objs``; ``segment`` maps a list of bodies to their terms (a
    process pool's ``map`` during ``reindex``)."""
    rows = []
    for obj in objs:
        activity_id = _activity_of(source, obj, activity_of)
        if activity_id is None:
            continue  # not attached to anything searchable (yet)
        for doc in source.docs(obj, activity_id):
            rows.append({"kind": doc.kind, "source_id": doc.source_id, "item_id": doc.item_id,
                         "activity_id": doc.activity_id, "public": doc.public, "title": doc.title,
                         "body": doc.body[:MAX_BODY]})
    terms = (segment or _segment_all)([row["body"] for row in rows])
    for row, text in zip(rows, terms, strict=True):
        row["terms"] = text
    return rows


def _segment_all(bodies: list[str]) -> list[str]:
    return [document_terms(body) for body in bodies]


def write(connection, source: Source, objs: list) -> int:
    _delete(connection, source, [o.id for o in objs])
    rows = rows_for(source, objs, _activity_ids(connection, source, objs))
    if rows:
        connection.execute(sa.insert(entries), rows)
    return len(rows)


def reindex(batch: int = 2000, echo=None, workers: int = 1) -> dict[str, int]:
    """Rebuild the whole index in one transaction (the caller commits). Searches keep
    seeing the old index until the commit. On SQLite the per-row triggers are dropped
    for the load and the FTS index is built in one pass. Segmentation is the slow part
    (pure-Python jieba): ``workers`` > 1 spreads it over forked processes that inherit the
    loaded dictionary and never touch the database."""
    if workers > 1:
        import multiprocessing
        document_terms("")  # load the dictionary before forking: the children inherit it
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            def segment(bodies: list[str]) -> list[str]:
                return pool.map(document_terms, bodies, chunksize=max(1, len(bodies) // (workers * 4)))
            return _reindex(batch, echo, segment)
    return _reindex(batch, echo, None)


def _reindex(batch: int, echo, segment) -> dict[str, int]:
    session = db.session
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    started = time.perf_counter()
    if sqlite:
        for name in schema.SQLITE_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        connection.exec_driver_sql("DELETE FROM search_entry")
    else:
        connection.exec_driver_sql("TRUNCATE search_entry RESTART IDENTITY")
        # Building the GIN index once over the loaded rows is several times cheaper than
        # updating it row by row; TRUNCATE already locks the table until the commit.
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {schema.TSV_INDEX}")
    counts: dict[str, int] = {}
    for source in SOURCES:
        written, last_id = 0, 0
        while True:  # in id order, a batch at a time, so memory stays flat at any size
            objs = list(session.scalars(source.load().where(source.model.id > last_id).limit(batch)))
            if not objs:
                break
            last_id = objs[-1].id
            rows = rows_for(source, objs, _activity_ids(connection, source, objs), segment)
            if rows:
                _bulk_insert(connection, rows)
            written += len(rows)
            session.expunge_all()
        counts[source.model.__name__] = written
        if echo:
            echo(f"{source.model.__name__}: {written} 条（{time.perf_counter() - started:.1f} 秒）")
    if sqlite:
        connection.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        for ddl in schema.SQLITE_TRIGGERS.values():
            connection.exec_driver_sql(ddl)
    else:
        connection.exec_driver_sql(schema.PG_GIN)
        connection.exec_driver_sql("ANALYZE search_entry")
    return counts


COPY_COLUMNS = ("kind", "source_id", "item_id", "activity_id", "public", "title", "body", "terms")


def _bulk_insert(connection, rows: list[dict]) -> None:
    """A batch of index rows: ``COPY`` on PostgreSQL (one round trip, no per-row statement),
    an ``executemany`` INSERT on SQLite (already in-process)."""
    if connection.dialect.name != "postgresql":
        connection.execute(sa.insert(entries), rows)
        return
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(f"COPY search_entry ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row[c] for c in COPY_COLUMNS))
    finally:
        cursor.close()
