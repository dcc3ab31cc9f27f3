"""What the closure tests share: an item read back detached, a reported item, a unanimous vote."""
from __future__ import annotations

from tracker.extensions import db
from tracker.models import Item
from tracker.services import evaluations as ev

from .helpers import current_evaluation, make_item, user


def get(app, item_id: int) -> Item:
    with app.app_context():
        item = db.session.get(Item, item_id)
        db.session.expunge(item)
        return item


def reported_item(app, **kwargs) -> int:
    with app.app_context():
        item = make_item(stage="reported", **kwargs)
        db.session.commit()
        return item.id


def vote_all(item, grade):
    evaluation = current_evaluation(item)
    for i in range(1, 5):
        ev.cast_vote(evaluation, item, grade, user(f"reviewer{i}"))
    ev.close_evaluation(evaluation, item, user("staff"))
