"""Data kept per process and dropped when the rows it was built from change — on any node.

Several app nodes may serve the same database, so a node cannot learn of a change from its
own memory. A family of kept data (``Versioned``) has a version in the database: one
``setting`` row that gets a new random token in the same transaction as any change to the
models it watches (a session hook, so no view or operation has to remember it; ORM bulk
``update()``/``delete()`` are caught too, and loaders that insert with Core call
:meth:`Versioned.bump`). A request reads that row once and uses the node's copy only when
it was built under the same token; a rolled-back change rolls its token back too. Without
the row (a fresh or truncated database) nothing is kept.

Two families use it: reference data (``services.refdata``: units, activities, the
calendar, the settings) and the dashboard's figures (``dashboard.stats``: items, evaluations, verdicts).
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any
from uuid import uuid4

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Activity, CalendarOverride, Evaluation, Item, Setting, Unit, Verdict, utcnow

FAMILIES: list[Versioned] = []


class Versioned:
    """One family of kept data: its version row ``key`` follows changes to ``watched``."""

    def __init__(self, key: str, watched: tuple[type, ...], max_entries: int = 256,
                 columns: dict[type, frozenset[str]] | None = None):
        """``columns``: for these classes, a changed row counts only when one of the named
        attributes changed (an item's last-activity date is not a dashboard figure, and a
        unit posting progress should not make the dashboard recompute)."""
        self.key, self.watched, self.max_entries = key, watched, max_entries
        self.columns = columns or {}
        self._flag = f"{key}_changed"
        FAMILIES.append(self)

    def bump(self, connection: sa.Connection | None = None) -> str:
        """Give the family a new version (in the caller's transaction)."""
        conn = connection if connection is not None else db.session.connection()
        token = uuid4().hex
        table = Setting.__table__
        updated = conn.execute(table.update().where(table.c.key == self.key).values(value=token, updated_at=utcnow()))
        if updated.rowcount == 0:
            conn.execute(table.insert().values(key=self.key, value=token, updated_at=utcnow()))
        if has_app_context():
            g.setdefault("data_versions", {})[self.key] = None  # this request sees its own change: keep nothing
        return token

    def current_version(self) -> str | None:
        """The committed version, read once per request (with the signed-in user when there
        is one: ``version_columns``)."""
        versions = g.setdefault("data_versions", {})
        if self.key not in versions:
            value = db.session.scalar(sa.select(Setting.value).where(Setting.key == self.key))
            versions[self.key] = value if isinstance(value, str) else None
        return versions[self.key]

    def cached(self, name: Hashable, build: Callable[[], Any]) -> Any:
        """``build()``'s value, reused by this process while the version stays the same.
        The value must not be changed by its readers (callers copy what they hand out)."""
        if not has_app_context():
            return build()
        version = self.current_version()
        if version is None:
            return build()
        store: dict = current_app.extensions.setdefault(self.key, {})
        hit = store.get(name)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = build()
        if len(store) >= self.max_entries:  # keys carry dates and scopes: old ones are never asked again
            store.clear()
        store[name] = (version, value)
        return value

    def touched(self, new_or_deleted, dirty) -> bool:
        if any(isinstance(obj, self.watched) for obj in new_or_deleted):
            return True
        for obj in dirty:
            if not isinstance(obj, self.watched):
                continue
            names = self.columns.get(type(obj))
            if names is None:
                return True
            attrs = sa.inspect(obj).attrs
            if any(attrs[name].history.has_changes() for name in names):
                return True
        return False

    def note_change(self, session: Session) -> None:
        """Bump at this transaction's commit (``_bump_at_commit``); until then this request
        sees its own change, so it keeps nothing."""
        session.info[self._flag] = True
        if has_app_context():
            g.setdefault("data_versions", {})[self.key] = None


def version_columns() -> list[sa.ScalarSelect]:
    """Every family's version as a column, for a statement every request runs anyway (the
    signed-in user's, ``services.sessions.user_with_session``): one round trip fewer per
    page than each family reading its row on first use."""
    return [sa.select(Setting.value).where(Setting.key == family.key).scalar_subquery()
            for family in FAMILIES]


def remember_versions(values) -> None:
    """Keep the versions read by ``version_columns`` (in ``FAMILIES`` order) for this
    request; a family this request already changed or read keeps what it has."""
    versions = g.setdefault("data_versions", {})
    for family, value in zip(FAMILIES, values, strict=True):
        versions.setdefault(family.key, value if isinstance(value, str) else None)


# The version row is bumped as the transaction's last statement, at commit: bumped when the
# change is flushed, its row lock would be held for the rest of the transaction, and every
# writer would queue on it (on PostgreSQL a unit posting progress waited for another
# writer's whole request, and two posts on one item then met as a 409).

@sa.event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context, _instances) -> None:
    new_or_deleted = [*session.new, *session.deleted]
    for family in FAMILIES:
        if family.touched(new_or_deleted, session.dirty):
            family.note_change(session)


@sa.event.listens_for(Session, "do_orm_execute")
def _note_bulk(state) -> None:
    """``update(Item)…`` / ``delete(Activity)…`` through the session bypass the flush."""
    if (state.is_update or state.is_delete or state.is_insert) and state.bind_mapper is not None:
        for family in FAMILIES:
            if issubclass(state.bind_mapper.class_, family.watched):
                family.note_change(state.session)


@sa.event.listens_for(Session, "before_commit")
def _bump_at_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the outer commit bumps
        return
    session.flush()  # commit flushes after this hook: flush first so no change goes unnoted
    for family in FAMILIES:
        if session.info.pop(family._flag, False):
            family.bump(session.connection())


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction) -> None:
    """The whole transaction rolled back: nothing to bump. A savepoint's rollback keeps the
    notes (the outer transaction may still commit changes made before it)."""
    if previous_transaction.parent is None:
        for family in FAMILIES:
            session.info.pop(family._flag, None)


# The families, defined beside the session hooks so that every process that writes (app
# nodes, CLI jobs, the bench seed) bumps them, whatever else it imported.
REFDATA = Versioned("refdata_version", (Unit, Activity, CalendarOverride, Setting))
# The dashboard's aggregates (``dashboard.stats``): what they count lives in these rows.
# The figures also depend on the day and the light settings, which are part of their keys.
# An item counts by these attributes only (``dashboard.stats``: scope, lead unit, stage,
# round, dates, lights, answer class); ``tests/test_dashboard_exact.py`` checks after every
# few operations that no figure changed without one of them.
FIGURE_ITEM_ATTRIBUTES = frozenset({
    "activity_id", "lead_unit_id", "stage", "round", "urgency", "deadline", "assigned_at", "acknowledged_at",
    "closed_at", "closed_on_time", "closure_kind", "answer_class"})
FIGURES = Versioned("figures_version", (Item, Evaluation, Verdict, Activity),
                    columns={Item: FIGURE_ITEM_ATTRIBUTES})
