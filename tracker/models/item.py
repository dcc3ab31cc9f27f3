"""Items (事项): one thing someone must fix, and what the units post about it."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .accounts import Unit, User
from .activity import Activity
from .base import enum_column, utcnow
from .closure import ClosureKind, status_label
from .commitment import AnswerClass

if TYPE_CHECKING:
    from .report import Report


class Origin(enum.StrEnum):
    QUESTION = "question"  # 专题询问中的询问问题
    OPINION = "opinion"  # 审议意见 / 问题清单中的一条

    @property
    def label(self) -> str:
        return {"question": "询问问题", "opinion": "审议意见"}[self.value]


class Stage(enum.StrEnum):
    ASKED = "asked"
    ANSWERED = "answered"
    ASSIGNED = "assigned"
    RECTIFYING = "rectifying"
    REPORTED = "reported"
    ACCEPTED = "accepted"
    EVALUATING = "evaluating"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"  # 作废: entered by mistake; kept and marked, never deleted

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]

    @property
    def phase(self) -> str:
        """问 / 答 / 改 / 评 / 办结: the four steps people talk about."""
        return STAGE_PHASES[self]

    @property
    def is_open(self) -> bool:
        return self not in (Stage.CLOSED, Stage.WITHDRAWN)


STAGE_LABELS = {
    Stage.ASKED: "已记录（待答复）",
    Stage.ANSWERED: "已答复（待交办）",
    Stage.ASSIGNED: "已交办（待签收）",
    Stage.RECTIFYING: "整改中",
    Stage.REPORTED: "报告待审核",
    Stage.ACCEPTED: "报告已受理（待测评）",
    Stage.EVALUATING: "测评中",
    Stage.CLOSED: "已办结",
    Stage.WITHDRAWN: "已作废",
}
STAGE_PHASES = {
    Stage.ASKED: "问", Stage.ANSWERED: "答", Stage.ASSIGNED: "改", Stage.RECTIFYING: "改",
    Stage.REPORTED: "改", Stage.ACCEPTED: "改", Stage.EVALUATING: "评", Stage.CLOSED: "办结",
    Stage.WITHDRAWN: "作废",
}
# Stages in which the deadline runs against the unit (the light is meaningful).
DEADLINE_STAGES = frozenset({Stage.ASSIGNED, Stage.RECTIFYING, Stage.REPORTED})


def urgency_of(stage: Stage) -> int:
    """0 while the deadline runs against a unit, else 1: the first key of the list order."""
    return 0 if stage in DEADLINE_STAGES else 1


item_co_unit = sa.Table(
    "item_co_unit",
    db.metadata,
    sa.Column("item_id", sa.ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("unit.id"), primary_key=True),
    # Copies of the item's urgency, deadline and stage, so a unit's co-unit items can be walked
    # in list order through ``ix_item_co_unit_order`` and cut after a page, and its 待签收
    # co-unit items found through ``ix_item_co_unit_stage`` (issue 16). Never set them by
    # hand: ``models/co_unit_order.py`` copies them in the item's own flush.
    sa.Column("urgency", sa.Integer, nullable=False, server_default="1"),
    sa.Column("deadline", sa.Date),
    sa.Column("stage", enum_column(Stage, "stage"), nullable=False, server_default=Stage.ASKED.value),
    # Also the lookup by unit (its first column), which replaced ``ix_item_co_unit_unit_id``.
    sa.Index("ix_item_co_unit_order", "unit_id", "urgency", "deadline", "item_id"),
    # 我的事项's leading rows of the co-unit arm (``main.todos.attention_first``), in list order.
    sa.Index("ix_item_co_unit_stage", "unit_id", "stage", "urgency", "deadline", "item_id"),
)


def document_number(ref: str | None, seq: int, parent_number: str | None = None) -> str:
    """An item's number as its document prints it: its own ("二", "（一）"), after its parent's
    for a sub-point ("二-（一）"); the entry order when the document numbers nothing. The
    台账, the lists and every page show this, never the database's activity-seq."""
    own = ref or str(seq)
    return f"{parent_number}-{own}" if parent_number else own


