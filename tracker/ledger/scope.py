"""Saying in words which items a 台账 holds: for its title row and its file name.

A printed ledger travels without the screen it came from, so it must say what it is
("区教育局 · 整改中 · 逾期") as well as when it was made.
"""
from __future__ import annotations

from ..extensions import db
from ..models import Activity, Stage, Unit
from ..queries import BASES, LIGHTS, PHASES, ItemFilters


def scope_parts(filters: ItemFilters) -> list[str]:
    """The filters in force, in the words of the list page; empty for "all items"."""
    parts: list[str] = []
    for unit_id, prefix in ((filters.unit_id, ""), (filters.lead_unit_id, "牵头：")):
        if unit_id and (unit := db.session.get(Unit, unit_id)):
            parts.append(prefix + unit.name)
    if filters.committee_id and (committee := db.session.get(Unit, filters.committee_id)):
        parts.append(committee.name)
    if filters.activity_id and (activity := db.session.get(Activity, filters.activity_id)):
        parts.append(activity.title)
    if filters.year:
        parts.append(f"{filters.year}年")
    if filters.stage in PHASES:
        parts.append(f"“{filters.stage}”阶段")
    elif filters.stage:
        parts.append(Stage(filters.stage).label)
    if filters.overdue:
        parts.append("逾期")
    if filters.supervised:
        parts.append("挂牌督办")
    if filters.light:
        parts.append(LIGHTS[filters.light])
    if filters.basis:
        parts.append(BASES[filters.basis][0])
    if filters.assigned_in:
        parts.append(f"{filters.assigned_in}交办")
    if filters.closed_in:
        parts.append(f"{filters.closed_in}办结")
    if filters.q:
        parts.append(f"含“{filters.q}”")
    return parts


def scope_text(filters: ItemFilters) -> str:
    return "，".join(scope_parts(filters)) or "全部事项"


def file_scope(filters: ItemFilters, limit: int = 40) -> str:
    """The scope for a file name: no characters Windows refuses, not too long."""
    text = "-".join(scope_parts(filters)) or "全部"
    text = "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in text)
    return text if len(text) <= limit else text[:limit] + "等"
