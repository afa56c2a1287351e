"""Who may see and remove a stored file: the package that owns it says, registered from above.

An attachment's owner is named by one of its columns: ``finding_id`` (a finding's own file),
else ``visit_id`` (a photo or signature), else ``rectification_id`` (evidence). The owning
packages register their rules here when the app starts, so the file store never imports them.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from .models import Attachment

if t.TYPE_CHECKING:
    from ..auth.models import User

OWNER_COLUMNS = ("finding_id", "visit_id", "rectification_id")


@dataclass(frozen=True)
class Remover:
    """How the owner lets a file be removed: who may, the removal itself, and where to go back to."""

    may_remove: t.Callable[[User, Attachment], bool]
    remove: t.Callable[[Attachment, User], None]
    back_to: t.Callable[[Attachment], str]


_viewers: dict[str, list[t.Callable[[User, Attachment], bool]]] = {}
_removers: dict[str, Remover] = {}
_stampers: dict[str, t.Callable[[Attachment], list[str] | None]] = {}


def owner_column(attachment: Attachment) -> str | None:
    return next((c for c in OWNER_COLUMNS if getattr(attachment, c) is not None), None)


def add_viewer(column: str, may_view: t.Callable[[User, Attachment], bool]) -> None:
    """Let ``may_view`` grant the files owned through ``column`` (any one rule that says yes suffices)."""
    rules = _viewers.setdefault(column, [])
    if may_view not in rules:
        rules.append(may_view)


def set_remover(column: str, remover: Remover) -> None:
    _removers[column] = remover


def set_stamper(column: str, lines: t.Callable[[Attachment], list[str] | None]) -> None:
    """Have the photos owned through ``column`` stamped, once processed, with the ``lines(attachment)`` (None: not)."""
    _stampers[column] = lines


def stamp_lines(attachment: Attachment) -> list[str] | None:
    """The lines the owner wants written on a stamped copy of the photo; None for no stamped copy."""
    column = owner_column(attachment)
    stamper = _stampers.get(column) if column is not None else None
    return stamper(attachment) if stamper is not None else None


def may_view(user: User, attachment: Attachment) -> bool:
    column = owner_column(attachment)
    return column is not None and any(rule(user, attachment) for rule in _viewers.get(column, ()))


def remover(attachment: Attachment) -> Remover | None:
    column = owner_column(attachment)
    return _removers.get(column) if column is not None else None
