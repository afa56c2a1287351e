"""The one "send back with a reason" move: a visit returned to its inspectors, a finding dismissed."""

from __future__ import annotations

import typing as t
from enum import Enum

from ..db import utcnow
from ..errors import InvalidTransition
from ..errors import ValidationFailed


def move_with_reason(obj: t.Any, *, source: Enum, target: Enum, reason: str, reason_field: str,
                     decided_fields: tuple[str, str], actor_id: int, wrong_state: str, no_reason: str) -> str:
    """Move ``obj.status`` from ``source`` to ``target``, keeping the reason and who decided when.

    Refused with ``wrong_state`` unless the status is ``source``, and with ``no_reason`` when the
    reason is blank. ``decided_fields`` name the time and the user columns. Returns the reason as kept.
    """
    if obj.status != source:
        raise InvalidTransition(wrong_state)
    text = reason.strip()
    if not text:
        raise ValidationFailed(no_reason)
    obj.status = target
    setattr(obj, reason_field, text)
    setattr(obj, decided_fields[0], utcnow())
    setattr(obj, decided_fields[1], actor_id)
    return text
