"""A bounded store of values a process keeps by key (built statements, rendered cells).

The keys carry values that stop being asked for (a filter shape nobody uses again, an old
deadline), so when the store is full it is emptied rather than ordered: a full clear costs
nothing per hit, and the values are rebuilt on the next requests.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    """At most ``limit`` values by key, each built once by the ``build`` of its first ``get``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: dict[Hashable, V] = {}

    def get(self, key: Hashable, build: Callable[[], V]) -> V:
        found = self._values.get(key)
        if found is None:
            if len(self._values) >= self.limit:
                self._values.clear()
            found = self._values[key] = build()
        return found

    def clear(self) -> None:
        self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
