"""Template filters and globals shared by every page."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from . import limits
from .models.base import to_local

# Navigation per role: (endpoint, label). Areas append their entries when registered,
# so the layout never links to a blueprint that is not installed.
NAV: dict[str, list[tuple[str, str]]] = {"staff": [], "unit": [], "reviewer": []}


def add_nav(role: str, endpoint: str, label: str) -> None:
    if (endpoint, label) not in NAV[role]:
        NAV[role].append((endpoint, label))


def init_templating(app: Flask) -> None:
    @app.template_filter("dt")
    def format_datetime(value: datetime | None) -> str:
        return to_local(value).strftime("%Y-%m-%d %H:%M") if value else ""

    @app.template_filter("d")
    def format_date(value: date | None) -> str:
        return value.strftime("%Y-%m-%d") if value else ""

    @app.template_filter("cndate")
    def format_cn_date(value: date | None) -> str:
        return f"{value.year}年{value.month}月{value.day}日" if value else ""

    @app.context_processor
    def globals_():
        return {
            "org_name": app.config["ORG_NAME"],
            "limits": limits,  # data-limit="{{ limits.ITEM_TEXT }}": the counter shows the server's limit
            "nav_staff_links": lambda: NAV["staff"],
            "nav_unit_links": lambda: NAV["unit"],
            "nav_reviewer_links": lambda: NAV["reviewer"],
        }
