"""What is searchable, read from the models through one function per kind.

Each source names its model, the attributes whose change makes its passages stale, and a
function that turns one row into passages (``Doc``). The flush hook and ``flask reindex``
use only this table, so a new kind of content (a 审查意见, a sitting) is one addition here.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import undefer

from ..models import Activity, Attachment, EntryKind, Item, ProgressEntry, Report, ReviewStatus

# kind -> label shown with a result and offered in the kind filter
KINDS = {
    "activity": "监督活动", "question": "询问问题/审议意见", "answer": "答复与承诺",
    "response": "答复/整改方案", "progress": "整改进展", "report": "整改情况报告",
    "doc_report": "研究处理情况报告（整份）", "attachment": "附件",
}
MAX_BODY = 200_000  # characters of one passage that are indexed (a long attachment is cut)


@dataclass
class Doc:
    kind: str
    source_id: int
    item_id: int | None
    activity_id: int
    title: str
    body: str
    public: bool = False


def _join(*parts: str | None) -> str:
    return "\n".join(p.strip() for p in parts if p and p.strip())


def activity_docs(activity: Activity, activity_id: int) -> Iterable[Doc]:
    body = _join(activity.title, activity.report_title, f"常委会第{activity.meeting_session}次会议",
                 activity.kind.label if activity.kind else None)
    yield Doc("activity", activity.id, None, activity.id, activity.title[:200], body, public=True)


def item_docs(item: Item, activity_id: int) -> Iterable[Doc]:
    yield Doc("question", item.id, item.id, item.activity_id, "问题", _join(item.question, item.asker), public=True)
    if item.answer or item.commitments:
        respondent = _join(item.respondent_name, item.respondent_post).replace("\n", " ")
        yield Doc("answer", item.id, item.id, item.activity_id, "答复与承诺",
                  _join(respondent, item.answer, item.commitments), public=True)


def entry_docs(entry: ProgressEntry, activity_id: int) -> Iterable[Doc]:
    kind = EntryKind(entry.kind)
    # The public reads only handling reports that staff accepted (public.queries).
    public = kind is EntryKind.REPORT and entry.review_status == ReviewStatus.ACCEPTED
    yield Doc(kind.value, entry.id, entry.item_id, activity_id, f"{kind.label}（第{entry.round}轮）", entry.text,
              public=public)


def report_docs(report: Report, activity_id: int) -> Iterable[Doc]:
    """A unit's report on a whole document, with the committee's 审查意见; it belongs to the
    activity, not to one item."""
    yield Doc("doc_report", report.id, None, report.activity_id, report.title[:200],
              _join(report.title, report.text, report.review_opinion),
              public=report.status == ReviewStatus.ACCEPTED)


def attachment_docs(attachment: Attachment, activity_id: int) -> Iterable[Doc]:
    yield Doc("attachment", attachment.id, attachment.item_id, activity_id, f"附件：{attachment.filename}"[:200],
              _join(attachment.filename, attachment.text))


@dataclass(frozen=True)
class Source:
    model: type
    kinds: tuple[str, ...]  # the kinds it writes (so a re-index removes the ones that went away)
    watched: frozenset[str]  # attributes that change its passages
    docs: Callable[[object, int], Iterable[Doc]]
    # The statement ``flask reindex`` reads it with, and how to find an object's activity.
    load: Callable[[], sa.Select]
    via_item: bool


SOURCES: list[Source] = [
    Source(Activity, ("activity",), frozenset({"title", "report_title", "meeting_session", "kind"}), activity_docs,
           lambda: sa.select(Activity).order_by(Activity.id), via_item=False),
    Source(Item, ("question", "answer"), frozenset({"question", "asker", "respondent_name", "respondent_post", "answer",
                                                    "commitments", "activity_id"}), item_docs,
           lambda: sa.select(Item).order_by(Item.id), via_item=False),
    Source(ProgressEntry, tuple(k.value for k in EntryKind), frozenset({"text", "kind", "review_status"}), entry_docs,
           lambda: sa.select(ProgressEntry).order_by(ProgressEntry.id), via_item=True),
    Source(Report, ("doc_report",), frozenset({"title", "text", "review_opinion", "status"}), report_docs,
           lambda: sa.select(Report).order_by(Report.id), via_item=False),
    Source(Attachment, ("attachment",), frozenset({"filename", "text"}), attachment_docs,
           lambda: sa.select(Attachment).options(undefer(Attachment.text)).order_by(Attachment.id), via_item=True),
]
SOURCE_BY_MODEL = {source.model: source for source in SOURCES}
