"""Everything the item page shows, gathered with a fixed number of queries."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..commitments.panel import commitment_form, commitment_panel
from ..extensions import db
from ..followup.forms import NoticeForm, SuperviseForm
from ..lights import light_for, silent_for
from ..models import (
    AuditAction,
    AuditEntry,
    Closure,
    Commitment,
    DeclaredDate,
    Evaluation,
    ExtensionRequest,
    ExtensionStatus,
    HandbackRequest,
    Item,
    Lookback,
    Notice,
    ProgressEntry,
    ReviewStatus,
    Sitting,
    Stage,
    Verdict,
    local_today,
)
from ..services.calendar import get_calendar, silent_workdays
from ..services.closure import item_history
from ..services.deadlines import assign_deadline
from ..services.declared_dates import current_declarations, needs_declaration
from ..services.evaluations import has_voted, participant_count
from ..services.followup import item_notices
from ..services.handbacks import handback_last_day, item_handbacks
from ..services.lookbacks import item_lookbacks, lookback_months
from ..services.settings import available_rules
from ..visibility import can_see_followup
from ..workflow import TRANSITIONS, Action, can
from . import closure_forms as cf
from . import forms as f

# The actions offered in the page's 办理 section (_actions.html).
ITEM_SECTION_ACTIONS = frozenset({
    Action.RECORD_ANSWER, Action.ASSIGN, Action.ACKNOWLEDGE, Action.POST_PROGRESS, Action.SUBMIT_REPORT,
    Action.REQUEST_EXTENSION, Action.DECIDE_EXTENSION, Action.ACCEPT_REPORT, Action.RETURN_REPORT,
    Action.OPEN_EVALUATION, Action.WITHDRAW, Action.CORRECT_ASSIGNMENT, Action.REQUEST_HANDBACK,
    Action.DECIDE_HANDBACK, Action.DECLARE_DATE,
})


def _assign_form(item: Item):
    form = f.with_unit_choices(f.AssignForm(formdata=None, obj=item))
    form.co_unit_ids.data = [u.id for u in item.co_units]
    if not form.lead_unit_id.data and item.asked_unit_id:
        form.lead_unit_id.data = item.asked_unit_id
    if not form.deadline.data:
        form.deadline.data = assign_deadline(item)  # the activity kind's 办理期限 rule
    return form


def _correct_form(item: Item):
    form = f.with_unit_choices(f.CorrectAssignmentForm(formdata=None, obj=item))
    form.co_unit_ids.data = [u.id for u in item.co_units]
    return form


def _open_evaluation_form(item: Item):
    form = f.OpenEvaluationForm(formdata=None)
    form.rule_key.choices = [(k, r.name) for k, r in available_rules().items()]
    form.rule_key.data = item.activity.evaluation_rule_key
    return form


# The form each action needs on the item page; only the allowed ones are built, so a page
# costs no choice queries for forms the viewer will never see.
FORMS: dict[Action, tuple[str, Callable[[Item], object]]] = {
    Action.RECORD_ANSWER: ("answer_form", lambda item: f.AnswerForm(formdata=None, obj=item)),
    Action.ASSIGN: ("assign_form", _assign_form),
    Action.CORRECT_ASSIGNMENT: ("correct_form", _correct_form),
    Action.POST_PROGRESS: ("progress_form", lambda item: f.ProgressForm(formdata=None)),
    Action.SUBMIT_REPORT: ("report_form", lambda item: f.ReportForm(formdata=None)),
    Action.RETURN_REPORT: ("return_form", lambda item: f.ReturnForm(formdata=None)),
    Action.REQUEST_EXTENSION: ("extension_form", lambda item: f.ExtensionForm(formdata=None)),
    Action.DECIDE_EXTENSION: ("decide_form", lambda item: f.DecideExtensionForm(formdata=None)),
    Action.OPEN_EVALUATION: ("open_eval_form", _open_evaluation_form),
    Action.ENTER_TALLY: ("tally_form", lambda item: f.TallyForm(formdata=None)),
    Action.CLOSE_EVALUATION: ("close_form", lambda item: f.CloseEvaluationForm(formdata=None)),
    Action.VOTE: ("vote_form", lambda item: f.VoteForm(formdata=None)),
    Action.URGE: ("notice_form", lambda item: NoticeForm(formdata=None)),
    Action.WITHDRAW: ("withdraw_form", lambda item: f.WithdrawForm(formdata=None)),
    Action.SUPERVISE: ("supervise_form", lambda item: SuperviseForm(formdata=None)),
    Action.REQUEST_HANDBACK: ("handback_form", lambda item: f.with_handback_choices(f.HandbackForm(formdata=None))),
    Action.DECIDE_HANDBACK: ("decide_handback_form",
                             lambda item: f.with_handback_choices(f.DecideHandbackForm(formdata=None))),
    Action.DECLARE_DATE: ("declared_form", lambda item: f.DeclaredDateForm(formdata=None)),
    Action.UNSUPERVISE: ("supervise_form", lambda item: SuperviseForm(formdata=None)),
    Action.ACCEPT_REPORT: ("verdict_form", lambda item: cf.VerdictForm(formdata=None)),
    Action.CLOSE_ITEM: ("close_item_form", lambda item: cf.with_merge_choices(
        cf.ClosureForm(formdata=None, prefix="close"), item)),
    Action.SET_CLOSURE: ("closure_form", lambda item: cf.with_merge_choices(cf.ClosureForm(
        formdata=None, prefix="closure", kind=item.closure_kind.value if item.closure_kind else None), item)),
    Action.REOPEN: ("reopen_form", lambda item: cf.ReopenForm(formdata=None)),
    Action.SCHEDULE_LOOKBACK: ("lookback_form", lambda item: cf.ScheduleLookbackForm(formdata=None)),
    Action.ANSWER_LOOKBACK: ("lookback_answer_form", lambda item: cf.LookbackAnswerForm(formdata=None)),
    Action.RECORD_LOOKBACK: ("finding_form", lambda item: cf.LookbackFindingForm(formdata=None)),
    Action.MANAGE_COMMITMENTS: ("commitment_form", commitment_form),
}


# Forms in a closed <details> that most views never open (``_forms.html`` ``on_demand``):
# built only for the page that asks for one by name (``?form=correct``, what htmx fetches
# when the details opens) or that re-renders a refused one. Building and rendering them
# for every view was a fifth of the staff's item page (unit choices, merge targets, …).
ON_DEMAND = frozenset({"extension_form", "correct_form", "withdraw_form", "close_item_form", "closure_form",
                       "reopen_form", "lookback_form", "notice_form", "supervise_form", "handback_form",
                       "commitment_form"})


def on_demand_key(name: str | None) -> str | None:
    """The form key a ``?form=`` value asks for, or None for anything else."""
    key = f"{name}_form"
    return key if key in ON_DEMAND else None


def default_forms(allowed: set[Action], item: Item, asked: str | None = None) -> dict:
    """The empty forms of the actions ``allowed``; of the on-demand ones only ``asked``."""
    return {key: build(item) for action, (key, build) in FORMS.items()
            if action in allowed and (key not in ON_DEMAND or key == asked)}


# The item page shows this many of the newest history rows; the rest come on demand
# (``items.timeline``). A 330-row history rendered in full cost the page most of its time.
TIMELINE_RECENT = 30


_RECENT_TIMELINE = (sa.select(AuditEntry).where(AuditEntry.item_id == sa.bindparam("item_id"))
                    .order_by(AuditEntry.id.desc()).limit(TIMELINE_RECENT + 1))


def recent_timeline(item_id: int) -> tuple[list[AuditEntry], bool]:
    """The newest ``TIMELINE_RECENT`` history rows, oldest first, and whether older ones exist
    (one row more is read to know, instead of a count)."""
    rows = db.session.scalars(_RECENT_TIMELINE, {"item_id": item_id}).all()
    return list(reversed(rows[:TIMELINE_RECENT])), len(rows) > TIMELINE_RECENT


def earlier_timeline(item_id: int, before_id: int | None) -> list[AuditEntry]:
    """Every history row older than ``before_id`` (all of them without it), oldest first."""
    stmt = sa.select(AuditEntry).where(AuditEntry.item_id == item_id)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    return list(db.session.scalars(stmt.order_by(AuditEntry.id)))


# Each round shows this many of its newest progress entries; the older ones come on demand
# (``items.progress_earlier``). The long item's ~150 entries of one round were most of its page.
PROGRESS_RECENT = 10


def _with_entry_parts(stmt):
    """An entry's unit, author, report and files, in the entries' own statement (a round's
    page holds at most ``PROGRESS_RECENT`` entries: joining their few files costs less
    than a second statement)."""
    return stmt.options(joinedload(ProgressEntry.unit), joinedload(ProgressEntry.author),
                        joinedload(ProgressEntry.attachments), joinedload(ProgressEntry.report))


def recent_progress(item_id: int) -> tuple[list[ProgressEntry], dict[int, int]]:
    """Per round, its newest ``PROGRESS_RECENT`` entries (in (round, id) order) and how many
    older entries each round holds back — one query: the window functions rank and count
    within the round, so nothing is read twice and no round is left out."""
    ranked = (sa.select(ProgressEntry.id,
                        sa.func.row_number().over(partition_by=ProgressEntry.round,
                                                  order_by=ProgressEntry.id.desc()).label("rank"),
                        sa.func.count().over(partition_by=ProgressEntry.round).label("total"))
              .where(ProgressEntry.item_id == item_id).subquery())
    rows = db.session.execute(_with_entry_parts(
        sa.select(ProgressEntry, ranked.c.total).join(ranked, ranked.c.id == ProgressEntry.id)
        .where(ranked.c.rank <= PROGRESS_RECENT).order_by(ProgressEntry.round, ProgressEntry.id))).unique().all()
    hidden: dict[int, int] = {}
    for entry, total in rows:
        hidden[entry.round] = total - PROGRESS_RECENT if total > PROGRESS_RECENT else 0
    return [entry for entry, _ in rows], hidden


def all_progress(item_id: int) -> list[ProgressEntry]:
    """Every progress entry of the item (the no-JavaScript way to the held-back ones)."""
    return list(db.session.scalars(_with_entry_parts(
        sa.select(ProgressEntry).where(ProgressEntry.item_id == item_id)
        .order_by(ProgressEntry.round, ProgressEntry.id))).unique())


def earlier_progress(item_id: int, round_number: int, before_id: int | None) -> list[ProgressEntry]:
    """The round's entries older than ``before_id`` (the whole round without it), oldest first."""
    stmt = sa.select(ProgressEntry).where(ProgressEntry.item_id == item_id, ProgressEntry.round == round_number)
    if before_id is not None:
        stmt = stmt.where(ProgressEntry.id < before_id)
    return list(db.session.scalars(_with_entry_parts(stmt.order_by(ProgressEntry.id))).unique())


