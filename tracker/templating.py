"""Template filters and globals shared by every page."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from flask import Flask
from markupsafe import Markup

from . import limits
from .models.base import local_today, to_local

# Navigation per role: (endpoint, label). Areas append their entries when registered,
# so the layout never links to a blueprint that is not installed.
NAV: dict[str, list[tuple[str, str]]] = {"staff": [], "unit": [], "reviewer": []}


def add_nav(role: str, endpoint: str, label: str) -> None:
    if (endpoint, label) not in NAV[role]:
        NAV[role].append((endpoint, label))


def cn_date(value: date | datetime | None) -> str:
    """The one date format on screen: 2026年8月3日, no zero padding (a time is shown in local time)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return f"{value.year}年{value.month}月{value.day}日"


@lru_cache(maxsize=64)
def _option_tags(choices: tuple[tuple[object, object], ...]) -> tuple[tuple[str, Markup, Markup], ...]:
    """Each choice's value as a string and its ``<option>`` tag, plain and selected."""
    plain, selected = Markup('<option value="{}">{}</option>'), Markup('<option value="{}" selected>{}</option>')
    return tuple((str(value), plain.format(value, label), selected.format(value, label)) for value, label in choices)


def select_options(choices: Iterable[tuple[object, object]], selected: object = None) -> Markup:
    """The ``<option>`` tags of a select, ``selected`` marked: ``choices`` are (value, label)
    pairs. A filter form's selects hold ~110 options (the list's units, recent activities,
    years, stages); written as a template loop they cost ~0.25 ms of every list request,
    a quarter of its rendering. The tags of a set of choices are built once (the choices
    themselves are kept per process: ``choices``), so a request only joins them."""
    chosen = None if selected is None or selected == "" else str(selected)
    return Markup("").join(tag_selected if value == chosen else tag
                           for value, tag, tag_selected in _option_tags(tuple(choices)))


def init_templating(app: Flask) -> None:
    @app.template_filter("dt")
    def format_datetime(value: datetime | None) -> str:
        return f"{cn_date(value)} {to_local(value):%H:%M}" if value else ""

    # "d" and "cndate" are the same filter: every template shows dates one way.
    app.add_template_filter(cn_date, "d")
    app.add_template_filter(cn_date, "cndate")

    @app.context_processor
    def globals_():
        return {
            "org_name": app.config["ORG_NAME"],
            "limits": limits,  # data-limit="{{ limits.ITEM_TEXT }}": the counter shows the server's limit
            "select_options": select_options,
            "today_cn": lambda: cn_date(local_today()),  # the printed pages' date line
            "nav_staff_links": lambda: NAV["staff"],
            "nav_unit_links": lambda: NAV["unit"],
            "nav_reviewer_links": lambda: NAV["reviewer"],
        }
