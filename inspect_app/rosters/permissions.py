"""Who sees and works on roster checks.

The staff of the run's region see it (a county's run its county's, city's and the province's staff); an
inspector sees the runs they started.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from ..auth.models import Role
from ..auth.models import User
from ..core.permissions import STAFF
from ..core.permissions import owned_in_region
from ..core.permissions import owns_region
from .models import ReconciliationRun


def can_view_run(user: User, run: ReconciliationRun) -> bool:
    if user.role in STAFF:
        return owns_region(user, run.city_id, run.county_id)
    if user.role == Role.INSPECTOR:
        return run.created_by_id == user.id
    return False


def can_start_runs(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR)


def can_manage_run(user: User, run: ReconciliationRun) -> bool:
    """Assign columns, run again, raise findings: the author, or a manager whose scope covers it."""
    if not can_view_run(user, run):
        return False
    return user.role in (Role.ADMIN, Role.SUPERVISOR) or run.created_by_id == user.id


def run_filter(user: User) -> sa.ColumnElement[bool]:
    if user.role in STAFF:
        return owned_in_region(user, ReconciliationRun.city_id, ReconciliationRun.county_id)
    if user.role == Role.INSPECTOR:
        return ReconciliationRun.created_by_id == user.id
    return sa.false()


def run_query(viewer: User) -> sa.Select[ReconciliationRun]:
    return (sa.select(ReconciliationRun).where(run_filter(viewer))
            .options(orm.joinedload(ReconciliationRun.county), orm.joinedload(ReconciliationRun.created_by),
                     orm.selectinload(ReconciliationRun.inputs))
            .order_by(ReconciliationRun.id.desc()))


def sees_id_numbers(user: User | None, run: ReconciliationRun) -> bool:
    """Whole resident ID numbers are for the one who ran the check (to trace each row); others see them masked."""
    return user is not None and run.created_by_id == user.id
