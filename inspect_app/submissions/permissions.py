"""Who sees and moves the reports a city sends up.

- A city's staff (supervisors and viewers of a city, no county) see their own city's reports; its
  supervisors submit and resubmit them.
- The province's staff (supervisors and viewers with neither city nor county) see every city's; its
  supervisors accept or return them.
- Administrators do both, for any city.
- County staff, inspectors and school contacts have no part in it (403). A city's staff asking for another
  city's report get 404.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from ..core.permissions import STAFF
from ..core.roles import Role

if t.TYPE_CHECKING:
    from ..auth.models import User


def takes_part(user: User) -> bool:
    """Whether the account works with 报送 at all: administrators, province and city staff."""
    return user.role == Role.ADMIN or (user.role in STAFF and user.level in ("province", "city"))


def province_side(user: User) -> bool:
    """Administrators and the province's staff: they see every city's reports."""
    return user.role == Role.ADMIN or (user.role in STAFF and user.level == "province")


def can_view_city(user: User, city_id: int) -> bool:
    """Whether the account may see the reports of city ``city_id``."""
    return province_side(user) or (takes_part(user) and user.city_id == city_id)


def may_submit(user: User) -> bool:
    """The roles that submit at all: administrators and a city's supervisors."""
    return user.role == Role.ADMIN or (user.role == Role.SUPERVISOR and user.level == "city")


def can_submit_for(user: User, city_id: int) -> bool:
    """Whether the account may submit city ``city_id``'s reports."""
    return user.role == Role.ADMIN or (may_submit(user) and user.city_id == city_id)


def may_decide(user: User) -> bool:
    """Whether the account may accept or return a report: administrators and the province's supervisors."""
    return user.role == Role.ADMIN or (user.role == Role.SUPERVISOR and user.level == "province")


def city_filter(user: User, city_id_col: t.Any) -> sa.ColumnElement[bool]:
    """:func:`can_view_city` as a WHERE clause over a city column."""
    if province_side(user):
        return sa.true()
    if takes_part(user) and user.city_id is not None:
        return t.cast(sa.ColumnElement[bool], city_id_col == user.city_id)
    return sa.false()
