"""The cells of one row of an item list, computed once per page in Python.

Every item list (事项台账, 我的事项, the overdue and due-soon lists, 挂牌督办) showed each
of its 50 rows through four macro calls, a ``url_for`` and a few dozen template attribute
lookups; at 100k items that was a third of a list page's time, more than its SQL (issue 16).
The markup still lives once, in ``_macros.html``: here each macro is called once per
*distinct* value — a dozen stages, five lights, a few unit sets, the deadlines — and its
output kept by the process (a cell is a pure function of those values: the units by name,
so a renamed unit is a new key), and the item link is one URL prefix plus the id.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import current_app, url_for
from markupsafe import Markup

from .kept import Kept
from .lights import day_lights
from .list_items import ListItem


@dataclass(slots=True, frozen=True)
class Row:
    item: ListItem  # for the cells only one page shows (我的事项's 牵头/协办, the days overdue)
    url: str
    number: str  # the document's (``ListItem.number``), shown under 编号
    title: str
    activity: str
    units: Markup
    deadline: Markup
    stage: Markup
    light: Markup
    silent: bool

    @property
    def id(self) -> int:
        return self.item.id


def item_url_prefix() -> str:
    """``/items/`` as ``url_for`` builds it (with any script root): the detail link is this plus the id."""
    return url_for("items.detail", item_id=0).removesuffix("0")


_cells: Kept[Markup] = Kept(4096)


def list_rows(items: Iterable[ListItem], today: date) -> list[Row]:
    """The rows of a page of items (``list_items``)."""
    macros = current_app.jinja_env.get_template("_macros.html").module
    prefix = item_url_prefix()

    def once(key: tuple, render) -> Markup:
        return _cells.get((macros, *key), render)  # a reloaded template (debug) is a new module: its own cells

    rows = []
    day = day_lights(today)
    for item in items:
        light = day.light(item.stage, item.deadline)
        rows.append(Row(
            item=item, url=f"{prefix}{item.id}", number=item.number, title=item.title, activity=item.activity_title,
            units=once(("units", item.lead_unit, item.co_units), lambda i=item: macros.units(i)),
            deadline=once(("deadline", item.deadline, item.original_deadline), lambda i=item: macros.deadline(i)),
            stage=once(("stage", item.stage, item.closure_kind), lambda i=item: macros.stage_tag(i)),
            light=once(("light", light), lambda light=light: macros.light_tag(light)),
            silent=day.silent(item.stage, item.last_activity_on)))
    return rows
