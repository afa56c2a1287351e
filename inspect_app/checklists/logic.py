"""A filled checklist's logic: which questions are shown, which are required, which answers break a constraint.

The server's twin of ``static/js/formlogic.js``; both walk the form by the same rules:

- Questions are taken in form order. A question's value is its saved answer, or its ``default``
  while it has never been answered (a saved blank stays blank), or ``""``.
- A question is shown when its section, its repeat and its own ``relevant`` say so. A hidden
  question counts as blank for the questions after it; a question that refers forward sees the
  later question's value as it stands.
- Inside a repeat, ``${name}`` of a question of the same repeat means the same entry's answer.
- A shown question is missing when it is required (``required`` yes, or its expression true) and
  has no answer: no photo for an image, no tick for an acknowledgement.
- A shown question breaks its constraint when it has an answer and the constraint is false.
- A ``calculate`` question's value is its expression, evaluated in form order (a calculation that
  refers to a later calculation sees that one's previous value in this walk: blank); a saved value is
  never trusted. A ``hidden`` or ``readonly`` question's value is its default.
- A select with a ``choice_filter`` offers the choices for which the filter holds (bare names are
  columns of the choice); a shown answer outside them is an error (``choice``).
- A shown repeat with a ``repeat_count`` that is a whole number needs that many entries (``count``).
- Labels and hints show ``${name}`` as the question's value (blank when hidden).
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import orm

from ..core.database import transaction_info
from . import evaluation
from . import expressions
from .models import ChecklistItem
from .models import ChecklistVersion
from .models import ItemType
from .values import ACKNOWLEDGED

Key = tuple[int, int | None]  # (item id, repeat entry id or None)

MISSING = "required"
CONSTRAINT = "constraint"
CHOICE = "choice"
COUNT = "count"


@dataclass
class QuestionState:
    item: ChecklistItem
    instance_id: int | None
    value: str
    relevant: bool
    required: bool = False
    error: str | None = None  # MISSING, CONSTRAINT, CHOICE or COUNT
    # The choices the choice_filter leaves (None: no filter); the entries a repeat_count asks for.
    choices: list[str] | None = None
    count: int | None = None


@dataclass
class FormState:
    states: dict[Key, QuestionState] = field(default_factory=dict)
    sections: dict[int, bool] = field(default_factory=dict)
    # The value ``${name}`` has: by (name, None) outside repeats, by (name, entry id) inside one.
    values: dict[tuple[str, int | None], str] = field(default_factory=dict)

    def pipe(self, text: str, instance_id: int | None = None) -> str:
        """A label or hint with each ``${name}`` replaced by the answer it names (the entry's own first)."""
        def lookup(name: str) -> str:
            if instance_id is not None and (name, instance_id) in self.values:
                return self.values[(name, instance_id)]
            return self.values.get((name, None), "")
        return expressions.pipe(text, lookup)

    def get(self, item: ChecklistItem, instance_id: int | None = None) -> QuestionState | None:
        return self.states.get((item.id, instance_id))

    def is_relevant(self, item: ChecklistItem, instance_id: int | None = None) -> bool:
        state = self.states.get((item.id, instance_id))
        return state is not None and state.relevant

    @property
    def errors(self) -> list[QuestionState]:
        return [s for s in self.states.values() if s.error]


@dataclass
class _Context:
    values: dict[str, str]
    today: str
    current: str = ""
    entry: dict[str, str] | None = None
    entry_names: frozenset[str] = frozenset()
    choice: dict[str, t.Any] | None = None

    def lookup(self, name: str) -> str:
        if self.entry is not None and name in self.entry_names:
            return self.entry.get(name, "")
        return self.values.get(name, "")

    def column(self, name: str) -> str:
        value = (self.choice or {}).get(name)
        return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Question:
    """One item of a version with what its logic needs, read once (plain attributes, no ORM access)."""

    item: ChecklistItem
    id: int
    name: str
    type: ItemType
    takes_answer: bool
    section_id: int | None
    required: bool
    default: str | None
    relevant: expressions.Node | None
    constraint: expressions.Node | None
    required_if: expressions.Node | None
    calculate: expressions.Node | None = None
    fixed: bool = False  # the value is the default: hidden or readonly
    choice_filter: expressions.Node | None = None
    choices: tuple[dict[str, t.Any], ...] = ()
    count: expressions.Node | None = None
    children: tuple[Question, ...] = ()


@dataclass(frozen=True)
class FormPlan:
    """A checklist version's questions in form order, ready to evaluate many visits."""

    top: tuple[Question, ...]
    sections: dict[int, expressions.Node | None]


def plan_form(version: ChecklistVersion) -> FormPlan:
    """Read a version's logic once; :func:`evaluate_form` takes the plan for as many visits as needed."""
    kids: dict[int, list[ChecklistItem]] = {}
    for item in version.items:
        if item.repeat_id is not None:
            kids.setdefault(item.repeat_id, []).append(item)

    def question(item: ChecklistItem) -> Question:
        logic = item.logic or {}
        return Question(
            item=item, id=item.id, name=item.name, type=item.type, takes_answer=item.type.takes_answer,
            section_id=item.section_id, required=item.required, default=item.default_value,
            relevant=logic.get("relevant"), constraint=logic.get("constraint"), required_if=logic.get("required"),
            calculate=logic.get("calculate"), fixed=item.type == ItemType.HIDDEN or bool(logic.get("readonly")),
            choice_filter=logic.get("choice_filter"),
            choices=tuple(item.choices or ()) if logic.get("choice_filter") else (), count=logic.get("count"),
            children=tuple(question(k) for k in kids.get(item.id, ())),
        )

    return FormPlan(
        top=tuple(question(i) for i in version.items if i.repeat_id is None),
        sections={s.id: (s.logic or {}).get("relevant") for s in version.sections},
    )


_PLANS = "checklist_form_plans"


def session_plan(version: ChecklistVersion) -> FormPlan:
    """:func:`plan_form` of a version, made once in a transaction when the version is no longer a draft
    (its items no longer change): evaluating one visit after another in a transaction reads it once."""
    session = orm.object_session(version)
    if session is None or version.is_draft:
        return plan_form(version)
    # The plans hold the items the transaction loaded: they go with it.
    plans: dict[int, FormPlan] = transaction_info(session).setdefault(_PLANS, {})
    if version.id not in plans:
        plans[version.id] = plan_form(version)
    return plans[version.id]


def _holds(tree: expressions.Node | None, ctx: _Context) -> bool:
    return True if tree is None else evaluation.is_true(tree, ctx)


# One pass in form order that must decide, per question, relevance, repeats, calculations, defaults, required
# and constraints together (each may depend on the ones before); formlogic.js runs the same pass in the browser.
def evaluate_form(  # noqa: C901
    version: ChecklistVersion | FormPlan,
    answers: t.Mapping[Key, str | None],
    *,
    today: str,
    entries: t.Mapping[int, t.Sequence[int]] | None = None,
    photos: t.Mapping[Key, int] | None = None,
) -> FormState:
    """Evaluate the form's logic over a visit's answers.

    :param version: the checklist version, or its :func:`plan_form` when evaluating many visits.
    :param answers: saved answers by (item id, entry id); a key present with ``None`` is a saved blank.
    :param entries: the entry ids of each repeat item, in order.
    :param photos: the number of photos by (item id, entry id).
    """
    plan = version if isinstance(version, FormPlan) else plan_form(version)
    entries = entries or {}
    photos = photos or {}
    state = FormState()

    def raw(question: Question, instance_id: int | None) -> str:
        key = (question.id, instance_id)
        if question.calculate is not None:
            return ""
        if question.fixed:
            return question.default or ""
        if key in answers:
            return answers[key] or ""
        return question.default or ""

    values = {q.name: raw(q, None) for q in plan.top if q.takes_answer}
    ctx = _Context(values=values, today=today)
    for question in plan.top:
        section_shown = True
        if question.section_id is not None:
            if question.section_id not in state.sections:
                state.sections[question.section_id] = _holds(plan.sections.get(question.section_id), ctx)
            section_shown = state.sections[question.section_id]
        shown = _question(state, question, None, raw(question, None), section_shown, ctx, photos)
        if question.takes_answer:
            values[question.name] = state.states[(question.id, None)].value if shown else ""
            state.values[(question.name, None)] = values[question.name]
        if question.children:
            names = frozenset(k.name for k in question.children)
            own = entries.get(question.id, ())
            repeat_state = state.states[(question.id, None)]
            if shown and question.count is not None:
                ctx.current = ""
                wanted = evaluation.to_number(evaluation.evaluate(question.count, ctx))
                if wanted == wanted and wanted >= 0 and wanted == int(wanted) and wanted < 10_000:
                    repeat_state.count = int(wanted)
                    if len(own) != repeat_state.count:
                        repeat_state.error = COUNT
            for instance_id in own:
                entry = {k.name: raw(k, instance_id) for k in question.children if k.takes_answer}
                entry_ctx = _Context(values=values, today=today, entry=entry, entry_names=names)
                for kid in question.children:
                    kid_shown = _question(state, kid, instance_id, raw(kid, instance_id), shown, entry_ctx, photos)
                    if kid.takes_answer:
                        entry[kid.name] = state.states[(kid.id, instance_id)].value if kid_shown else ""
                        state.values[(kid.name, instance_id)] = entry[kid.name]
    return state


def _question(state: FormState, question: Question, instance_id: int | None, value: str, parent_shown: bool,
              ctx: _Context, photos: t.Mapping[Key, int]) -> bool:
    ctx.current = value
    shown = parent_shown and _holds(question.relevant, ctx)
    if shown and question.calculate is not None:
        ctx.current = ""
        value = ctx.current = evaluation.to_string(evaluation.evaluate(question.calculate, ctx))
    result = QuestionState(item=question.item, instance_id=instance_id, value=value, relevant=shown)
    state.states[(question.id, instance_id)] = result
    if not shown or not question.takes_answer:
        return shown
    if question.choice_filter is not None:
        allowed = []
        for choice in question.choices:
            ctx.choice = choice
            if _holds(question.choice_filter, ctx):
                allowed.append(str(choice["name"]))
        ctx.choice = None
        result.choices = allowed
    result.required = question.required or (question.required_if is not None and _holds(question.required_if, ctx))
    if question.type == ItemType.IMAGE:
        empty = not photos.get((question.id, instance_id))
    elif question.type == ItemType.ACKNOWLEDGE:
        empty = value != ACKNOWLEDGED
    else:
        empty = value == ""
    if result.required and empty:
        result.error = MISSING
    elif not empty and result.choices is not None and any(v not in result.choices for v in value.split()):
        result.error = CHOICE
    elif not empty and question.constraint is not None and not _holds(question.constraint, ctx):
        result.error = CONSTRAINT
    return shown


def form_model(version: ChecklistVersion) -> dict[str, t.Any]:
    """The version's logic as the JSON ``formlogic.js`` evaluates (its ``form`` argument).

    The visit page reads the same model from its data attributes (its inputs show the defaults); a
    client that keeps checklists offline can store this instead, and answer ``value(item, entry)``
    with ``item.default`` for a question never answered.
    """
    return {
        "items": [
            {"id": i.id, "name": i.name, "type": i.type.value, "position": i.position, "repeat": i.repeat_id,
             "section": i.section_id, "required": i.required, "default": i.default_value, "logic": i.logic,
             **({"choices": i.choices} if (i.logic or {}).get("choice_filter") else {})}
            for i in version.items
        ],
        "sections": {str(s.id): s.logic for s in version.sections},
    }
