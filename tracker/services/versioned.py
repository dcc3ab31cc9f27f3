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
calendar, the settings) and the dashboard's figures (``dashboard.stats``: items, evaluations, verdicts),
kept per lead unit with a version row per unit besides the family's own (``Partitions``).
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
from ..params import is_number

FAMILIES: list[Versioned] = []


class Versioned:
    """One family of kept data: its version row ``key`` follows changes to ``watched``."""

    def __init__(self, key: str, watched: tuple[type, ...], max_entries: int = 256,
                 columns: dict[type, frozenset[str]] | None = None, partitions: Partitions | None = None):
        """``columns``: for these classes, a changed row counts only when one of the named
        attributes changed (an item's last-activity date is not a dashboard figure, and a
        unit posting progress should not make the dashboard recompute). ``partitions``: the
        family's data is kept in parts with versions of their own (``Partitions``)."""
        self.key, self.watched, self.max_entries = key, watched, max_entries
        self.columns = columns or {}
        self.partitions = partitions
        if partitions is not None:
            partitions.family = self
        self._flag = f"{key}_changed"
        FAMILIES.append(self)

    def bump(self, connection: sa.Connection | None = None) -> str:
        """Give the family a new version (in the caller's transaction)."""
        conn = connection if connection is not None else db.session.connection()
        token = uuid4().hex
        _write_version(conn, self.key, token)
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

    def cached_partitions(self, name: Hashable, parts: list[Hashable],
                          build: Callable[[list[Hashable] | None], dict[Hashable, Any]]) -> dict[Hashable, Any]:
        """Each of ``parts``' values, reused by this process while the family's version and
        the part's own (``Partitions``) stay the same. ``build(stale)`` computes the parts
        ``stale`` names, or every part (``None``), and returns {part: value} for at least those."""
        if not has_app_context() or self.partitions is None:
            return build(None)
        version, part_versions = self.current_version(), self.partitions.current()
        if version is None or part_versions is None:
            return build(None)
        store: dict = current_app.extensions.setdefault(self.key, {})
        found, stale = {}, []
        for part in parts:
            hit = store.get((name, part))
            if hit is not None and hit[0] == (version, part_versions.get(part)):
                found[part] = hit[1]
            else:
                stale.append(part)
        if not stale:
            return found
        built = build(None if len(stale) == len(parts) else stale)
        if len(store) + len(built) > self.max_entries:
            store.clear()
        for part, value in built.items():
            store[(name, part)] = ((version, part_versions.get(part)), value)
        return found | built

    def changed_objects(self, new_or_deleted, dirty) -> list:
        """The watched objects of a flush whose change counts (``columns``)."""
        changed = [obj for obj in new_or_deleted if isinstance(obj, self.watched)]
        for obj in dirty:
            if not isinstance(obj, self.watched):
                continue
            names = self.columns.get(type(obj))
            if names is None:
                changed.append(obj)
                continue
            attrs = sa.inspect(obj).attrs
            if any(attrs[name].history.has_changes() for name in names):
                changed.append(obj)
        return changed

    def note_change(self, session: Session) -> None:
        """Bump at this transaction's commit (``_bump_at_commit``); until then this request
        sees its own change, so it keeps nothing."""
        session.info[self._flag] = True
        if has_app_context():
            g.setdefault("data_versions", {})[self.key] = None


class Partitions:
    """Versions per part of a family's data: the dashboard's figures per lead unit.

    A change that can be placed in parts — an item (its lead unit before and after), an
    evaluation or a verdict (its item's lead unit), an activity's meeting date or lead
    committee (the lead units of its items) — gives only those parts a new version, one
    ``setting`` row each (``<prefix><unit id>``, ``<prefix>none`` for items not yet
    assigned), at commit like the family's own row; any other watched change (a deleted
    activity: its items are gone by the commit, so their units cannot be looked up) or an ORM
    bulk statement renews the family, so every part. A dashboard view after one unit's change
    then recounts that unit's items only (1M items: its first view after a change took 190 ms
    recounting the year's 46k items).

    ``via``: for a watched class other than ``unit_of``, the ``unit_of`` rows it counts in —
    those whose ``column`` equals the object's attribute ``attribute`` (an evaluation's item:
    ``Item.id == evaluation.item_id``; an activity's items: ``Item.activity_id ==
    activity.id``), looked up at commit. ``deletes_rows``: classes whose deletion takes those
    rows along."""

    def __init__(self, prefix: str, unit_of: type, unit_column: str,
                 via: dict[type, tuple[sa.ColumnElement, str]], deletes_rows: frozenset[type] = frozenset()):
        self.prefix, self.unit_of, self.unit_column, self.via = prefix, unit_of, unit_column, via
        self.deletes_rows = deletes_rows
        self.family: Versioned | None = None  # set by the family that keeps its data in these parts
        self._units, self._pending = f"{prefix}units", f"{prefix}pending"

    def note(self, session: Session, changed: list) -> bool:
        """Collect the parts ``changed`` touches for the commit; False when one of them
        cannot be placed (the caller renews the whole family)."""
        units = session.info.setdefault(self._units, set())
        pending = session.info.setdefault(self._pending, [])
        for obj in changed:
            if isinstance(obj, self.unit_of):
                history = sa.inspect(obj).attrs[self.unit_column].history
                units.update([getattr(obj, self.unit_column), *history.deleted])
            elif type(obj) in self.via and not (type(obj) in self.deletes_rows and obj in session.deleted):
                pending.append(obj)  # a new object's id is known after the flush
            else:
                return False
        if has_app_context():
            g.setdefault("data_versions", {})[self.prefix] = None  # this request keeps no part
        return True

    def bump_noted(self, session: Session) -> None:
        """At commit: new versions for the parts noted in this transaction."""
        units = session.info.pop(self._units, set())
        pending = session.info.pop(self._pending, [])
        if not units and not pending:  # every commit comes here: most change no figure
            return
        wanted: dict[sa.ColumnElement, set] = {}
        for obj in pending:
            column, attribute = self.via[type(obj)]
            wanted.setdefault(column, set()).add(getattr(obj, attribute))
        unit_column = getattr(self.unit_of, self.unit_column)
        for column, values in wanted.items():
            if values - {None}:
                units.update(session.scalars(sa.select(unit_column).distinct().where(column.in_(values - {None}))))
        conn = session.connection()
        new_part = False
        for unit in sorted(units, key=lambda u: (u is None, u or 0)):
            new_part |= _write_version(conn, f"{self.prefix}{'none' if unit is None else unit}", uuid4().hex)
        # Parts are kept only under the family's version: a database that has none yet (a new
        # one: its first activities and items are all placed in parts) gets it with its first
        # part, else nothing would ever be kept there.
        if new_part and conn.scalar(sa.select(Setting.value).where(Setting.key == self.family.key)) is None:
            self.family.bump(conn)

    def forget(self, session: Session) -> None:
        session.info.pop(self._units, None)
        session.info.pop(self._pending, None)

    def current(self) -> dict | None:
        """Every part's committed version ({unit id or None: token}), read once per request;
        None when this request changed parts itself (it keeps nothing)."""
        versions = g.setdefault("data_versions", {})
        if self.prefix not in versions:
            rows = db.session.execute(sa.select(Setting.key, Setting.value)
                                      .where(Setting.key.startswith(self.prefix, autoescape=True)))
            parts = {}
            for key, value in rows:
                unit = key[len(self.prefix):]
                parts[None if unit == "none" else int(unit) if is_number(unit) else unit] = value
            versions[self.prefix] = parts
        return versions[self.prefix]


