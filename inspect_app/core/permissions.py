"""Who may see and do what: roles for routes, scope for objects.

A route a role can never use answers 403. An object outside the user's scope
answers 404, so that its existence is not revealed.
"""

from __future__ import annotations

import functools
import typing as t

import sqlalchemy as sa
from flask import abort
from flask_login import current_user
from flask_login import login_required

from ..auth.models import Role
from ..auth.models import User

if t.TYPE_CHECKING:
    from ..campaigns.models import Campaign
    from ..findings.models import Finding
    from ..rectification.models import Rectification
    from ..schools.models import School
    from ..visits.models import Visit

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

STAFF = (Role.ADMIN, Role.SUPERVISOR, Role.VIEWER)
MANAGERS = (Role.ADMIN, Role.SUPERVISOR)


def roles_required(*roles: Role) -> t.Callable[[F], F]:
    """Require a logged-in user holding one of ``roles``; others get 403."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: t.Any, **kwargs: t.Any) -> t.Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return t.cast(F, login_required(wrapped))

    return decorator


def ensure(condition: bool) -> None:
    """Answer 404 unless ``condition`` holds (object outside the user's scope)."""
    if not condition:
        abort(404)


def _county_ok(user: User, county_id: int | None) -> bool:
    return user.county_id is None or user.county_id == county_id


def assigned_school_ids(user: User) -> sa.Select[int]:
    from ..visits.models import Visit
    from ..visits.models import VisitInspector

    return (
        sa.select(Visit.school_id)
        .join(VisitInspector, VisitInspector.visit_id == Visit.id)
        .where(VisitInspector.user_id == user.id)
    )


def school_filter(user: User, school_id_col: t.Any, county_id_col: t.Any) -> sa.ColumnElement[bool]:
    """A WHERE clause restricting rows to the schools ``user`` may see."""
    if user.role == Role.ADMIN:
        return sa.true()
    if user.role in (Role.SUPERVISOR, Role.VIEWER):
        return sa.true() if user.county_id is None else county_id_col == user.county_id
    if user.role == Role.SCHOOL:
        return school_id_col == user.school_id if user.school_id is not None else sa.false()
    if user.role == Role.INSPECTOR:
        return school_id_col.in_(assigned_school_ids(user))
    return sa.false()


def can_view_school(user: User, school: School) -> bool:
    if user.role in STAFF:
        return user.role == Role.ADMIN or _county_ok(user, school.county_id)
    if user.role == Role.SCHOOL:
        return user.school_id == school.id
    return False


def can_manage_schools(user: User) -> bool:
    return user.role == Role.ADMIN or (user.role == Role.SUPERVISOR and user.county_id is None)


def campaign_filter(user: User) -> sa.ColumnElement[bool]:
    """Campaigns a staff user may see: city-wide staff all; county staff theirs and those touching their county."""
    from ..campaigns.models import Campaign
    from ..schools.models import School
    from ..visits.models import Visit

    if user.role == Role.ADMIN or (user.role in STAFF and user.county_id is None):
        return sa.true()
    if user.role in STAFF:
        touching = (
            sa.select(Visit.campaign_id)
            .join(School, School.id == Visit.school_id)
            .where(School.county_id == user.county_id)
        )
        return sa.or_(Campaign.county_id == user.county_id, Campaign.id.in_(touching))
    return sa.false()


def can_view_campaign(user: User, campaign: Campaign) -> bool:
    from ..extensions import db

    if user.role not in STAFF:
        return False
    if user.role == Role.ADMIN or user.county_id is None or campaign.county_id == user.county_id:
        return True
    from ..campaigns.models import Campaign as C

    return db.session.scalar(sa.select(sa.exists().where(campaign_filter(user), C.id == campaign.id))) or False


def can_report_on_campaign(user: User, campaign: Campaign) -> bool:
    """The campaign's formal report covers all its schools: city-wide staff, or the campaign's own county."""
    if user.role not in STAFF:
        return False
    return user.role == Role.ADMIN or user.county_id is None or campaign.county_id == user.county_id


def can_manage_campaign(user: User, campaign: Campaign) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SUPERVISOR and (user.county_id is None or campaign.county_id == user.county_id)


def is_assigned(user: User, visit: Visit) -> bool:
    return any(a.user_id == user.id for a in visit.assignments)


def can_view_visit(user: User, visit: Visit) -> bool:
    if user.role in STAFF:
        return user.role == Role.ADMIN or _county_ok(user, visit.school.county_id)
    if user.role == Role.INSPECTOR:
        return is_assigned(user, visit)
    return False


def can_fill_visit(user: User, visit: Visit) -> bool:
    return user.role == Role.INSPECTOR and is_assigned(user, visit) and visit.status.editable


def can_review_visit(user: User, visit: Visit) -> bool:
    return user.role in MANAGERS and (user.role == Role.ADMIN or _county_ok(user, visit.school.county_id))


def can_view_finding(user: User, finding: Finding) -> bool:
    from ..findings.models import FindingStatus

    if user.role in STAFF:
        return user.role == Role.ADMIN or _county_ok(user, finding.school.county_id)
    if user.role == Role.INSPECTOR:
        return is_assigned(user, finding.visit)
    if user.role == Role.SCHOOL:
        return finding.school_id == user.school_id and finding.status == FindingStatus.CONFIRMED
    return False


def can_work_on_rectification(user: User, rect: Rectification) -> bool:
    return user.role == Role.SCHOOL and rect.finding.school_id == user.school_id


def can_verify_rectification(user: User, rect: Rectification) -> bool:
    return user.role in MANAGERS and (
        user.role == Role.ADMIN or _county_ok(user, rect.finding.school.county_id)
    )
