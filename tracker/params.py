"""Numbers in query strings: ASCII digits only.

``str.isdigit()`` is true for "²", "①" and other Unicode digits that ``int()`` refuses,
so ``?page=²`` used to be a 500 on eight pages. Every query-string number goes through
``is_number`` (or ``number``) instead.
"""
from __future__ import annotations


def is_number(value: str | None) -> bool:
    """Non-empty and made of the ASCII digits 0–9 only."""
    return bool(value) and value.isascii() and value.isdigit()


def number(value: str | None, max_digits: int = 9) -> int | None:
    return int(value) if is_number(value) and len(value) <= max_digits else None
