"""Scoring a visit: item weights, section and total scores, and veto items (一票否决).

The rules (docs/checklists.md, "Scoring"):

- Only assessed items score: those with ``fail_values``. Each is worth its ``weight``; an item
  without one is worth an equal share of its section's weight, or 1 when the section has none.
- An item **passes** when its answer is not a fail value, and **fails** when it is, unless the
  supervisor dismissed the problem it raised: a dismissed problem counts as a pass.
- An item answered 不适用 (a choice named ``na``), and an item the form's logic hides, does not
  count at all: its weight leaves the section's reckoning.
- An item not yet answered counts as not earned (so a partly filled visit shows what it has
  earned so far, and ``complete`` is false).
- A section's score is its weight × (weight of passing items ÷ weight of counting items). A
  section where nothing counts is left out, and the total is scaled back to the form's full marks:
  total = Σ section scores × full marks ÷ Σ weights of the sections that count.
- A failing veto item fails the whole visit (``vetoed``), whatever the score. Veto items inside a
  repeat veto the visit too (repeats carry no weights).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from decimal import ROUND_HALF_UP
from decimal import Decimal

from flask_babel import gettext as _

from ..checklists.logic import FormState
from ..checklists.models import ChecklistItem
from ..checklists.models import ChecklistVersion
from ..checklists.models import ItemType

NOT_APPLICABLE = frozenset({"na", "not_applicable"})
PASS, FAIL, NA, UNANSWERED, HIDDEN = "pass", "fail", "na", "unanswered", "hidden"
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


@dataclass
class ItemScore:
    item: ChecklistItem
    weight: Decimal
    outcome: str  # PASS, FAIL, NA, UNANSWERED or HIDDEN

    @property
    def counts(self) -> bool:
        return self.outcome in (PASS, FAIL, UNANSWERED)


@dataclass
class SectionScore:
    name: str | None
    label: str
    weight: Decimal
    items: list[ItemScore] = field(default_factory=list)

    @property
    def earned(self) -> Decimal:
        return sum((i.weight for i in self.items if i.outcome == PASS), Decimal(0))

    @property
    def applicable(self) -> Decimal:
        return sum((i.weight for i in self.items if i.counts), Decimal(0))

    @property
    def score(self) -> Decimal | None:
        """The section's points, or None when none of its items count."""
        if not self.applicable:
            return None
        return (self.weight * self.earned / self.applicable).quantize(CENT, ROUND_HALF_UP)

    def count(self, outcome: str) -> int:
        return sum(1 for i in self.items if i.outcome == outcome)


@dataclass
class VisitScore:
    """A visit's score; ``score`` is on the form's own scale (``full_marks``, 100 for the shipped form)."""

    sections: list[SectionScore]
    full_marks: Decimal
    score: Decimal | None
    vetoed: bool
    veto_items: list[ChecklistItem]
    failed: int
    unanswered: int

    @property
    def percent(self) -> Decimal | None:
        if self.score is None or not self.full_marks:
            return None
        return (self.score * 100 / self.full_marks).quantize(TENTH, ROUND_HALF_UP)

    @property
    def answered(self) -> int:
        """How many assessed items have an answer (a score before any is meaningless)."""
        return sum(1 for s in self.sections for i in s.items if i.outcome in (PASS, FAIL, NA))

    @property
    def complete(self) -> bool:
        return self.unanswered == 0

    @property
    def scored(self) -> bool:
        """Whether the checklist has any assessed item to score."""
        return any(s.items for s in self.sections)


@dataclass(frozen=True, slots=True)
class _Scored:
    """An assessed item as scoring needs it, read once per version."""

    item: ChecklistItem
    id: int
    fail: frozenset[str]
    multiple: bool
    weight: Decimal
    repeat_id: int | None = None


@dataclass(frozen=True)
class ScorePlan:
    """A version's sections, item weights and veto items, ready to score many visits."""

    sections: tuple[tuple[str | None, str, Decimal, tuple[_Scored, ...]], ...]
    vetoes: tuple[_Scored, ...]


def _scored(item: ChecklistItem, weight: Decimal) -> _Scored:
    return _Scored(item=item, id=item.id, fail=frozenset(item.fail_values),
                   multiple=item.type == ItemType.SELECT_MULTIPLE, weight=weight, repeat_id=item.repeat_id)


def plan_score(version: ChecklistVersion) -> ScorePlan:
    """Read a version's weights and veto items once; :func:`score_visit` takes the plan for many visits."""
    assessed = [i for i in version.items if i.fail_values and i.repeat_id is None]
    groups: list[tuple[str | None, str, Decimal | None, list[ChecklistItem]]] = []
    loose = [i for i in assessed if i.section_id is None]
    if loose:
        groups.append((None, _("Other items"), None, loose))
    for section in version.sections:
        members = [i for i in assessed if i.section_id == section.id]
        if members:
            groups.append((section.name, section.display_label, section.weight, members))
    sections = []
    for name, label, section_weight, members in groups:
        weights = [item.weight if item.weight is not None
                   else section_weight / len(members) if section_weight is not None else Decimal(1)
                   for item in members]
        total = section_weight if section_weight is not None else sum(weights, Decimal(0))
        sections.append((name, label, total, tuple(_scored(i, w) for i, w in zip(members, weights, strict=True))))
    vetoes = tuple(_scored(i, Decimal(0)) for i in version.items if i.veto)
    return ScorePlan(sections=tuple(sections), vetoes=vetoes)


def _outcome(scored: _Scored, state: FormState, dismissed: set[tuple[int, int | None]],
             instance_id: int | None = None) -> str:
    question = state.states.get((scored.id, instance_id))
    if question is None or not question.relevant:
        return HIDDEN
    value = question.value
    if not value:
        return UNANSWERED
    picked = set(value.split()) if scored.multiple else {value}
    if picked & scored.fail:
        return PASS if (scored.id, instance_id) in dismissed else FAIL
    if picked <= NOT_APPLICABLE:
        return NA
    return PASS


def score_visit(version: ChecklistVersion | ScorePlan, state: FormState, *,
                dismissed: set[tuple[int, int | None]], entries: dict[int, list[int]] | None = None) -> VisitScore:
    """Score a visit from its form state; ``dismissed`` holds the (item, entry) keys of dismissed problems.

    :param version: the checklist version, or its :func:`plan_score` when scoring many visits.
    """
    plan = version if isinstance(version, ScorePlan) else plan_score(version)
    entries = entries or {}
    sections = [
        SectionScore(name, label, weight, [ItemScore(s.item, s.weight, _outcome(s, state, dismissed)) for s in items])
        for name, label, weight, items in plan.sections
    ]
    veto_items = [
        v.item for v in plan.vetoes
        if any(_outcome(v, state, dismissed, key) == FAIL
               for key in (entries.get(v.repeat_id, []) if v.repeat_id is not None else [None]))
    ]
    full_marks = sum((s.weight for s in sections), Decimal(0))
    counting = [s for s in sections if s.score is not None]
    total = None
    if counting:
        counted_weight = sum((s.weight for s in counting), Decimal(0))
        raw = sum((s.score for s in counting if s.score is not None), Decimal(0))
        total = (raw * full_marks / counted_weight).quantize(CENT, ROUND_HALF_UP) if counted_weight else None
    items = [i for s in sections for i in s.items]
    return VisitScore(
        sections=sections,
        full_marks=full_marks,
        score=total,
        vetoed=bool(veto_items),
        veto_items=veto_items,
        failed=sum(1 for i in items if i.outcome == FAIL),
        unanswered=sum(1 for i in items if i.outcome == UNANSWERED),
    )
