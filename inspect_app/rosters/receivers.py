"""The roster checks' panels on other floors' pages (see core/panels.py)."""

from __future__ import annotations

import typing as t

from flask import render_template

from ..auth.models import Role
from ..core import signals
from . import precision

if t.TYPE_CHECKING:
    from ..auth.models import User


def _dashboard_precision(_page: str, *, viewer: User, **_context: t.Any) -> str | None:
    """资助精准率 and 漏助率 by county, for the newest semester with a finished check; nothing before the first."""
    terms = precision.semesters()
    if not terms:
        return None
    county_id = None if viewer.role == Role.ADMIN else viewer.county_id
    figures = precision.compute(terms[0], county_id=county_id)
    if not figures.counties:
        return None
    return render_template("rosters/_precision_panel.html", figures=figures)


def connect_signals() -> None:
    signals.page_panels.connect(_dashboard_precision, sender="dashboard.index")
