"""Template filters and globals shared by every page."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask

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
            "today_cn": lambda: cn_date(local_today()),  # the printed pages' date line
            "nav_staff_links": lambda: NAV["staff"],
            "nav_unit_links": lambda: NAV["unit"],
            "nav_reviewer_links": lambda: NAV["reviewer"],
        }
