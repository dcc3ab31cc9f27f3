"""Reference data that changes rarely and is read on every page — the units for the filter
and 交办 selects, the recent activities and the years of the list filter, the working-day
calendar — kept per process and dropped when a unit, an activity or a calendar override
changes on any node (issue 16, point 8; the mechanism is ``services.versioned``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from .versioned import REFDATA

VERSION_KEY = REFDATA.key


def bump(connection: sa.Connection | None = None) -> str:
    """Give the reference data a new version (in the caller's transaction)."""
    return REFDATA.bump(connection)


def cached(name: str, build: Callable[[], Any]) -> Any:
    """``build()``'s value, reused by this process while the reference data is unchanged."""
    return REFDATA.cached(name, build)
