"""Who may work on a rectification and who verifies it."""

from __future__ import annotations

from ..core.permissions import MANAGERS
from ..core.permissions import Viewer
from ..core.permissions import county_ok
from ..core.roles import Role
from .models import Rectification


def can_work_on_rectification(user: Viewer, rect: Rectification) -> bool:
    """The school's contact records measures, uploads evidence and submits."""
    return user.role == Role.SCHOOL and rect.finding.school_id == user.school_id


def can_verify_rectification(user: Viewer, rect: Rectification) -> bool:
    return user.role in MANAGERS and county_ok(user, rect.finding.school.county_id)
