"""Who may inspect which school: the cross-county rule and declared conflicts of interest (利害关系回避)."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..auth.models import Role
from ..auth.models import User
from ..core.permissions import Viewer
from ..core.permissions import in_region
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import School
from .models import Campaign
from .models import ConflictOfInterest

ConflictMap = t.Mapping[tuple[int, int], str]


def declared_conflicts(user_ids: t.Iterable[int],
                       school_ids: t.Iterable[int] | None = None) -> dict[tuple[int, int], str]:
    """Declared conflicts of these inspectors (with these schools), as (user id, school id) → reason."""
    users = list(set(user_ids))
    if not users:
        return {}
    stmt = sa.select(ConflictOfInterest.user_id, ConflictOfInterest.school_id, ConflictOfInterest.reason).where(
        ConflictOfInterest.user_id.in_(users))
    if school_ids is not None:
        stmt = stmt.where(ConflictOfInterest.school_id.in_(list(set(school_ids))))
    return {(u, s): reason for u, s, reason in db.session.execute(stmt)}


def assignment_problem(campaign: Campaign, school: School, inspector: User, *,
                       conflicts: ConflictMap | None = None) -> str | None:
    """Why ``inspector`` may not inspect ``school`` in ``campaign``, or None if they may.

    The rules: only active inspectors; in a cross-inspection nobody inspects a school of their home
    county, and in a province's cross-inspection nobody inspects a school of their home city (an
    inspector's city is their county's, or the city they work for); nobody inspects a school they
    declared a conflict of interest with. ``conflicts`` saves
    a query per call when the caller has loaded them (see :func:`declared_conflicts`).
    """
    if inspector.role != Role.INSPECTOR or not inspector.active:
        return _("%(name)s is not an active inspector.", name=inspector.display_name)
    if campaign.cross_city and inspector.city_id is not None and inspector.city_id == school.county.city_id:
        return _("%(name)s belongs to %(city)s and may not inspect %(school)s in their own city "
                 "(cross-inspection rule of a province campaign).", name=inspector.display_name,
                 city=school.county.city.name, school=school.name)
    if campaign.cross_county and inspector.county_id is not None and inspector.county_id == school.county_id:
        return _("%(name)s belongs to %(county)s and may not inspect %(school)s in their own county "
                 "(cross-inspection rule).", name=inspector.display_name, county=school.county.name,
                 school=school.name)
    if conflicts is None:
        conflicts = declared_conflicts([inspector.id], [school.id])
    reason = conflicts.get((inspector.id, school.id))
    if reason is not None:
        return _("%(name)s declared a conflict of interest with %(school)s (%(reason)s).",
                 name=inspector.display_name, school=school.name, reason=reason)
    return None


def team_problems(campaign: Campaign, school: School, members: t.Iterable[User], *,
                  conflicts: ConflictMap | None = None) -> list[str]:
    """Why a team of ``members`` may not inspect ``school``: one line per member at fault."""
    people = list(members)
    if conflicts is None:
        conflicts = declared_conflicts([u.id for u in people], [school.id])
    problems = [assignment_problem(campaign, school, user, conflicts=conflicts) for user in people]
    return [p for p in problems if p]


def eligible_inspectors(campaign: Campaign) -> list[User]:
    """Active inspectors, ordered by county and name, for the assignment picker."""
    stmt = (
        sa.select(User)
        .where(User.role == Role.INSPECTOR, User.active.is_(True))
        .order_by(User.county_id, User.display_name)
    )
    return list(db.session.scalars(stmt))


# ---------------------------------------------------------------------------------------------------------
# Declared conflicts of interest (利害关系回避)

CONFLICT_FIELDS = ("user_id", "school_id", "reason")
REASON_MAX = 200


def declare_conflict(inspector: User, school: School, *, reason: str, actor: User | None) -> ConflictOfInterest:
    """Record that ``inspector`` may not inspect ``school`` (a relative works there, they used to…)."""
    reason = reason.strip()
    if inspector.role != Role.INSPECTOR:
        raise ValidationFailed(_("%(name)s is not an inspector.", name=inspector.display_name))
    if not reason:
        raise ValidationFailed(_("Give the reason for the conflict of interest."))
    if len(reason) > REASON_MAX:
        raise ValidationFailed(_("The reason is longer than %(n)d characters.", n=REASON_MAX))
    existing = db.session.scalar(sa.select(ConflictOfInterest).where(
        ConflictOfInterest.user_id == inspector.id, ConflictOfInterest.school_id == school.id))
    if existing is not None:
        raise ValidationFailed(_("%(name)s already declared a conflict with %(school)s.",
                                 name=inspector.display_name, school=school.name))
    conflict = ConflictOfInterest(user_id=inspector.id, school_id=school.id, reason=reason,
                                  created_by_id=actor.id if actor is not None else None)
    db.session.add(conflict)
    db.session.flush()
    audit.record(actor, "conflict.declare", conflict, school_id=school.id,
                 after={"inspector": inspector.username, "school": school.code, "reason": reason})
    return conflict


def school_by_code(code: str) -> School:
    """The school a conflict is declared with, by its code."""
    code = code.strip()
    school = db.session.scalar(sa.select(School).where(School.code == code))
    if school is None:
        raise ValidationFailed(_("No school with code “%(code)s”.", code=code))
    return school


def withdraw_conflict(conflict: ConflictOfInterest, *, actor: User) -> None:
    """Delete a declared conflict; the inspector may be assigned to the school again."""
    audit.record(actor, "conflict.withdraw", conflict, school_id=conflict.school_id,
                 before={"inspector": conflict.user.username, "school": conflict.school.code,
                         "reason": conflict.reason})
    db.session.delete(conflict)
    db.session.flush()


def _home_in_region(viewer: Viewer | None) -> sa.ColumnElement[bool]:
    """Accounts whose home city or county lies in the viewer's region (all without a viewer)."""
    if viewer is None or viewer.scope_county_ids is None:
        return sa.true()
    if viewer.county_id is not None:
        return User.county_id == viewer.county_id
    return User.city_id == viewer.city_id


