"""Who may see a school and who may change the list of schools."""

from __future__ import annotations

import typing as t

from ..core.permissions import STAFF
from ..core.permissions import Viewer
from ..core.permissions import county_ok
from ..core.roles import Role

if t.TYPE_CHECKING:
    from .models import School


def can_view_school(user: Viewer, school: School) -> bool:
    if user.role in STAFF:
        return county_ok(user, school.county_id)
    if user.role == Role.SCHOOL:
        return user.school_id == school.id
    return False


def can_manage_schools(user: Viewer) -> bool:
    """Import and edit schools (and, by the same right, checklists): administrators and city supervisors."""
    return user.role == Role.ADMIN or (user.role == Role.SUPERVISOR and user.county_id is None)