def _returned_entry(item: Item, allowed: set[Action]) -> ProgressEntry | None:
    """The current round's newest returned report entry, whose reason stays on top of the
    page of whoever may report again until they do — read apart, since the page may not
    hold it; not read for anyone else (staff, reviewers), who are not shown it."""
    if item.stage is not Stage.RECTIFYING or Action.SUBMIT_REPORT not in allowed:
        return None
    return db.session.scalar(
        sa.select(ProgressEntry).where(ProgressEntry.item_id == item.id, ProgressEntry.round == item.round,
                                       ProgressEntry.review_status == ReviewStatus.RETURNED)
        .order_by(ProgressEntry.id.desc()).limit(1))


def timeline_rows(entries: list[AuditEntry], viewer) -> list[tuple[AuditEntry, str]]:
    """History rows with the name the viewer may see: only staff see who took part in a
    secret ballot; everyone else sees "测评人"."""
    return [(e, e.actor_name if e.action != AuditAction.EVALUATION_VOTE or viewer.is_staff else "测评人")
            for e in entries]


# What most items never have: one statement says which of these the item has, and only
# those are read (each read is a round trip, ~0.3 ms on PostgreSQL; seven for every view).
_RECORDS = {"notices": Notice, "handbacks": HandbackRequest, "declared": DeclaredDate, "commitments": Commitment,
            "verdicts": Verdict, "closures": Closure, "lookbacks": Lookback, "evaluations": Evaluation,
            "extensions": ExtensionRequest}