def conflict_query(viewer: Viewer | None = None, *, q: str | None = None) -> sa.Select[ConflictOfInterest]:
    """Declared conflicts, newest first, optionally matching an inspector's or a school's name or code; a
    city's staff see those of their city's schools."""
    inspector = orm.aliased(User)
    stmt = (
        sa.select(ConflictOfInterest)
        .join(inspector, inspector.id == ConflictOfInterest.user_id)
        .join(School, School.id == ConflictOfInterest.school_id)
        .options(orm.contains_eager(ConflictOfInterest.user.of_type(inspector)).joinedload(inspector.county),
                 orm.contains_eager(ConflictOfInterest.school))
        .order_by(ConflictOfInterest.created_at.desc(), ConflictOfInterest.id.desc())
    )
    if viewer is not None:
        stmt = stmt.where(in_region(viewer, School.county_id))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(sa.or_(inspector.display_name.like(like), inspector.username.like(like),
                                 School.name.like(like), School.code.like(like)))
    return stmt


def inspector_query(viewer: Viewer | None = None, *, q: str | None = None,
                    county_id: int | None = None) -> sa.Select[User]:
    """Inspector accounts by home county and name, for the inspectors page: a city's staff see their city's."""
    stmt = (
        sa.select(User).where(User.role == Role.INSPECTOR, _home_in_region(viewer))
        .options(orm.joinedload(User.county))
        .order_by(User.active.desc(), User.county_id, User.display_name, User.id)
    )
    if q:
        like = f"%{q}%"
        stmt = stmt.where(sa.or_(User.display_name.like(like), User.username.like(like)))
    if county_id:
        stmt = stmt.where(User.county_id == county_id)
    return stmt


def conflict_counts(user_ids: t.Iterable[int]) -> dict[int, int]:
    """Declared conflicts per inspector, for one page of inspectors."""
    ids = list(user_ids)
    if not ids:
        return {}
    stmt = (sa.select(ConflictOfInterest.user_id, sa.func.count())
            .where(ConflictOfInterest.user_id.in_(ids)).group_by(ConflictOfInterest.user_id))
    return {user_id: n for user_id, n in db.session.execute(stmt)}
