"""The archive's link on a school's page."""

from __future__ import annotations

import typing as t

from flask import render_template
from flask_login import current_user

from ..core import signals
from ..schools.models import School
from .collect import school_terms
from .services import can_view_archive


def _school_archive(_page: str, *, school: School, **_context: t.Any) -> str:
    if not can_view_archive(current_user, school):
        return ""
    return render_template("archive/_school_panel.html", school=school, terms=school_terms(school))


def connect_signals() -> None:
    """Connect the receivers (the app factory calls this once per app; connecting again is harmless)."""
    signals.page_panels.connect(_school_archive, sender="schools.show")
