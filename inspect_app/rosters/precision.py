"""资助精准率 and 漏助率 from the roster reconciliation, per school, county and the city.

The figures come from the counts each run stores (``summary["precision"]``, see
:func:`.checks.precision_counts`), taken from the **latest run of each roster**: for a semester, every
scope — a county's rosters (``county_id``) or the city's (``county_id`` None) — has one latest run, the
finished (``done``) run with the latest ``finished_at`` (then the highest id). A run checked again
replaces its scope's figures; a refused or unfinished run changes nothing. A school found in the latest
runs of two scopes (a county's and the city's) takes the newer run's figures, so it is counted once.

- 资助精准率 = paid people with no discrepancy of :data:`.checks.PRECISION_CODES` / paid people checked.
- 漏助率 = special-group members entitled but not paid / special-group members entitled.

Counties and the city sum the counts of their schools (rates are never averaged), and every rate comes
with its denominator. A run stored before these counts existed gives its schools no figures: they are
shown as not computed ("—"), and a county or city whose schools are all not computed has no rate.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..funds.programmes import Semester
from ..funds.programmes import parse_semester
from ..schools.models import County
from ..schools.models import School
from .models import ReconciliationRun
from .models import RunStatus


def rate(part: int, whole: int | None) -> float | None:
    """``part / whole`` as a percentage with one decimal; None when there is nothing to divide by."""
    if not whole:
        return None
    return round(100 * part / whole, 1)


@dataclass
class Counts:
    """Paid people checked and those with a discrepancy; special-group members entitled and those not paid.

    ``entitled`` and ``uncovered`` are None where no special-group list was checked.
    """

    paid: int = 0
    erroneous: int = 0
    entitled: int | None = None
    uncovered: int | None = None

    @property
    def precise(self) -> int:
        return self.paid - self.erroneous

    @property
    def precision_rate(self) -> float | None:
        return rate(self.precise, self.paid)

    @property
    def missed_rate(self) -> float | None:
        return rate(self.uncovered or 0, self.entitled)

    def add(self, other: Counts) -> None:
        self.paid += other.paid
        self.erroneous += other.erroneous
        if other.entitled is not None:
            self.entitled = (self.entitled or 0) + other.entitled
            self.uncovered = (self.uncovered or 0) + (other.uncovered or 0)

    def as_json(self) -> dict[str, t.Any]:
        return {"paid": self.paid, "precise": self.precise, "erroneous": self.erroneous,
                "precision_rate": self.precision_rate, "entitled": self.entitled, "uncovered": self.uncovered,
                "missed_rate": self.missed_rate}


@dataclass
class SchoolFigures:
    name: str
    school_id: int | None
    county_id: int | None
    run_id: int
    counts: Counts | None  # None: the run was stored before these counts existed

    def as_json(self) -> dict[str, t.Any]:
        return {"school": self.name, "school_id": self.school_id, "run": self.run_id,
                "computed": self.counts is not None, **(self.counts.as_json() if self.counts is not None else {})}


@dataclass
class AreaFigures:
    """A county's (or the city's) schools and their summed counts."""

    name: str
    county_id: int | None
    schools: list[SchoolFigures] = field(default_factory=list)

    @property
    def computed(self) -> list[SchoolFigures]:
        return [s for s in self.schools if s.counts is not None]

    @property
    def not_computed(self) -> int:
        return len(self.schools) - len(self.computed)

    @property
    def counts(self) -> Counts | None:
        """The sum over the schools with figures; None when no school has any."""
        computed = self.computed
        if not computed:
            return None
        total = Counts()
        for school in computed:
            total.add(t.cast(Counts, school.counts))
        return total

    def as_json(self, *, schools: bool = True) -> dict[str, t.Any]:
        counts = self.counts
        out: dict[str, t.Any] = {"name": self.name, "county_id": self.county_id, "computed": counts is not None,
                                 "schools_not_computed": self.not_computed,
                                 **(counts.as_json() if counts is not None else {})}
        if schools:
            out["schools"] = [s.as_json() for s in self.schools]
        return out


@dataclass
class Precision:
    semester: Semester
    runs: list[ReconciliationRun]
    counties: list[AreaFigures]
    city: AreaFigures

    def as_json(self) -> dict[str, t.Any]:
        return {
            "semester": str(self.semester),
            "runs": [{"id": r.id, "county_id": r.county_id, "finished_at": r.finished_at.isoformat()
                      if r.finished_at else None, "computed": has_counts(r)} for r in self.runs],
            "city": self.city.as_json(schools=False),
            "counties": [c.as_json() for c in self.counties],
        }


def parse(text: str) -> Semester | None:
    """A semester from its text (2023春, 2023年秋季学期 …), or None."""
    return parse_semester(text)


def has_counts(run: ReconciliationRun) -> bool:
    return isinstance((run.summary or {}).get("precision"), dict)


def latest_runs(semester: Semester) -> list[ReconciliationRun]:
    """The latest finished run of each roster scope (each county, and the city) for the semester."""
    runs = db.session.scalars(
        sa.select(ReconciliationRun)
        .where(ReconciliationRun.semester_key == semester.key, ReconciliationRun.status == RunStatus.DONE)
    ).all()
    latest: dict[int | None, ReconciliationRun] = {}
    for run in runs:
        current = latest.get(run.county_id)
        if current is None or _order(run) > _order(current):
            latest[run.county_id] = run
    return sorted(latest.values(), key=_order)


def _order(run: ReconciliationRun) -> tuple[datetime, int]:
    return (run.finished_at or run.created_at or datetime.min, run.id)


def semesters() -> list[Semester]:
    """The semesters with a finished run, newest first."""
    keys = db.session.scalars(sa.select(ReconciliationRun.semester_key).where(
        ReconciliationRun.status == RunStatus.DONE).distinct()).all()
    return [Semester.from_key(k) for k in sorted(keys, reverse=True)]


def _school_entries(run: ReconciliationRun) -> list[tuple[dict[str, t.Any], Counts | None]]:
    summary = run.summary or {}
    if has_counts(run):
        return [(entry, Counts(paid=int(entry["paid"]), erroneous=int(entry["erroneous"]),
                               entitled=entry.get("entitled"), uncovered=entry.get("uncovered")))
                for entry in summary["precision"].get("schools", [])]
    seen: dict[str, dict[str, t.Any]] = {}
    for line in summary.get("totals", []):
        seen.setdefault(str(line.get("school_key") or ""), line)
    return [(entry, None) for entry in seen.values()]


def compute(semester: Semester, *, counties: frozenset[int] | None = None) -> Precision:
    """The rates of ``semester``'s latest runs; only the schools of ``counties`` when given (a region's)."""
    runs = latest_runs(semester)
    by_school: dict[t.Hashable, tuple[dict[str, t.Any], Counts | None, ReconciliationRun]] = {}
    for run in runs:  # oldest first: a newer run's school replaces an older one's
        for entry, counts in _school_entries(run):
            sid = entry.get("school_id")
            key: t.Hashable = sid if sid else ("unmatched", run.county_id, entry.get("school_key") or "")
            by_school[key] = (entry, counts, run)
    ids = [k for k in by_school if isinstance(k, int)]
    schools = {s.id: s for s in db.session.scalars(sa.select(School).where(School.id.in_(ids)))} if ids else {}
    county_names: dict[int, str] = {cid: name for cid, name in db.session.execute(sa.select(County.id, County.name))}
    areas: dict[int | None, AreaFigures] = {}
    for key, (entry, counts, run) in by_school.items():
        school = schools.get(key) if isinstance(key, int) else None
        where = school.county_id if school is not None else run.county_id
        if counties is not None and where not in counties:
            continue
        name = school.name if school is not None else (entry.get("school") or "")
        area = areas.setdefault(where, AreaFigures(county_names.get(where, "") if where is not None else "", where))
        area.schools.append(SchoolFigures(name=name, school_id=school.id if school else None, county_id=where,
                                          run_id=run.id, counts=counts))
    for area in areas.values():
        area.schools.sort(key=lambda s: (s.counts is None, -(s.counts.erroneous if s.counts else 0), s.name))
    by_area = sorted(areas.values(), key=lambda a: (a.county_id is None, a.name))
    city = AreaFigures("", None, [s for a in by_area for s in a.schools])
    if counties is not None:
        used = {s.run_id for s in city.schools}
        runs = [r for r in runs if r.id in used]
    return Precision(semester=semester, runs=runs, counties=by_area, city=city)
