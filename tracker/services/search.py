"""Operations for the search: the admin's dictionary terms and recurrence links
(第N次提出). Like every operation they write history and never commit."""
from __future__ import annotations

import unicodedata

import sqlalchemy as sa

from ..extensions import db
from ..models import Activity, AuditAction, Item, RecurrenceLink, SearchTerm, User
from ..visibility import can_view
from . import OperationError
from .audit import record

MAX_CHAIN = 100


def add_term(word: str, actor: User) -> SearchTerm:
    word = unicodedata.normalize("NFKC", word or "").strip()
    if not 2 <= len(word) <= 20:
        raise OperationError("词语：请填写 2 至 20 个字")
    if not all(ch.isalnum() for ch in word):
        raise OperationError("词语：只能包含汉字、字母和数字（不含空格和标点）")
    if db.session.scalar(sa.select(SearchTerm.id).where(SearchTerm.word == word)):
        raise OperationError(f"词语：“{word}”已在词典中")
    term = SearchTerm(word=word)
    db.session.add(term)
    db.session.flush()
    record(AuditAction.SEARCH_TERM_ADD, f"检索词典增加“{word}”", object_type="search_term", object_id=term.id,
           actor=actor)
    return term


def delete_term(term: SearchTerm, actor: User) -> None:
    record(AuditAction.SEARCH_TERM_DELETE, f"检索词典删除“{term.word}”", object_type="search_term", object_id=term.id,
           actor=actor)
    db.session.delete(term)
    db.session.flush()


def earlier_chain(item_id: int) -> list[int]:
    """Ids from ``item_id`` back to the first raising, following the links."""
    chain = [item_id]
    while len(chain) < MAX_CHAIN:
        earlier = db.session.scalar(sa.select(RecurrenceLink.earlier_item_id)
                                    .where(RecurrenceLink.item_id == chain[-1]))
        if earlier is None or earlier in chain:
            break
        chain.append(earlier)
    return chain


def _meeting_date(item: Item):
    return db.session.scalar(sa.select(Activity.meeting_date).where(Activity.id == item.activity_id))


def link_recurrence(item: Item, earlier: Item, actor: User) -> RecurrenceLink:
    """Record that ``item`` raises again the problem of ``earlier``."""
    if not actor.is_staff:
        raise OperationError("只有工作人员可以关联既往事项")
    if earlier.id == item.id or not can_view(actor, earlier):
        raise OperationError("既往事项：请选择另一个事项")
    if _meeting_date(earlier) > _meeting_date(item):
        raise OperationError("既往事项：只能关联更早（或同一次会议）提出的事项")
    if item.id in earlier_chain(earlier.id):
        raise OperationError("既往事项：该事项已是本事项的后续提出，不能互相关联")
    link = db.session.get(RecurrenceLink, item.id)
    if link is None:
        link = RecurrenceLink(item_id=item.id, earlier_item_id=earlier.id, created_by_id=actor.id)
        db.session.add(link)
    else:
        link.earlier_item_id, link.created_by_id = earlier.id, actor.id
    db.session.flush()
    record(AuditAction.ITEM_RECURRENCE_LINK, f"关联既往事项 {earlier.heading}（此前已提出过同一问题）",
           object_type="item", object_id=item.id, item_id=item.id, details={"earlier_item_id": earlier.id}, actor=actor)
    return link


def link_to_earlier_id(item: Item, earlier_id: int, actor: User) -> RecurrenceLink:
    """The entry form's checkbox: link a just-entered item to an earlier one by its id."""
    earlier = db.session.get(Item, earlier_id)
    if earlier is None:
        raise OperationError("既往事项：请选择另一个事项")
    return link_recurrence(item, earlier, actor)


def unlink_recurrence(item: Item, actor: User) -> None:
    if not actor.is_staff:
        raise OperationError("只有工作人员可以取消关联")
    link = db.session.get(RecurrenceLink, item.id)
    if link is None:
        raise OperationError("该事项没有关联的既往事项")
    record(AuditAction.ITEM_RECURRENCE_UNLINK, "取消关联既往事项", object_type="item", object_id=item.id,
           item_id=item.id,
           details={"earlier_item_id": link.earlier_item_id}, actor=actor)
    db.session.delete(link)
    db.session.flush()