_PRESENT = sa.select(*(sa.exists().where(model.item_id == sa.bindparam("item_id")).label(name)
                       for name, model in _RECORDS.items()))


def records_present(item_id: int) -> dict[str, bool]:
    """Which of ``_RECORDS`` the item has at least one row of."""
    return {name: bool(value) for name, value in
            db.session.execute(_PRESENT, {"item_id": item_id}).one()._mapping.items()}


def followup_panel(item: Item, present: dict[str, bool]) -> dict:
    """The 督办 section: shown to staff and the item's units once it has a lead unit."""
    visible = item.lead_unit_id is not None and can_see_followup(current_user, item)
    calendar = get_calendar()
    return {
        "visible": visible,
        "notices": item_notices(item.id) if visible and present["notices"] else [],
        "deadline_estimated": bool(current_user.is_staff and item.deadline
                                   and not calendar.year_is_covered(item.deadline.year)),
    }


def _sitting_context(current_eval: Evaluation | None) -> dict:
    """The sitting the open round belongs to: its size decides whether the item page
    offers the one-item shortcuts or a link to the sitting's own pages."""
    if current_eval is None:
        return {"current_sitting": None, "sitting_size": 0, "rule_name": ""}
    sitting = db.session.get(Sitting, current_eval.sitting_id)
    size = db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)
                             .where(Evaluation.sitting_id == sitting.id))
    return {"current_sitting": sitting, "sitting_size": size, "rule_name": (sitting.rule or {}).get("name", "")}


