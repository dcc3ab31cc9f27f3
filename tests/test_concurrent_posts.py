"""Two people of one unit post progress on one item at the same moment: both are stored.

The mixed load test (32 clients, shared logins) met a 409 已被他人修改 on PostgreSQL: each
post moved the item's 无进展 date through the item's version counter, so the second of
two simultaneous posts carried the version both had read and was refused whole, with
the unit's text. Here the other post's commit is played between this request's read of
the item and its write, on the database the suite runs on."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import EntryKind, Item, ProgressEntry, local_today
from tracker.services import items as ops

from .helpers import make_item, user


def _other_post_commits_meanwhile(item_id: int) -> None:
    """What a simultaneous post did to the row after this request read it."""
    db.session.execute(sa.update(Item).where(Item.id == item_id)
                       .values(version=Item.version + 1, last_activity_on=local_today())
                       .execution_options(synchronize_session=False))


def test_a_post_is_stored_when_another_post_moved_the_item_meanwhile(app, demo):
    with app.app_context():
        item = make_item(stage="rectifying")
        item.last_activity_on = local_today() - timedelta(days=3)
        db.session.commit()
        item_id, version = item.id, item.version
        item = db.session.get(Item, item_id)
        assert item.last_activity_on < local_today()  # this request saw yesterday's silence
        _other_post_commits_meanwhile(item_id)
        ops.post_progress(item, EntryKind.PROGRESS, "第二位同事同时报送的进展", [], user("unit_edu"))
        db.session.commit()
        db.session.expire_all()
        stored = db.session.get(Item, item_id)
        assert stored.last_activity_on == local_today()
        assert stored.version == version + 1  # only the other post's change; ours did not bump it
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressEntry).where(
            ProgressEntry.item_id == item_id, ProgressEntry.text == "第二位同事同时报送的进展")) == 1


def test_a_post_restarts_the_silence_clock(app, demo):
    with app.app_context():
        item = make_item(stage="rectifying")
        item.last_activity_on = local_today() - timedelta(days=40)
        db.session.commit()
        item_id = item.id
        ops.post_progress(db.session.get(Item, item_id), EntryKind.PROGRESS, "已完成选址", [], user("unit_edu"))
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Item, item_id).last_activity_on == local_today()
