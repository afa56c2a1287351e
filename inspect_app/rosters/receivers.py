"""What the roster checks answer to the other floors (see core/signals.py): 资助精准率 and 漏助率, and the
people a survey round's telephone sample is drawn from."""

from __future__ import annotations

import typing as t

from flask import has_request_context
from flask import url_for

from ..core import signals
from . import interview_frame
from . import precision


def _counts(counts: precision.Counts | None) -> dict[str, t.Any] | None:
    if counts is None:
        return None
    return {"paid": counts.paid, "precise": counts.precise, "precision_rate": counts.precision_rate,
            "entitled": counts.entitled, "uncovered": counts.uncovered, "missed_rate": counts.missed_rate}


def _aid_precision(_sender: str, *, term: str | None, counties: frozenset[int] | None = None,
                   **_: t.Any) -> dict[str, t.Any] | None:
    """The figures of ``term``'s latest checks (the newest semester's without a term); None without any."""
    if term is None:
        terms = precision.semesters()
        semester = terms[0] if terms else None
    else:
        semester = precision.parse(term)
    if semester is None:
        return None
    figures = precision.compute(semester, counties=counties)
    if not figures.counties:
        return None
    return {
        "semester": semester.long_zh,
        "url": url_for("rosters.precision", semester=str(semester)) if has_request_context() else None,
        "counties": [{"county_id": area.county_id, "name": area.name, "counts": _counts(area.counts)}
                     for area in figures.counties],
        "total": _counts(figures.city.counts),
    }


def _interview_frames(_campaign: t.Any, *, viewer: t.Any, **_: t.Any) -> list[tuple[int, str]]:
    return interview_frame.usable_runs(viewer)


def _interview_frame(_campaign: t.Any, *, run_id: int, schools: dict[int, tuple[str, str]], viewer: t.Any,
                     **_: t.Any) -> dict[str, t.Any]:
    return interview_frame.frame(run_id, schools, viewer)


def connect_signals() -> None:
    signals.aid_precision.connect(_aid_precision)
    signals.interview_frames.connect(_interview_frames)
    signals.interview_frame.connect(_interview_frame)
