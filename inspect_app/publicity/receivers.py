"""The 公示 records on a visit's page (checklist item C6) and a school's page, and the `publicity` document kind."""

from __future__ import annotations

import typing as t

from flask import render_template
from flask_login import current_user

from ..core import signals
from ..reports import registry
from ..schools.models import School
from . import documents
from . import services

if t.TYPE_CHECKING:
    from ..visits.models import Visit


def _visit_publicity(_page: str, *, visit: Visit, **_context: t.Any) -> str:
    """Whoever may open the visit sees the school's 公示 records (inspectors read-only, without the pages)."""
    return render_template("publicity/_visit_panel.html", notices=services.school_notices(visit.school),
                           with_links=services.can_view_publicity(current_user, visit.school))


def _school_publicity(_page: str, *, school: School, **_context: t.Any) -> str:
    if not services.can_view_publicity(current_user, school):
        return ""
    return render_template("publicity/_school_panel.html", school=school, notices=services.school_notices(school))


def build_latest_notice(school: School) -> tuple[bytes, str]:
    """The school's latest 公示 as Word, for `reports build publicity --school CODE`."""
    notice = services.latest_notice(school)
    label = f"{notice.term.long_zh}, {notice.row_count} listed, {notice.starts_on}–{notice.ends_on}"
    return documents.render_notice(notice), label


def _objection_names(_sender: str, *, ids: list[int], **_: t.Any) -> dict[int, str]:
    return services.objection_names(ids)


def _notice_names(_sender: str, *, ids: list[int], **_: t.Any) -> dict[int, str]:
    return services.notice_names(ids)


def connect_signals() -> None:
    """Connect the receivers (the app factory calls this once per app; connecting again is harmless)."""
    signals.page_panels.connect(_visit_publicity, sender="visits.show")
    signals.page_panels.connect(_school_publicity, sender="schools.show")
    signals.audit_object_names.connect(_notice_names, sender="public_notices")
    signals.audit_object_names.connect(_objection_names, sender="publicity_objections")
    registry.register(registry.SchoolDocument(
        "publicity", "a school's latest 公示 notice", build_latest_notice))
