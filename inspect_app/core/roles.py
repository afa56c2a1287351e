"""The five roles an account can hold; every floor decides access by them."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    INSPECTOR = "inspector"
    SCHOOL = "school"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.INSPECTOR: _l("Inspector"),
    Role.SCHOOL: _l("School contact"),
    Role.VIEWER: _l("Viewer"),
}
