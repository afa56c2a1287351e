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
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field

from . import expressions
from .models import ChecklistItem
from .models import ChecklistVersion
from .models import ItemType
from .values import ACKNOWLEDGED

Key = tuple[int, int | None]  # (item id, repeat entry id or None)

MISSING = "required"
CONSTRAINT = "constraint"


@dataclass
class QuestionState:
    item: ChecklistItem
    instance_id: int | None
    value: str
    relevant: bool
    required: bool = False
    error: str | None = None  # MISSING or CONSTRAINT


@dataclass
class FormState:
    states: dict[Key, QuestionState] = field(default_factory=dict)
    sections: dict[int, bool] = field(default_factory=dict)

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

    def lookup(self, name: str) -> str:
        if self.entry is not None and name in self.entry_names:
            return self.entry.get(name, "")
        return self.values.get(name, "")


def _holds(tree: expressions.Node | None, ctx: _Context) -> bool:
    return True if tree is None else expressions.is_true(tree, ctx)


def evaluate_form(
    version: ChecklistVersion,
    answers: t.Mapping[Key, str | None],
    *,
    today: str,
    entries: t.Mapping[int, t.Sequence[int]] | None = None,
    photos: t.Mapping[Key, int] | None = None,
) -> FormState:
    """Evaluate the form's logic over a visit's answers.

    :param answers: saved answers by (item id, entry id); a key present with ``None`` is a saved blank.
    :param entries: the entry ids of each repeat item, in order.
    :param photos: the number of photos by (item id, entry id).
    """
    entries = entries or {}
    photos = photos or {}
    state = FormState()
    top = [i for i in version.items if i.repeat_id is None]
    children: dict[int, list[ChecklistItem]] = {}
    for item in version.items:
        if item.repeat_id is not None:
            children.setdefault(item.repeat_id, []).append(item)

    def raw(item: ChecklistItem, instance_id: int | None) -> str:
        key = (item.id, instance_id)
        if key in answers:
            return answers[key] or ""
        return item.default_value or ""

    values = {i.name: raw(i, None) for i in top if i.type.takes_answer}
    ctx = _Context(values=values, today=today)
    sections = {s.id: s for s in version.sections}
    for item in top:
        section_shown = True
        if item.section_id is not None:
            if item.section_id not in state.sections:
                section = sections[item.section_id]
                state.sections[item.section_id] = _holds((section.logic or {}).get("relevant"), ctx)
            section_shown = state.sections[item.section_id]
        shown = _question(state, item, None, raw(item, None), section_shown, ctx, photos)
        if item.type.takes_answer:
            values[item.name] = state.states[(item.id, None)].value if shown else ""
        if item.type == ItemType.REPEAT:
            kids = children.get(item.id, [])
            names = frozenset(k.name for k in kids)
            for instance_id in entries.get(item.id, ()):
                entry = {k.name: raw(k, instance_id) for k in kids if k.type.takes_answer}
                entry_ctx = _Context(values=values, today=today, entry=entry, entry_names=names)
                for kid in kids:
                    kid_shown = _question(state, kid, instance_id, raw(kid, instance_id), shown, entry_ctx, photos)
                    if kid.type.takes_answer and not kid_shown:
                        entry[kid.name] = ""
    return state


def _question(state: FormState, item: ChecklistItem, instance_id: int | None, value: str, parent_shown: bool,
              ctx: _Context, photos: t.Mapping[Key, int]) -> bool:
    logic = item.logic or {}
    ctx.current = value
    shown = parent_shown and _holds(logic.get("relevant"), ctx)
    question = QuestionState(item=item, instance_id=instance_id, value=value, relevant=shown)
    state.states[(item.id, instance_id)] = question
    if not shown or not item.type.takes_answer:
        return shown
    question.required = item.required or ("required" in logic and _holds(logic["required"], ctx))
    if item.type == ItemType.IMAGE:
        empty = not photos.get((item.id, instance_id))
    elif item.type == ItemType.ACKNOWLEDGE:
        empty = value != ACKNOWLEDGED
    else:
        empty = value == ""
    if question.required and empty:
        question.error = MISSING
    elif not empty and "constraint" in logic and not _holds(logic["constraint"], ctx):
        question.error = CONSTRAINT
    return shown
