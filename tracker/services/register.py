"""Issuing a letter: give it the next 发文字号 of its series and year, once, and keep it.

A second request for the same subject (the same 交办 list, the same overdue deadline,
the same evaluation) returns the letter already issued, number and text unchanged.
Two letters issued at the same moment cannot share a number: the number is
max + 1 under a unique constraint, and an insert that loses the race is rolled
back to its savepoint and retried with the next number.  On PostgreSQL the loser
waits on the unique index until the winner commits; on SQLite the write lock taken
at BEGIN IMMEDIATE serialises them before that.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..documents.gongwen import Letter, letter_to_dict
from ..extensions import db
from ..models import AuditAction, IssuedLetter, Item, LetterKind, LetterSeries, User
from ..workflow import Action, check
from . import OperationError
from .audit import record

_ATTEMPTS = 8


def prefix_for(series: LetterSeries) -> str:
    """The 发文字号 prefix of a series, from the LETTER_PREFIX_LETTER / LETTER_PREFIX_NOTICE settings."""
    return current_app.config[f"LETTER_PREFIX_{series.name}"]


def format_doc_number(series: LetterSeries, year: int, number: int) -> str:
    return f"{prefix_for(series)}〔{year}〕{number}号"


def find_issued(kind: LetterKind, subject_key: str) -> IssuedLetter | None:
    return db.session.scalar(sa.select(IssuedLetter).where(IssuedLetter.kind == kind,
                                                           IssuedLetter.subject_key == subject_key))


def issue_letter(kind: LetterKind, subject_key: str, build: Callable[[str], Letter], actor: User, today: date,
                 *, item: Item | None = None, activity_id: int | None = None) -> IssuedLetter:
    """The letter on ``subject_key``, issued now with the next number if it never was.

    ``build(doc_number)`` writes the letter; it is called again with a new number if
    another letter took the first one meanwhile.  A letter about one item is an
    action on it (``Action.ISSUE_LETTER``); a 交办函 covers several and is staff-only.
    """
    if item is not None:
        check(actor, item, Action.ISSUE_LETTER)
    item_id = item.id if item is not None else None
    existing = find_issued(kind, subject_key)
    if existing is not None:
        return existing
    series = kind.series
    for _ in range(_ATTEMPTS):
        number = 1 + (db.session.scalar(sa.select(sa.func.max(IssuedLetter.number)).where(
            IssuedLetter.series == series, IssuedLetter.year == today.year)) or 0)
        letter = build(format_doc_number(series, today.year, number))
        issued = IssuedLetter(
            kind=kind, series=series, year=today.year, number=number, doc_number=letter.doc_number,
            subject_key=subject_key, title=letter.title[:300], recipient=(letter.recipient or "").rstrip("：")[:200],
            issued_on=today, item_id=item_id, activity_id=activity_id, issued_by_id=actor.id,
            content=letter_to_dict(letter))
        try:
            with db.session.begin_nested():
                db.session.add(issued)
        except IntegrityError:
            existing = find_issued(kind, subject_key)  # the same letter, issued by someone else just now
            if existing is not None:
                return existing
            continue
        record(AuditAction.LETTER_ISSUE, f"制发{kind.label}《{issued.title}》（{issued.doc_number}）",
               object_type="issued_letter", object_id=issued.id, item_id=item_id, actor=actor,
               details={"doc_number": issued.doc_number, "recipient": issued.recipient})
        return issued
    raise OperationError("发文字号分配冲突，请稍后重试")
