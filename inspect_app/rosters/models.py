from __future__ import annotations

import typing as t
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from ..db import TimestampMixin
from ..db import enum_column
from ..db import utcnow
from ..extensions import Model
from ..funds.models import SemesterMixin
from ..funds.programmes import Programme
from .checks import Severity
from .fields import InputKind
from .fields import SpecialGroup

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..campaigns.models import Campaign
    from ..findings.models import Finding
    from ..schools.models import County
    from ..schools.models import School


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    NEEDS_MAPPING = "needs_mapping"
    FAILED = "failed"
    DONE = "done"

    @property
    def label(self) -> str:
        return str(RUN_STATUS_LABELS[self])

    @property
    def pending(self) -> bool:
        return self in (RunStatus.QUEUED, RunStatus.RUNNING)


RUN_STATUS_LABELS = {
    RunStatus.QUEUED: _l("Queued"),
    RunStatus.RUNNING: _l("Checking"),
    RunStatus.NEEDS_MAPPING: _l("Columns to assign"),
    RunStatus.FAILED: _l("Refused"),
    RunStatus.DONE: _l("Checked"),
}


class ReconciliationRun(SemesterMixin, Model):
    """One reconciliation (精准比对): its input files, the rules it was checked against, and the results."""

    __tablename__ = "roster_runs"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    # Scope: a county's rosters (with its city), a city's (no county) or the province's (neither);
    # findings go to visits of ``campaign``.
    city_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("cities.id"), index=True)
    county_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("counties.id"), index=True)
    campaign_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(128))
    status: orm.Mapped[RunStatus] = orm.mapped_column(enum_column(RunStatus), default=RunStatus.QUEUED)
    progress: orm.Mapped[int] = orm.mapped_column(default=0)
    stage: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    # "2026.1/3fa9c2e1": the checks' version and a hash of the standards' figures.
    rules_version: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    standards: orm.Mapped[list[t.Any] | None]
    summary: orm.Mapped[dict[str, t.Any] | None]
    errors: orm.Mapped[list[t.Any] | None]
    discrepancy_count: orm.Mapped[int] = orm.mapped_column(default=0)
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    started_at: orm.Mapped[datetime | None]
    finished_at: orm.Mapped[datetime | None]

    county: orm.Mapped[County | None] = orm.relationship()
    campaign: orm.Mapped[Campaign | None] = orm.relationship()
    created_by: orm.Mapped[User | None] = orm.relationship()
    inputs: orm.Mapped[list[RunInput]] = orm.relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="RunInput.position"
    )


class RunInput(Model):
    """One file of a run, kept in the ``uploads`` store (core/storage.py), with the column mapping it was read with."""

    __tablename__ = "roster_run_inputs"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    run_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("roster_runs.id"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    kind: orm.Mapped[InputKind] = orm.mapped_column(enum_column(InputKind))
    # Rows are named "roster", "system", "enrolment", "special1" … in the results.
    label: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    special_group: orm.Mapped[SpecialGroup | None] = orm.mapped_column(enum_column(SpecialGroup))
    original_name: orm.Mapped[str] = orm.mapped_column(sa.String(256))
    path: orm.Mapped[str] = orm.mapped_column(sa.String(256))
    sha256: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    size_bytes: orm.Mapped[int]
    rows: orm.Mapped[int | None]
    header_row: orm.Mapped[int | None]
    sheet: orm.Mapped[str | None] = orm.mapped_column(sa.String(128))
    encoding: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    # Header -> field, as used; headers found, for the mapping step.
    mapping: orm.Mapped[dict[str, t.Any] | None]
    headers: orm.Mapped[list[t.Any] | None]

    run: orm.Mapped[ReconciliationRun] = orm.relationship(back_populates="inputs")


class Discrepancy(Model):
    """One thing a check found: which rule, whose rows in which inputs, and the figures involved."""

    __tablename__ = "roster_discrepancies"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    run_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("roster_runs.id"), index=True)
    code: orm.Mapped[str] = orm.mapped_column(sa.String(24), index=True)
    severity: orm.Mapped[Severity] = orm.mapped_column(enum_column(Severity))
    school_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("schools.id"), index=True)
    school_label: orm.Mapped[str] = orm.mapped_column(sa.String(128), default="")
    person_key: orm.Mapped[str] = orm.mapped_column(sa.String(64), default="")
    name: orm.Mapped[str] = orm.mapped_column(sa.String(128), default="")
    programme: orm.Mapped[Programme | None] = orm.mapped_column(enum_column(Programme))
    amount: orm.Mapped[Decimal | None] = orm.mapped_column(sa.Numeric(14, 2))
    params: orm.Mapped[dict[str, t.Any]]
    # Input label -> row numbers in that file.
    rows: orm.Mapped[dict[str, t.Any]]
    finding_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("findings.id"), index=True)

    school: orm.Mapped[School | None] = orm.relationship()
    finding: orm.Mapped[Finding | None] = orm.relationship()


class HeaderMapping(TimestampMixin, Model):
    """A column heading a user assigned to a field once, remembered for every later file of that kind."""

    __tablename__ = "roster_header_mappings"
    __table_args__ = (sa.UniqueConstraint("kind", "header"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    kind: orm.Mapped[InputKind] = orm.mapped_column(enum_column(InputKind))
    # The folded heading (see fields.fold_header); an empty field means "ignore this column".
    header: orm.Mapped[str] = orm.mapped_column(sa.String(128))
    field: orm.Mapped[str] = orm.mapped_column(sa.String(24))
    updated_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
