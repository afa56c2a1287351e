"""Operations of a batch that a higher floor handles, registered at app creation: sync never imports them.

Sync stands below the packages that may want the tablet's outbox (the surveys' face-to-face answers,
``survey_response``). Such a package registers an :class:`OpKind` under its operation's type in its
``connect_signals()``; a batch then applies those operations in order with the others, each once
under its ``op_id`` and in a savepoint of its own, and calls ``finish`` once at the end of the batch
with what the applied ones recorded, for the batch's one audit entry.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..visits.models import Visit


@dataclass(frozen=True)
class OpContext:
    """What an operation is applied with: the batch's visit and sender, its own id and the tablet's time."""

    visit: Visit
    actor: User
    op_id: str
    client_ts: datetime | None


@dataclass(frozen=True)
class OpKind:
    """An operation type handled above sync.

    ``fields``: the fields of the operation that make it what it is (with its type), compared when the
    same ``op_id`` comes again. ``apply`` stores it and returns what it recorded (kept as the operation's
    value), or raises a ``ServiceError`` naming the field at fault (the operation is refused).
    ``finish`` is called once per batch with the values of the operations applied.
    """

    fields: tuple[str, ...]
    apply: Callable[[OpContext, dict[str, t.Any]], dict[str, t.Any]]
    finish: Callable[[Visit, User, list[dict[str, t.Any]]], None]


_KINDS: dict[str, OpKind] = {}


def register(name: str, kind: OpKind) -> None:
    """Handle operations of type ``name`` with ``kind`` (registering again replaces it)."""
    _KINDS[name] = kind


def get(name: t.Any) -> OpKind | None:
    return _KINDS.get(name) if isinstance(name, str) else None