def _write_version(conn: sa.Connection, key: str, token: str) -> bool:
    """Set the version row ``key`` to ``token``; True when the row had to be created."""
    table = Setting.__table__
    if conn.execute(table.update().where(table.c.key == key).values(value=token, updated_at=utcnow())).rowcount:
        return False
    conn.execute(table.insert().values(key=key, value=token, updated_at=utcnow()))
    return True


def bulk_written_class(state) -> type | None:
    """The mapped class an ORM bulk ``insert()``/``update()``/``delete()`` run through the
    session writes (``do_orm_execute``): such statements bypass the flush and its hooks."""
    if (state.is_update or state.is_delete or state.is_insert) and state.bind_mapper is not None:
        return state.bind_mapper.class_
    return None


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
        changed = family.changed_objects(new_or_deleted, session.dirty)
        if changed and not (family.partitions is not None and family.partitions.note(session, changed)):
            family.note_change(session)


@sa.event.listens_for(Session, "do_orm_execute")
def _note_bulk(state) -> None:
    """``update(Item)…`` / ``delete(Activity)…`` through the session bypass the flush."""
    written = bulk_written_class(state)
    if written is not None:
        for family in FAMILIES:
            if issubclass(written, family.watched):
                family.note_change(state.session)


@sa.event.listens_for(Session, "before_commit")
def _bump_at_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the outer commit bumps
        return
    session.flush()  # commit flushes after this hook: flush first so no change goes unnoted
    for family in FAMILIES:
        if session.info.pop(family._flag, False):
            family.bump(session.connection())
            if family.partitions is not None:  # the family's new version renews every part
                family.partitions.forget(session)
        elif family.partitions is not None:
            family.partitions.bump_noted(session)


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction) -> None:
    """The whole transaction rolled back: nothing to bump. A savepoint's rollback keeps the
    notes (the outer transaction may still commit changes made before it)."""
    if previous_transaction.parent is None:
        for family in FAMILIES:
            session.info.pop(family._flag, None)
            if family.partitions is not None:
                family.partitions.forget(session)


# The families, defined beside the session hooks so that every process that writes (app
# nodes, CLI jobs, the bench seed) bumps them, whatever else it imported.
REFDATA = Versioned("refdata_version", (Unit, Activity, CalendarOverride, Setting))
# The dashboard's aggregates (``dashboard.stats``): what they count lives in these rows.
# The kept results hold nothing of the day or the light settings (the day's lights are
# worked out from kept deadlines per view: ``dashboard.deadlines.deadline_counts``).
# An item counts by these attributes only (``dashboard.stats``: scope, lead unit, stage,
# round, dates, lights, answer class); ``tests/test_dashboard_exact.py`` checks after every
# few operations that no figure changed without one of them.
FIGURE_ITEM_ATTRIBUTES = frozenset({
    "activity_id", "lead_unit_id", "stage", "round", "urgency", "deadline", "assigned_at", "acknowledged_at",
    "closed_at", "closed_on_time", "closure_kind", "answer_class"})
# Kept per lead unit (``dashboard.scope.kept_parts``): about 40 parts per statement and scope
# (three statements: the unit figures, the months, the deadlines).
# An activity counts by its scope only: the year of its meeting and its lead committee.
FIGURE_ACTIVITY_ATTRIBUTES = frozenset({"meeting_date", "lead_committee_id"})
FIGURES = Versioned("figures_version", (Item, Evaluation, Verdict, Activity), max_entries=4096,
                    columns={Item: FIGURE_ITEM_ATTRIBUTES, Activity: FIGURE_ACTIVITY_ATTRIBUTES},
                    partitions=Partitions("figures_unit:", Item, "lead_unit_id",
                                          {Evaluation: (Item.id, "item_id"), Verdict: (Item.id, "item_id"),
                                           Activity: (Item.activity_id, "id")},
                                          deletes_rows=frozenset({Activity})))
