"""公示: a school's recipients listed from a checked roster for a period of working days, and the objections.

A notice is made from a roster check that is done (``RunStatus.DONE``) while its roster file is still
stored: the school's rows of the run's semester are read with the rosters' readers and copied into the
notice — name, grade, 学段, programme, tier and amount, never the ID number, address or family
circumstances — so that the notice outlives the file's retention (rosters/services.purge_inputs).
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..core import storage
from ..core.permissions import STAFF
from ..core.permissions import county_ok
from ..core.roles import Role
from ..db import utcnow
from ..errors import ServiceError
from ..errors import ValidationFailed
from ..extensions import db
from ..funds.programmes import Programme
from ..funds.programmes import Semester
from ..funds.programmes import fold
from ..rosters import permissions as roster_permissions
from ..rosters import services as rosters
from ..rosters.fields import InputKind
from ..rosters.models import ReconciliationRun
from ..rosters.models import RunInput
from ..rosters.models import RunStatus
from ..rosters.readers import read_table
from ..schools.models import School
from ..schools.services import find_school as find_school
from .models import Objection
from .models import ObjectionOutcome
from .models import PublicNotice

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..core.permissions import Viewer

MIN_WORKING_DAYS = 5
# The fields a notice keeps of each row; nothing else of the roster is copied.
LISTED_FIELDS = ("name", "grade", "level", "programme", "tier", "amount")
TIER_ZH = {1: "一档", 2: "二档", 3: "三档"}


class RosterFileGone(ServiceError):
    """The run's roster file was deleted at the end of its retention: its rows can no longer be read."""

    status_code = 410
    code = "roster_file_gone"


# ------------------------------------------------------------------------------------------------
# Who may do what


def can_view_publicity(user: Viewer, school: School) -> bool:
    """The centres overseeing the school (within their county), and the school's own contact."""
    if user.role in STAFF:
        return county_ok(user, school.county_id)
    return user.role == Role.SCHOOL and user.school_id == school.id


def can_create_notice(user: Viewer, school: School) -> bool:
    """Administrators and supervisors (city-wide, or of the school's county)."""
    return user.role in (Role.ADMIN, Role.SUPERVISOR) and county_ok(user, school.county_id)


def can_record_objections(user: Viewer, school: School) -> bool:
    """Supervisors within their scope, and the school's contact for its own school."""
    if user.role == Role.SCHOOL:
        return user.school_id == school.id
    return can_create_notice(user, school)


def publicity_role(user: Viewer) -> bool:
    """Roles that use the 公示 pages at all (inspectors see the records on their visit's page only)."""
    return user.role in (*STAFF, Role.SCHOOL)


# ------------------------------------------------------------------------------------------------
# The 公示期


