"""Visit figures: scores and progress, for one visit or many in a fixed number of queries.

The campaign pages show them without importing visits: they ask by signal (core.signals).
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from sqlalchemy import orm

from ..campaigns.models import Campaign
from ..campaigns.models import Visit
from ..checklists.logic import FormPlan
from ..checklists.logic import FormState
from ..checklists.logic import evaluate_form
from ..checklists.logic import plan_form
from ..checklists.models import ChecklistVersion
from ..core import signals
from ..core.signals import values_from
from ..db import local_today
from ..extensions import db
from . import attachments
from .models import Answer
from .models import RepeatInstance
from .progress import Progress
from .progress import progress
from .scoring import ScorePlan
from .scoring import VisitScore
from .scoring import plan_score
from .scoring import score_visit
from .services import Key
from .services import form_state
from .services import visit_answers
from .services import visit_entries


def visit_score(visit: Visit, *, answers: dict[Key, Answer] | None = None,
                entries: dict[int, list[RepeatInstance]] | None = None, state: FormState | None = None) -> VisitScore:
    """The visit's score: item weights, section and total scores, and veto items (see visits/scoring.py).

    Reports call it with the visit alone; a page that has the answers and the form state passes them.
    """
    answers = visit_answers(visit) if answers is None else answers
    entries = visit_entries(visit) if entries is None else entries
    state = form_state(visit, answers, entries) if state is None else state
    return score_visit(visit.checklist_version, state, dismissed=waived_items([visit.id])[visit.id],
                       entries={k: [e.id for e in v] for k, v in entries.items()})


def waived_items(visit_ids: t.Sequence[int]) -> dict[int, set[Key]]:
    """Failing answers of each visit that do not cost points (judged not a problem on review)."""
    waived: dict[int, set[Key]] = {i: set() for i in visit_ids}
    if not visit_ids:
        return waived
    for found in values_from(signals.visit_waived_items.send(None, visit_ids=list(visit_ids))):
        for visit_id, keys in found.items():
            waived[visit_id] |= keys
    return waived


def campaign_scores(campaign_id: int) -> dict[int, VisitScore]:
    """The score of every visit of a campaign, by visit id, in a fixed number of queries."""
    visits = db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign_id)).all()
    return visit_scores(visits)


def visit_scores(visits: t.Sequence[Visit]) -> dict[int, VisitScore]:
    """The scores of many visits (a list page, a report), by visit id, in a fixed number of queries."""
    ids = [v.id for v in visits]
    if not ids:
        return {}
    _load_versions(visits)
    answers, entries = _answers_and_entries(ids)
    dismissed = waived_items(ids)
    today = local_today().isoformat()
    plans: dict[int, tuple[FormPlan, ScorePlan]] = {}
    scores = {}
    for visit in visits:
        if visit.checklist_version_id not in plans:
            version = visit.checklist_version
            plans[visit.checklist_version_id] = (plan_form(version), plan_score(version))
        form_plan, score_plan = plans[visit.checklist_version_id]
        state = evaluate_form(form_plan, answers[visit.id], today=today, entries=entries[visit.id])
        scores[visit.id] = score_visit(score_plan, state, dismissed=dismissed[visit.id], entries=entries[visit.id])
    return scores


def visit_progress(visits: t.Sequence[Visit]) -> dict[int, Progress]:
    """How far each visit is filled in (as :func:`form_state` counts it, photos included), in a fixed number
    of queries: the inspector's list of visits."""
    ids = [v.id for v in visits]
    if not ids:
        return {}
    _load_versions(visits)
    answers, entries = _answers_and_entries(ids)
    photos = attachments.photo_counts_of(ids)
    today = local_today().isoformat()
    plans: dict[int, FormPlan] = {}
    result = {}
    for visit in visits:
        if visit.checklist_version_id not in plans:
            plans[visit.checklist_version_id] = plan_form(visit.checklist_version)
        state = evaluate_form(plans[visit.checklist_version_id], answers[visit.id], today=today,
                              entries=entries[visit.id], photos=photos[visit.id])
        result[visit.id] = progress(state)
    return result


def _load_versions(visits: t.Sequence[Visit]) -> None:
    """Load the visits' checklist versions with their items and sections, in two queries."""
    db.session.scalars(
        sa.select(ChecklistVersion).where(ChecklistVersion.id.in_({v.checklist_version_id for v in visits}))
        .options(orm.selectinload(ChecklistVersion.items), orm.selectinload(ChecklistVersion.sections))
    ).all()


def _answers_and_entries(ids: list[int]) -> tuple[dict[int, dict[Key, str | None]], dict[int, dict[int, list[int]]]]:
    """The saved answers and the current entry ids of many visits, by visit id, in two queries."""
    answers: dict[int, dict[Key, str | None]] = {i: {} for i in ids}
    for visit_id, item_id, instance_id, value in db.session.execute(
            sa.select(Answer.visit_id, Answer.item_id, Answer.instance_id, Answer.value)
            .where(Answer.visit_id.in_(ids))):
        answers[visit_id][(item_id, instance_id)] = value
    entries: dict[int, dict[int, list[int]]] = {i: {} for i in ids}
    for visit_id, item_id, entry_id in db.session.execute(
            sa.select(RepeatInstance.visit_id, RepeatInstance.item_id, RepeatInstance.id)
            .where(RepeatInstance.visit_id.in_(ids), RepeatInstance.removed_at.is_(None))
            .order_by(RepeatInstance.position, RepeatInstance.id)):
        entries[visit_id].setdefault(item_id, []).append(entry_id)
    return answers, entries


def _visit_figures(_campaign: Campaign, *, visits: t.Sequence[Visit]) -> tuple[str, dict[int, VisitScore]]:
    return "scores", visit_scores(visits)


def connect_signals() -> None:
    """Give the campaign's visit list each visit's score."""
    signals.visit_figures.connect(_visit_figures)