def heading(origin, number: str) -> str:
    """How every page, letter, ballot and notice names an item: the kind of matter and the
    document's number ("审议意见 二-（一）", "询问问题 3"; ``document_number``)."""
    from ..naming import terms_for
    return f"{terms_for(origin).matter} {number}"


def short_title(question: str) -> str:
    """The question, spaces folded, cut at 40 characters."""
    text = " ".join(question.split())
    return text if len(text) <= 40 else text[:40] + "…"


class ItemLabels:
    """The labels an item carries wherever it is shown — its short title, its status and its
    heading —
    defined once for the ORM ``Item`` and the list row (``list_items.ListItem``)."""

    __slots__ = ()

    @property
    def title(self) -> str:
        """The question, spaces folded, cut at 40 characters (``short_title``)."""
        return short_title(self.question)

    @property
    def status_label(self) -> str:
        """The stage, or for a closed item how it was closed (办结（已落实）, 终止跟踪（未落实）…)."""
        return status_label(self.stage, self.closure_kind)

    @property
    def heading(self) -> str:
        """"审议意见 二-（一）", "询问问题 3": the kind of matter and the document's number."""
        return heading(self.origin, self.number)


class Item(ItemLabels, db.Model):
    __tablename__ = "item"
    __table_args__ = (
        sa.UniqueConstraint("activity_id", "seq"),
        sa.CheckConstraint("round >= 1", name="round_positive"),
        # A unit's lead items of one stage, in list order: 我的事项 walks its 待签收 ones and
        # stops after a page, however few or many there are (``main.todos.attention_first``).
        sa.Index("ix_item_lead_stage", "lead_unit_id", "stage", "urgency", "deadline", "id"),
        sa.Index("ix_item_stage_deadline", "stage", "deadline"),
        # Lists sort by urgency; with this index the first page is read in order, no sort.
        # ``stage`` last (``id`` is unique, so it orders nothing): the overdue rule and the
        # "not withdrawn" test are answered from the index, and the overdue count never visits
        # the table (migration 0022).
        sa.Index("ix_item_urgency", "urgency", "deadline", "id", "stage"),
        # A unit's lead items in the same order (我的事项, the unit filter: list_page.list_page).
        sa.Index("ix_item_lead_urgency", "lead_unit_id", "urgency", "deadline", "id"),
        # An activity's items, and of those a unit's: the dashboard recounts one unit's
        # figures of a year after a change to its items (``dashboard.scope.kept_parts``,
        # migration 0023).
        sa.Index("ix_item_activity_lead", "activity_id", "lead_unit_id"),
        # The dashboard's drill-down lists, each in list order (migrations 0025, 0026 say why):
        # one stage, a month's 交办/办结, 督办, 终止跟踪, a year, a unit's year, a year's stage.
        sa.Index("ix_item_stage_order", "stage", "urgency", "deadline", "id"),
        sa.Index("ix_item_assigned_month_order", "assigned_month", "urgency", "deadline", "id", "stage"),
        sa.Index("ix_item_closed_month_order", "closed_month", "urgency", "deadline", "id", "stage", "closure_kind"),
        sa.Index("ix_item_supervised_order", "supervised", "urgency", "deadline", "id"),
        sa.Index("ix_item_closure_kind", "closure_kind"),
        sa.Index("ix_item_year_order", "meeting_year", "urgency", "deadline", "id", "stage"),
        sa.Index("ix_item_lead_year_order", "lead_unit_id", "meeting_year", "urgency", "deadline", "id"),
        sa.Index("ix_item_year_stage_order", "meeting_year", "stage", "urgency", "deadline", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id"), index=True)
    seq: Mapped[int]  # order within the activity (entry order); shown only when the document has no number
    # The year of the activity's meeting, the year an item counts in (lists and dashboard):
    # a copy kept by database triggers (migration 0026), so a year is read through its own
    # indexes in list order. Never written by the app.
    meeting_year: Mapped[int | None] = mapped_column(server_default=sa.FetchedValue(),
                                                     server_onupdate=sa.FetchedValue())
    # The document's own numbering of this point ("一", "（二）", "3"), and the point it belongs to.
    ref: Mapped[str | None] = mapped_column(sa.String(32))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("item.id"), index=True)
    origin: Mapped[Origin] = mapped_column(enum_column(Origin, "origin"))
    question: Mapped[str] = mapped_column(sa.Text)
    asker: Mapped[str | None] = mapped_column(sa.String(64))  # 询问人
    asked_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    respondent_name: Mapped[str | None] = mapped_column(sa.String(64))  # 应询人
    respondent_post: Mapped[str | None] = mapped_column(sa.String(100))
    answer: Mapped[str | None] = mapped_column(sa.Text)
    commitments: Mapped[str | None] = mapped_column(sa.Text)
    lead_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage"), default=Stage.ASKED, index=True)
    round: Mapped[int] = mapped_column(default=1, server_default="1")
    # 0 while the deadline runs against a unit (DEADLINE_STAGES), else 1. Stored, not
    # computed in ORDER BY, so the urgency sort can use an index at 100k items; only
    # ``workflow.apply`` changes it, together with the stage.
    urgency: Mapped[int] = mapped_column(default=1, server_default="1")
    deadline: Mapped[date | None]
    original_deadline: Mapped[date | None]  # the round's deadline before extensions
    assigned_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The China Standard Time month of ``assigned_at`` and ``closed_at`` as a number (202611):
    # generated columns (migration 0029), so a month's 交办 or 办结 list walks its own index
    # in list order. Never written by the app.
    assigned_month: Mapped[int | None] = mapped_column(server_default=sa.FetchedValue(),
                                                       server_onupdate=sa.FetchedValue())
    closed_month: Mapped[int | None] = mapped_column(server_default=sa.FetchedValue(),
                                                     server_onupdate=sa.FetchedValue())
    closed_on_time: Mapped[bool | None]
    # The local date of the last sign of life from the unit (交办, an answer, progress, a report):
    # kept by ``services.liveness.mark_activity`` in the posting transaction, so the 无进展 light
    # (``lights.silent_clause``) is an indexed comparison, not a MAX over every entry.
    last_activity_on: Mapped[date | None] = mapped_column(index=True)
    # How the current round was closed (``Closure`` keeps every round's); None while open.
    # Written only by ``services/closure.py``, together with the stage.
    closure_kind: Mapped[ClosureKind | None] = mapped_column(enum_column(ClosureKind, "closure_kind"))
    supervised: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # 挂牌督办
    published: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # 作废 (Stage.WITHDRAWN): when and why. Kept and marked, out of lists and rates, never deleted.
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # 答复分类 A–D, given at 答 or on the report line; D carries its reason.
    answer_class: Mapped[AnswerClass | None] = mapped_column(enum_column(AnswerClass, "answer_class"))
    answer_class_reason: Mapped[str | None] = mapped_column(sa.Text)

    activity: Mapped[Activity] = relationship(lazy="raise")
    parent: Mapped[Item | None] = relationship(remote_side=[id], lazy="raise")
    asked_unit: Mapped[Unit | None] = relationship(foreign_keys=[asked_unit_id], lazy="raise")
    lead_unit: Mapped[Unit | None] = relationship(foreign_keys=[lead_unit_id], lazy="raise")
    co_units: Mapped[list[Unit]] = relationship(secondary=item_co_unit, lazy="raise", order_by=Unit.sort_order)

    __mapper_args__ = {"version_id_col": version}

    @validates("stage")
    def _urgency_follows_stage(self, _key, stage):
        """Wherever the stage is set, the stored urgency follows, so ``urgency = 0`` can stand
        for "the deadline runs" in SQL (``lights.overdue_clause`` walks ``ix_item_urgency``)."""
        self.urgency = urgency_of(stage)
        return stage

    @property
    def number(self) -> str:
        """The document's numbering ("二-（一）" for a sub-point when its parent is loaded),
        or the entry order when the document has none."""
        parent = None
        if self.parent_id and "parent" not in sa.inspect(self).unloaded and self.parent is not None:
            parent = self.parent.number
        return document_number(self.ref, self.seq, parent)

    @property
    def terms(self):
        """The words for this kind of matter (询问问题 or 审议意见); see ``tracker/naming.py``."""
        from ..naming import terms_for
        return terms_for(self.origin)

    @property
    def answered_by_report(self) -> bool:
        """A 审议意见 is answered by the unit's 研究处理情况报告, not by a recorded reply:
        once a report is in, its 答 is that report."""
        return self.origin is Origin.OPINION and (self.round > 1 or self.stage in (
            Stage.REPORTED, Stage.ACCEPTED, Stage.EVALUATING, Stage.CLOSED))

    @property
    def withdrawn(self) -> bool:
        return self.stage is Stage.WITHDRAWN

    def unit_ids(self) -> set[int]:
        """Units that may see the item: the lead unit and the co-units."""
        ids = {u.id for u in self.co_units}
        if self.lead_unit_id:
            ids.add(self.lead_unit_id)
        return ids


class EntryKind(enum.StrEnum):
    RESPONSE = "response"  # 答复 / 整改方案
    PROGRESS = "progress"  # 进展
    REPORT = "report"  # 整改（研究处理）情况报告

    @property
    def label(self) -> str:
        return {"response": "答复/整改方案", "progress": "整改进展", "report": "整改情况报告"}[self.value]


class LineStatus(enum.StrEnum):
    """How a report says one point stands."""

    DONE = "done"
    MOSTLY_DONE = "mostly_done"
    UNDER_WAY = "under_way"
    PLANNED = "planned"
    NOT_ADOPTED = "not_adopted"

    @property
    def label(self) -> str:
        return LINE_STATUS_LABELS[self]

    @property
    def needs_date(self) -> bool:
        return self in (LineStatus.UNDER_WAY, LineStatus.PLANNED)


LINE_STATUS_LABELS = {
    LineStatus.DONE: "已完成", LineStatus.MOSTLY_DONE: "基本完成", LineStatus.UNDER_WAY: "正在推进",
    LineStatus.PLANNED: "列入计划", LineStatus.NOT_ADOPTED: "未采纳",
}


class ReviewStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return {"pending": "待审核", "accepted": "已受理", "returned": "已退回"}[self.value]


class ProgressEntry(db.Model):
    __tablename__ = "progress_entry"
    # ix_progress_entry_review: the reports under review or returned, read without touching
    # the progress posts (most rows; their review_status is NULL), e.g. ``returned_now_ids``.
    __table_args__ = (sa.Index("ix_progress_entry_item_round", "item_id", "round"),
                      sa.Index("ix_progress_entry_review", "review_status", "item_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"))
    round: Mapped[int]
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind, "entry_kind"))
    text: Mapped[str] = mapped_column(sa.Text)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    review_status: Mapped[ReviewStatus | None] = mapped_column(enum_column(ReviewStatus, "review_status"))
    review_note: Mapped[str | None] = mapped_column(sa.Text)
    reviewed_at: Mapped[datetime | None]
    # A report entry submitted as part of one document report (研究处理情况报告) for several
    # items: the document holds the text and files; the entry holds this item's line.
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id"), index=True)
    line_status: Mapped[LineStatus | None] = mapped_column(enum_column(LineStatus, "line_status"))
    promised_on: Mapped[date | None]  # the date the line promises ("列入计划，2027年6月底前")
    # Evidence for one commitment (承诺): a progress post, its files hang off it as usual.
    commitment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("commitment.id"), index=True)

    report: Mapped[Report | None] = relationship("Report", foreign_keys=[report_id], lazy="raise",
                                                 back_populates="entries")
    unit: Mapped[Unit] = relationship(lazy="raise")
    author: Mapped[User] = relationship(lazy="raise")
    attachments: Mapped[list[Attachment]] = relationship(lazy="raise", order_by="Attachment.id")


class Attachment(db.Model):
    """Evidence files, stored in the database so every app server and a single database
    backup see them; the bytes are deferred so listing attachments never loads them.
    A file belongs to one item's entry, or to a document report covering several items."""

    __tablename__ = "attachment"
    __table_args__ = (sa.CheckConstraint("(entry_id IS NULL) <> (report_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("progress_entry.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("item.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Text read once at upload for the search (tracker.search.extract); the status says
    # whether it could be read ("ok", "empty", "unreadable", "partial", "none" for images).
    text: Mapped[str | None] = mapped_column(sa.Text, deferred=True)
    text_status: Mapped[str | None] = mapped_column(sa.String(16))
