"""Who may see a finding."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from ..core import permissions as core
from ..core.permissions import MANAGERS
from ..core.permissions import STAFF
from ..core.permissions import Viewer
from ..core.permissions import county_ok
from ..core.roles import Role
from ..visits.permissions import assigned_visit_ids
from ..visits.permissions import is_assigned
from .models import Finding
from .models import FindingStatus


def can_view_finding(user: Viewer, finding: Finding) -> bool:
    """Staff of its county, the visit's inspectors, and the school's contact once it is confirmed."""
    if user.role in STAFF:
        return county_ok(user, finding.school.county_id)
    if user.role == Role.INSPECTOR:
        return is_assigned(user, finding.visit)
    if user.role == Role.SCHOOL:
        return finding.school_id == user.school_id and finding.status == FindingStatus.CONFIRMED
    return False


def finding_filter(viewer: Viewer, county_id_col: t.Any) -> sa.ColumnElement[bool]:
    """The SQL twin of :func:`can_view_finding`: a WHERE clause on ``Finding`` (``county_id_col`` the county of
    the finding's school, joined by the caller) keeping the findings ``viewer`` may see."""
    if viewer.role in STAFF:
        return core.school_filter(viewer, Finding.school_id, county_id_col)
    if viewer.role == Role.INSPECTOR:
        return Finding.visit_id.in_(assigned_visit_ids(viewer))
    if viewer.role == Role.SCHOOL:
        return sa.and_(core.school_filter(viewer, Finding.school_id, county_id_col),
                       Finding.status == FindingStatus.CONFIRMED)
    return sa.false()


def can_comment_on_finding(user: Viewer, finding: Finding) -> bool:
    """The conversation on a finding: the school's contacts, once it is confirmed, and the supervisors in scope."""
    if user.role in MANAGERS:
        return county_ok(user, finding.school.county_id)
    if user.role == Role.SCHOOL:
        return finding.school_id == user.school_id and finding.status == FindingStatus.CONFIRMED
    return False
