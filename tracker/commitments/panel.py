"""What the item page's 承诺 panel shows: each commitment with its light, its date (or
"待确认"), its evidence, and the forms the viewer may use — two queries whatever the count."""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..lights import commitment_light, commitment_shown_status
from ..models import Item, ProgressEntry, local_today
from ..services.commitments import item_commitments
from ..workflow import Action
from .forms import CommitmentForm, CommitmentStatusForm, ConfirmDueForm, EvidenceForm, ReviewAskForm


def owner_choices(item: Item) -> list[tuple[int, str]]:
    units = ([item.lead_unit] if item.lead_unit else []) + list(item.co_units)
    return [(0, "（牵头单位）")] + [(u.id, u.name) for u in units]


def commitment_panel(item: Item, allowed: set[Action], any_commitments: bool = True) -> dict:
    """``any_commitments``: False when the caller knows the item has none (nothing is read).
    The 记录承诺 form is one of the item page's on-demand forms (``items.detail.FORMS``)."""
    commitments = item_commitments(item.id) if any_commitments else []
    evidence: dict[int, list[ProgressEntry]] = defaultdict(list)
    if commitments:
        for entry in db.session.scalars(
                sa.select(ProgressEntry).where(ProgressEntry.item_id == item.id,
                                               ProgressEntry.commitment_id.is_not(None))
                .options(joinedload(ProgressEntry.unit), selectinload(ProgressEntry.attachments))
                .order_by(ProgressEntry.id)):
            evidence[entry.commitment_id].append(entry)
    today = local_today()
    rows = [{"c": c, "light": commitment_light(c.status, c.due_on, today),
             "shown": commitment_shown_status(c.status, c.due_on, today), "evidence": evidence[c.id]}
            for c in commitments]
    manage = Action.MANAGE_COMMITMENTS in allowed
    context = {"commitments": rows, "can_manage_commitments": manage,
               "can_post_commitment_evidence": Action.POST_COMMITMENT_EVIDENCE in allowed}
    if manage:
        context |= {"confirm_due_form": ConfirmDueForm(formdata=None),
                    "commitment_status_form": CommitmentStatusForm(formdata=None)}
    if context["can_post_commitment_evidence"]:
        context["evidence_form"] = EvidenceForm(formdata=None)
    return context


def commitment_form(item: Item) -> CommitmentForm:
    """The empty 记录承诺 form, its owners the item's units."""
    form = CommitmentForm(formdata=None)
    form.unit_id.choices = owner_choices(item)
    return form


def review_ask_form(items: list[Item], submitted: bool = False) -> ReviewAskForm:
    """The report page's form that turns a 审查意见 ask into a commitment on one of its items."""
    form = ReviewAskForm() if submitted else ReviewAskForm(formdata=None)
    form.item_id.choices = [(0, "请选择")] + [(i.id, i.heading) for i in items]
    return form
