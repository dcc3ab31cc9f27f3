"""The organisation's own words for the segmenter: every unit's name and the terms an
admin entered (a short name such as 区教体局, a local programme such as 双减)."""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import SearchTerm, Unit


def user_words() -> set[str]:
    units = db.session.scalars(sa.select(Unit.name))
    terms = db.session.scalars(sa.select(SearchTerm.word))
    return {w.strip() for w in [*units, *terms] if w and w.strip()}


def terms() -> list[SearchTerm]:
    return list(db.session.scalars(sa.select(SearchTerm).order_by(SearchTerm.word)))