def accountability_panel(item: Item, allowed: set[Action], today, present: dict[str, bool]) -> dict:
    """退办 requests, the 无进展 marker and the unit's declared date, for the item page."""
    unit_or_staff = can_see_followup(current_user, item)
    requests = item_handbacks(item.id) if unit_or_staff and item.assigned_at and present["handbacks"] else []
    declared = current_declarations([item]).get(item.id) if present["declared"] else None
    last_day = handback_last_day(item) if Action.REQUEST_HANDBACK in allowed else None
    return {
        "handbacks": requests,
        "pending_handback": next((r for r in requests if r.status.value == "pending"), None),
        "handback_open": last_day is not None and today <= last_day, "handback_last_day": last_day,
        "silent": silent_for(item, today), "silent_workdays": silent_workdays(),
        "declared": declared,
        "ask_declaration": Action.DECLARE_DATE in allowed and needs_declaration(item, declared, today),
    }


# What the unit holding the item must do: shown before the 问/答 cards, so on a phone the
# button is on the first screen.
UNIT_FIRST_ACTIONS = frozenset({Action.ACKNOWLEDGE, Action.POST_PROGRESS, Action.SUBMIT_REPORT})


def item_neighbours(item: Item) -> dict:
    """The way to the item's activity (staff: the activity page; a unit: its own items of
    the activity) and to the next item of the activity this user may see — one query."""
    from flask import url_for

    from ..visibility import visible_items
    nxt = db.session.execute(
        visible_items(current_user).where(Item.activity_id == item.activity_id, Item.seq > item.seq,
                                          Item.stage != Stage.WITHDRAWN)
        .with_only_columns(Item.id, Item.ref, Item.seq, maintain_column_froms=True)
        .order_by(Item.seq).limit(1)).first()
    if current_user.is_staff:
        activity_link = url_for("activities.detail", activity_id=item.activity_id)
    elif current_user.is_unit_user:
        activity_link = url_for("work.my_items", activity=item.activity_id)
    else:
        activity_link = None
    return {"activity_link": activity_link,
            "next_item": {"id": nxt.id, "number": nxt.ref or str(nxt.seq)} if nxt else None}


# Built once, the item as a parameter: building and keying a statement costs ~0.1 ms of
# Python each time, and the page reads a dozen (the panels' services do the same).
_EVALUATIONS = sa.select(Evaluation).where(Evaluation.item_id == sa.bindparam("item_id")).order_by(Evaluation.round)
_EXTENSIONS = (sa.select(ExtensionRequest).where(ExtensionRequest.item_id == sa.bindparam("item_id"))
               .options(joinedload(ExtensionRequest.requested_by)).order_by(ExtensionRequest.id))


