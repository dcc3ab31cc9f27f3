"""Choice lists for selects and filters (units, committees, activities, years, parent
points): read by forms and list pages, kept per process where ``services.refdata`` says
the data is unchanged."""
from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from .extensions import db
from .models import Activity, Item, Stage, Unit, UnitKind
from .services import refdata


class Choice(NamedTuple):
    id: int
    name: str


class UnitRef(NamedTuple):
    """A unit as lists and tables name it (``name``) and order it (``sort_order``)."""
    name: str
    sort_order: int
    id: int


def unit_refs() -> dict[int, UnitRef]:
    """Every unit by id, for the rows of lists and the dashboard's per-unit tables: kept
    per process until a unit changes (``services.refdata``), so a page names its units
    without loading them."""
    return refdata.cached("unit_refs", lambda: {
        u.id: UnitRef(u.name, u.sort_order, u.id)
        for u in db.session.execute(sa.select(Unit.id, Unit.name, Unit.sort_order))})


def organ_choices(active_only: bool = True) -> list[Choice]:
    """一府一委两院 units for selects (交办, 被询问单位, filters); kept per process until a
    unit changes (``services.refdata``)."""
    def build() -> tuple[Choice, ...]:
        stmt = sa.select(Unit.id, Unit.name).where(Unit.kind != UnitKind.COMMITTEE)
        if active_only:
            stmt = stmt.where(Unit.active.is_(True))
        return tuple(Choice(row.id, row.name) for row in db.session.execute(stmt.order_by(Unit.sort_order, Unit.name)))
    return list(refdata.cached(f"organ_choices:{active_only}", build))


def committee_choices() -> list[Choice]:
    """常委会工作机构, for the lead-committee select and the dashboard filter."""
    def build() -> tuple[Choice, ...]:
        stmt = (sa.select(Unit.id, Unit.name).where(Unit.kind == UnitKind.COMMITTEE)
                .order_by(Unit.sort_order, Unit.name))
        return tuple(Choice(row.id, row.name) for row in db.session.execute(stmt))
    return list(refdata.cached("committee_choices", build))


RECENT_ACTIVITIES = 60


class ActivityChoice(NamedTuple):
    id: int
    title: str


def activity_filter_choices(chosen: int | None = None) -> list[ActivityChoice]:
    """The list filter's activities: the ``RECENT_ACTIVITIES`` newest meetings (kept per
    process until an activity changes) and the chosen one if it is older."""
    def build() -> tuple[ActivityChoice, ...]:
        return tuple(ActivityChoice(r.id, r.title) for r in db.session.execute(
            sa.select(Activity.id, Activity.title).order_by(Activity.meeting_date.desc(), Activity.id.desc())
            .limit(RECENT_ACTIVITIES)))
    recent = list(refdata.cached("recent_activities", build))
    if chosen and all(c.id != chosen for c in recent):
        row = db.session.execute(sa.select(Activity.id, Activity.title).where(Activity.id == chosen)).first()
        if row is not None:
            recent.append(ActivityChoice(row.id, row.title))
    return recent


def activity_years() -> list[int]:
    """The meeting years for the list filter, newest first (kept per process)."""
    year = sa.extract("year", Activity.meeting_date)
    return list(refdata.cached("activity_years", lambda: tuple(
        int(y) for y in db.session.scalars(sa.select(year).distinct().order_by(year.desc())))))


def year_choices() -> list[tuple[int, int]]:
    """``activity_years`` as (value, label) pairs, for a filter select (``templating.select_options``)."""
    return [(year, year) for year in activity_years()]


def parent_choices(activity_id: int) -> list[Choice]:
    """The activity's top-level and second-level points, to hang a sub-point under."""
    rows = db.session.execute(sa.select(Item.id, Item.ref, Item.seq, Item.question)
                              .where(Item.activity_id == activity_id, Item.stage != Stage.WITHDRAWN)
                              .order_by(Item.seq)).all()
    return [Choice(r.id, f"{r.ref or r.seq} {' '.join(r.question.split())[:24]}") for r in rows]
