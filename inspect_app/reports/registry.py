"""Documents of a school that packages beside this one build for ``reports build``, registered by kind.

The reports package may not lean on its siblings on the outputs floor (the roster checks among them),
so a sibling that writes a school's document registers it here when the app is built (its
``connect_signals``), and ``reports build KIND --school CODE`` finds it by name: such kinds need no
``--campaign``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..schools.models import School


@dataclass(frozen=True)
class SchoolDocument:
    """A school's Word document built by another package: ``build(school)`` gives its bytes and a short label."""

    kind: str
    help: str
    build: Callable[[School], tuple[bytes, str]]


_DOCUMENTS: dict[str, SchoolDocument] = {}


def register(document: SchoolDocument) -> None:
    """Add (or replace) a kind; registering again is harmless."""
    _DOCUMENTS[document.kind] = document


def kinds() -> tuple[str, ...]:
    return tuple(_DOCUMENTS)


def get(kind: str) -> SchoolDocument | None:
    return _DOCUMENTS.get(kind)
