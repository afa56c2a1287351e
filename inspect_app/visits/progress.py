"""How far a visit's checklist is filled in: one definition for the task list and the visit page.

A question is to be answered when the form's logic shows it and requires an answer (``required``, or
its required-when expression holds); it is answered when the logic no longer finds it missing (a
photo question counts its photos). Notes, hidden questions and optional ones are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..checklists.logic import MISSING
from ..checklists.logic import FormState


@dataclass(frozen=True, slots=True)
class Progress:
    answered: int
    to_answer: int

    @property
    def remaining(self) -> int:
        return self.to_answer - self.answered


def progress(state: FormState) -> Progress:
    """The questions shown and requiring an answer under the form's logic, and how many have one."""
    asked = [s for s in state.states.values() if s.relevant and s.required]
    return Progress(answered=sum(1 for s in asked if s.error != MISSING), to_answer=len(asked))