def working_days(starts_on: date, ends_on: date) -> int:
    """Monday to Friday from ``starts_on`` to ``ends_on``, both counted (public holidays are not known)."""
    if ends_on < starts_on:
        return 0
    days = (ends_on - starts_on).days + 1
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(rest):
        if (starts_on + timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def earliest_end(starts_on: date) -> date:
    """The first day on which a 公示 begun on ``starts_on`` has lasted ``MIN_WORKING_DAYS`` working days."""
    day, count = starts_on, 0
    while True:
        if day.weekday() < 5:
            count += 1
            if count == MIN_WORKING_DAYS:
                return day
        day += timedelta(days=1)


def check_period(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise ValidationFailed(_("The 公示 cannot end before it starts."))
    if working_days(starts_on, ends_on) < MIN_WORKING_DAYS:
        raise ValidationFailed(_("A 公示 lasts at least %(n)d working days (Monday to Friday): begun on %(start)s, "
                                 "it ends on %(end)s at the earliest.", n=MIN_WORKING_DAYS,
                                 start=starts_on.isoformat(), end=earliest_end(starts_on).isoformat()))


# ------------------------------------------------------------------------------------------------
# Reading a school's rows


@dataclass(frozen=True)
class ListedRow:
    """One recipient as a notice lists them."""

    name: str
    grade: str
    level: str
    programme: str
    tier: int | None
    amount: str

    def as_json(self) -> dict[str, t.Any]:
        return {"name": self.name, "grade": self.grade, "level": self.level, "programme": self.programme,
                "tier": self.tier, "amount": self.amount}


def usable_runs(user: User) -> list[ReconciliationRun]:
    """Checked runs the user may see, newest first: those a notice can be made from."""
    stmt = roster_permissions.run_query(user).where(ReconciliationRun.status == RunStatus.DONE)
    return list(db.session.scalars(stmt).unique())


def roster_input(run: ReconciliationRun) -> RunInput:
    """The run's roster file, still stored; refused with the file's name once it was purged."""
    if run.status != RunStatus.DONE:
        raise ValidationFailed(_("The roster check “%(title)s” is not done: a 公示 is made from a checked roster.",
                                 title=run.title))
    item = next((i for i in run.inputs if i.kind == InputKind.ROSTER), None)
    if item is None:
        raise ValidationFailed(_("The roster check “%(title)s” has no roster file.", title=run.title))
    if not item.path or not storage.area("uploads").exists(item.path):
        raise RosterFileGone(_("The roster file “%(file)s” of the check “%(title)s” is no longer stored (roster files "
                               "are deleted after their retention period). Check the roster again to publish it.",
                               file=item.original_name, title=run.title))
    return item


def school_rows(run: ReconciliationRun, school: School) -> list[ListedRow]:
    """The school's rows of the run's semester in its roster file, in the file's order."""
    return schools_rows(run, [school])[school.id]


def schools_rows(run: ReconciliationRun, schools: t.Sequence[School]) -> dict[int, list[ListedRow]]:
    """The rows of each of ``schools`` in the run's roster file, reading the file once."""
    item = roster_input(run)
    data = storage.read("uploads", item.path)
    table = read_table(data, filename=item.original_name, kind=item.kind,
                       max_bytes=max(rosters.max_file_bytes(), len(data)), max_rows=rosters.MAX_ROWS,
                       remembered=rosters.remembered_mappings(item.kind), mapping=item.mapping or None)
    semester = Semester.from_key(run.semester_key)
    by_code = {school.code: school.id for school in schools}
    by_name = {fold(school.name): school.id for school in schools}
    out: dict[int, list[ListedRow]] = {school.id: [] for school in schools}
    for record in table.frame.itertuples(index=False):
        row_semester = getattr(record, "semester", None)
        if isinstance(row_semester, Semester) and row_semester != semester:
            continue
        code = fold(str(getattr(record, "school_code", "") or ""))
        school_id = by_code.get(code) if code else by_name.get(fold(str(getattr(record, "school", "") or "")))
        if school_id is not None:
            out[school_id].append(_listed(record))
    return out


def _listed(record: t.Any) -> ListedRow:
    """The fields a notice lists of one roster row, and nothing else."""
    programme = getattr(record, "programme", None)
    level = str(getattr(record, "level", "") or "")
    if not level and isinstance(programme, Programme):
        level = programme.level_zh
    tier = getattr(record, "tier", None)
    amount = getattr(record, "amount", None)
    return ListedRow(
        name=str(record.name), grade=str(getattr(record, "grade", "") or ""), level=level,
        programme=programme.zh if isinstance(programme, Programme) else "",
        tier=int(tier) if isinstance(tier, int) else None,
        amount=f"{amount:.2f}" if isinstance(amount, Decimal) else str(amount or ""),
    )


def run_schools(run: ReconciliationRun) -> list[School]:
    """The schools the run found payments at, by name (from its results, without reading the file)."""
    ids = {int(r["school_id"]) for r in (run.summary or {}).get("totals", []) if r.get("school_id")}
    stmt = sa.select(School).order_by(School.name)
    if ids:
        stmt = stmt.where(School.id.in_(ids))
    elif run.county_id is not None:
        stmt = stmt.where(School.county_id == run.county_id)
    return list(db.session.scalars(stmt))


# ------------------------------------------------------------------------------------------------
# Notices and objections


def create_notice(*, run: ReconciliationRun, school: School, starts_on: date, ends_on: date, contact_name: str,
                  contact_phone: str, payment_date: date | None = None, actor: User,
                  rows: list[ListedRow] | None = None) -> PublicNotice:
    """A school's 公示 of the run's recipients for the period; the rows are copied into the notice.

    ``rows``: the school's rows read already (``schools_rows``, for several schools at once).
    """
    if run.county_id is not None and run.county_id != school.county_id:
        raise ValidationFailed(_("%(school)s is not among the schools of the check “%(title)s”.",
                                 school=school.name, title=run.title))
    check_period(starts_on, ends_on)
    if not contact_name.strip() or not contact_phone.strip():
        raise ValidationFailed(_("Name the contact person and the phone number for objections."))
    if rows is None:
        rows = school_rows(run, school)
    if not rows:
        raise ValidationFailed(_("The roster “%(file)s” lists nobody at %(school)s in %(term)s.",
                                 file=roster_input(run).original_name, school=school.name,
                                 term=Semester.from_key(run.semester_key).long_zh))
    notice = PublicNotice(
        school=school, run=run, semester=run.semester, semester_key=run.semester_key,
        source_file=roster_input(run).original_name, rows=[r.as_json() for r in rows], row_count=len(rows),
        starts_on=starts_on, ends_on=ends_on, contact_name=contact_name.strip(), contact_phone=contact_phone.strip(),
        payment_date=payment_date, created_by=actor, created_at=utcnow(),
    )
    db.session.add(notice)
    db.session.flush()
    audit.record(actor, "publicity.create", notice, school_id=school.id,
                 after={"school": school.name, "term": run.semester, "rows": len(rows),
                        "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "run": run.id})
    return notice


def record_objection(notice: PublicNotice, *, received_on: date, content: str, raised_by: str = "",
                     actor: User) -> Objection:
    """An objection received about a notice; it is being handled until its outcome is recorded."""
    if not content.strip():
        raise ValidationFailed(_("Say what the objection is."))
    if received_on < notice.starts_on:
        raise ValidationFailed(_("An objection is received once the 公示 has begun (%(start)s).",
                                 start=notice.starts_on.isoformat()))
    objection = Objection(notice=notice, received_on=received_on, content=content.strip(),
                          raised_by=raised_by.strip() or None, outcome=ObjectionOutcome.PENDING,
                          recorded_by=actor, recorded_at=utcnow())
    db.session.add(objection)
    db.session.flush()
    audit.record(actor, "publicity.objection", objection, school_id=notice.school_id,
                 after={"notice": notice.id, "received_on": received_on.isoformat(), "content": objection.content})
    return objection


def handle_objection(objection: Objection, *, handling: str, outcome: ObjectionOutcome, actor: User) -> None:
    """How the objection was handled, and its outcome (成立, 不成立, or still 处理中)."""
    if not handling.strip():
        raise ValidationFailed(_("Say how the objection was handled."))
    before = {"outcome": objection.outcome.value, "handling": objection.handling}
    objection.handling, objection.outcome = handling.strip(), outcome
    objection.handled_by, objection.handled_at = actor, utcnow()
    db.session.flush()
    audit.record(actor, "publicity.objection_handled", objection, school_id=objection.notice.school_id,
                 before=before, after={"outcome": outcome.value, "handling": objection.handling})


def school_notices(school: School) -> list[PublicNotice]:
    """The school's notices, newest first, with their objections."""
    return list(db.session.scalars(
        sa.select(PublicNotice).where(PublicNotice.school_id == school.id)
        .options(orm.selectinload(PublicNotice.objections), orm.joinedload(PublicNotice.created_by))
        .order_by(PublicNotice.starts_on.desc(), PublicNotice.id.desc())).unique())


def latest_notice(school: School) -> PublicNotice:
    notice = db.session.scalar(sa.select(PublicNotice).where(PublicNotice.school_id == school.id)
                               .order_by(PublicNotice.starts_on.desc(), PublicNotice.id.desc()).limit(1))
    if notice is None:
        raise ValidationFailed(_("%(school)s has no 公示 yet.", school=school.name))
    return notice



def tier_text(tier: int | None) -> str:
    return TIER_ZH.get(tier, f"{tier}档") if tier else ""


def notice_names(ids: list[int]) -> dict[int, str]:
    """Notices as the audit log names them: the school and the term."""
    stmt = sa.select(PublicNotice).where(PublicNotice.id.in_(ids)).options(orm.joinedload(PublicNotice.school))
    return {n.id: f"{n.school.name} {n.semester}公示" for n in db.session.scalars(stmt)}


def objection_names(ids: list[int]) -> dict[int, str]:
    stmt = (sa.select(Objection).where(Objection.id.in_(ids))
            .options(orm.joinedload(Objection.notice).joinedload(PublicNotice.school)))
    return {o.id: f"{o.notice.school.name} {o.notice.semester}公示异议（{o.received_on.isoformat()}）"
            for o in db.session.scalars(stmt)}