def render_item(item: Item, status: int = 200, *, full_timeline: bool = False, full_progress: bool = False,
                form: str | None = None, **overrides):
    """The item page; ``overrides`` carry a submitted form with its errors and text, so
    a refused action re-renders with nothing the user typed lost. The history and each
    round's progress show their newest rows unless ``full_timeline`` / ``full_progress``
    (the no-JavaScript way to the rest). ``form`` names the one on-demand form to build
    (``ON_DEMAND``), shown open."""
    asked = on_demand_key(form)
    if full_progress:
        entries, hidden = all_progress(item.id), {}
    else:
        entries, hidden = recent_progress(item.id)
    present = records_present(item.id)  # each statement below is sent only for records the item has
    evaluations = db.session.scalars(_EVALUATIONS, {"item_id": item.id}).all() if present["evaluations"] else []
    extensions = db.session.scalars(_EXTENSIONS, {"item_id": item.id}).all() if present["extensions"] else []
    if full_timeline:
        timeline, timeline_more = earlier_timeline(item.id, None), False
    else:
        timeline, timeline_more = recent_timeline(item.id)
    rounds: dict[int, dict] = defaultdict(lambda: {"entries": [], "hidden": 0, "evaluation": None, "extensions": []})
    for entry in entries:
        rounds[entry.round]["entries"].append(entry)
    for number, count in hidden.items():
        rounds[number]["hidden"] = count
    for evaluation in evaluations:
        rounds[evaluation.round]["evaluation"] = evaluation
    for request in extensions:
        rounds[request.round]["extensions"].append(request)
    rounds.setdefault(item.round, {"entries": [], "hidden": 0, "evaluation": None, "extensions": []})
    current_eval = next((e for e in evaluations if e.round == item.round and e.is_open), None)
    pending_extension = next((r for r in extensions if r.status is ExtensionStatus.PENDING), None)
    allowed = {action for action in TRANSITIONS if can(current_user, item, action)}
    today = local_today()
    light = light_for(item, today)
    closed_evaluations = [e for e in evaluations if not e.is_open]
    # A returned report's reason stays on top of the unit's page until it reports again.
    returned = _returned_entry(item, allowed)
    context = {
        "returned": returned, "item": item, "activity": item.activity,
        "rounds": dict(sorted(rounds.items(), reverse=True)),
        "timeline": timeline_rows(timeline, current_user), "timeline_more": timeline_more,
        "current_eval": current_eval,
        "pending_extension": pending_extension, "allowed": allowed, "Action": Action,
        "has_actions": bool(allowed & ITEM_SECTION_ACTIONS),
        "actions_first": bool(allowed & UNIT_FIRST_ACTIONS), **item_neighbours(item),
        "light": light, "today": today, "followup": followup_panel(item, present),
        "letters": {"supervision": Action.ISSUE_LETTER in allowed and light.overdue,
                    "results": closed_evaluations if Action.ISSUE_LETTER in allowed else []},
        "voted": has_voted(current_eval, current_user) if current_eval and Action.VOTE in allowed else False,
        "participants": participant_count(current_eval) if current_eval else 0,
        **_sitting_context(current_eval),
        **accountability_panel(item, allowed, today, present),
        **commitment_panel(item, allowed, present["commitments"]),
    }
    verdicts, closures = item_history(item.id) if present["verdicts"] or present["closures"] else ({}, {})
    lookbacks = item_lookbacks(item.id) if item.lead_unit_id and present["lookbacks"] else []
    context |= {"verdicts": verdicts, "closures": closures, "lookbacks": lookbacks,
                "lookback_months": lookback_months()[item.activity.kind] if Action.SCHEDULE_LOOKBACK in allowed
                else None}
    # The decision forms show only beside a pending request: not built without one.
    waiting = {Action.DECIDE_EXTENSION: pending_extension, Action.DECIDE_HANDBACK: context["pending_handback"]}
    context.update(default_forms({a for a in allowed if waiting.get(a, True)}, item, asked))
    context.update(overrides)
    return render_template("items/detail.html", **context), status
