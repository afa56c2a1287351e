"""A request for a document: the one value the report services, the register of numbers and the jobs share."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

if t.TYPE_CHECKING:
    from ..campaigns.models import Campaign
    from ..schools.models import School


@dataclass(frozen=True)
class ReportRequest:
    """What to build: a kind, its campaigns, and the school or month where the kind needs one."""

    kind: str
    campaigns: tuple[Campaign, ...]
    school: School | None = None
    month: tuple[int, int] | None = None

    @property
    def campaign(self) -> Campaign:
        return self.campaigns[0]
