"""Funds: the standards table, allocations, payments and the balance carried from term to term."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from decimal import InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import School
from .models import FundAllocation
from .models import FundingStandard
from .models import FundPayment
from .programmes import FundLine
from .programmes import FundSource
from .programmes import Programme
from .programmes import Semester
from .programmes import parse_semester
from .standards import Standard
from .standards import StandardsTable

if t.TYPE_CHECKING:
    from ..auth.models import User

MAX_STANDARD = Decimal("100000")
MAX_ALLOCATION = Decimal("100000000000")
STANDARD_FIELDS = ("programme", "tier", "amount", "effective_from", "basis")


def to_semester(value: str | Semester) -> Semester:
    """A semester from its text, or a refusal naming the text."""
    if isinstance(value, Semester):
        return value
    semester = parse_semester(value)
    if semester is None:
        raise ValidationFailed(_("“%(v)s” is not a semester; write it like 2023春 or 2023年秋季学期.", v=value))
    return semester


def parse_money(value: str | Decimal, *, what: str) -> Decimal:
    """Yuan with at most two decimals; a refusal names ``what``."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as exc:
        raise ValidationFailed(_("%(what)s: “%(v)s” is not an amount.", what=what, v=value)) from exc
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(_("%(what)s: “%(v)s” is not an amount in yuan with at most two decimals.",
                                 what=what, v=value))
    return amount.quantize(Decimal("0.01"))


# ------------------------------------------------------------------------------------------------
# Standards


def standards() -> list[FundingStandard]:
    order = sa.case({p.value: i for i, p in enumerate(Programme)}, value=FundingStandard.programme)
    stmt = sa.select(FundingStandard).order_by(order, FundingStandard.effective_key, FundingStandard.tier)
    return list(db.session.scalars(stmt))


def standards_table() -> StandardsTable:
    """The standards as the checks use them."""
    return StandardsTable(
        Standard(s.programme, s.tier, int(s.amount * 100), s.effective_key, s.basis or "") for s in standards()
    )


def install_shipped_standards(*, actor: User | None) -> int:
    """Fill an empty standards table with the shipped figures; return how many rows were added."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(FundingStandard)):
        return 0
    shipped = StandardsTable.shipped()
    for s in shipped.standards:
        db.session.add(FundingStandard(programme=s.programme, tier=s.tier, amount=s.amount,
                                       effective_from=str(s.effective_from), effective_key=s.effective_key,
                                       basis=s.basis, updated_by_id=actor.id if actor else None))
    db.session.flush()
    audit.record(actor, "standard.install", object_type="funding_standards", after={"rows": len(shipped)})
    return len(shipped)


def save_standard(*, programme: Programme, effective_from: str, tier: int, amount: str | Decimal, basis: str,
                  actor: User, standard: FundingStandard | None = None) -> FundingStandard:
    """Add a standard, or change one; one row per programme, semester and tier."""
    semester = to_semester(effective_from)
    money = parse_money(amount, what=_("Amount"))
    if not (Decimal(0) < money <= MAX_STANDARD):
        raise ValidationFailed(_("A standard is more than 0 and at most %(max)s yuan per semester.",
                                 max=MAX_STANDARD))
    if not (1 <= tier <= 9):
        raise ValidationFailed(_("A tier is a number from 1 (the highest) to 9."))
    clash = db.session.scalar(sa.select(FundingStandard).where(
        FundingStandard.programme == programme, FundingStandard.effective_key == semester.key,
        FundingStandard.tier == tier))
    if clash is not None and clash is not standard:
        raise ValidationFailed(_("%(programme)s already has a tier %(tier)d from %(semester)s.",
                                 programme=programme.zh, tier=tier, semester=str(semester)))
    before = audit.snapshot(standard, STANDARD_FIELDS) if standard else None
    if standard is None:
        standard = FundingStandard()
        db.session.add(standard)
    standard.programme, standard.tier, standard.amount = programme, tier, money
    standard.effective_from, standard.effective_key = str(semester), semester.key
    standard.basis = basis.strip() or None
    standard.updated_by_id = actor.id
    db.session.flush()
    after = audit.snapshot(standard, STANDARD_FIELDS)
    if before != after:
        audit.record(actor, "standard.update" if before else "standard.create", standard, before=before, after=after)
    return standard


def delete_standard(standard: FundingStandard, *, actor: User) -> None:
    """Remove a standard row (runs keep the copy of the standards they were checked against)."""
    audit.record(actor, "standard.delete", standard, before=audit.snapshot(standard, STANDARD_FIELDS))
    db.session.delete(standard)
    db.session.flush()


# ------------------------------------------------------------------------------------------------
# Allocations and payments


def add_allocation(*, semester: str | Semester, fund_line: FundLine, source: FundSource, amount: str | Decimal,
                   document: str = "", actor: User | None) -> FundAllocation:
    """Record money allocated to a fund line in a semester."""
    term = to_semester(semester)
    money = parse_money(amount, what=_("Amount"))
    if not (Decimal(0) < money < MAX_ALLOCATION):
        raise ValidationFailed(_("An allocation is more than 0 yuan."))
    if len(document) > 128:
        raise ValidationFailed(_("The document number is longer than %(n)d characters.", n=128))
    allocation = FundAllocation(semester=str(term), semester_key=term.key, fund_line=fund_line, source=source,
                                amount=money, document=document.strip() or None,
                                created_by_id=actor.id if actor else None)
    db.session.add(allocation)
    db.session.flush()
    audit.record(actor, "allocation.create", allocation,
                 after=audit.snapshot(allocation, ("semester", "fund_line", "source", "amount", "document")))
    return allocation


def delete_allocation(allocation: FundAllocation, *, actor: User) -> None:
    """Remove an allocation entered by mistake."""
    audit.record(actor, "allocation.delete", allocation,
                 before=audit.snapshot(allocation, ("semester", "fund_line", "source", "amount", "document")))
    db.session.delete(allocation)
    db.session.flush()


@dataclass
class PaymentLine:
    school: School
    programme: Programme
    headcount: int
    amount: Decimal


def record_payments(semester: str | Semester, lines: t.Sequence[PaymentLine], *, source: str,
                    actor: User | None) -> int:
    """Set what each school paid per programme in the semester (replacing earlier figures); return lines written."""
    term = to_semester(semester)
    existing = {
        (p.school_id, p.programme): p
        for p in db.session.scalars(sa.select(FundPayment).where(
            FundPayment.semester_key == term.key, FundPayment.school_id.in_({line.school.id for line in lines})))
    }
    written = 0
    for line in lines:
        payment = existing.get((line.school.id, line.programme))
        if payment is None:
            payment = FundPayment(semester=str(term), semester_key=term.key, school_id=line.school.id,
                                  programme=line.programme, headcount=0, amount=Decimal(0))
            db.session.add(payment)
        elif payment.headcount == line.headcount and payment.amount == line.amount:
            continue
        payment.headcount, payment.amount = line.headcount, line.amount
        payment.source, payment.recorded_by_id = source[:256], actor.id if actor else None
        written += 1
    db.session.flush()
    total = sum((line.amount for line in lines), Decimal(0))
    audit.record(actor, "payment.record", object_type="fund_payments",
                 after={"semester": str(term), "source": source, "lines": len(lines), "written": written,
                        "headcount": sum(line.headcount for line in lines), "amount": total})
    return written


def reported_payments(semester: Semester) -> list[tuple[str, str, Programme, int, Decimal]]:
    """(school code, school name, programme, headcount, amount) of every school's payments in a semester."""
    stmt = (sa.select(School.code, School.name, FundPayment.programme, FundPayment.headcount, FundPayment.amount)
            .join(School, School.id == FundPayment.school_id).where(FundPayment.semester_key == semester.key))
    return [tuple(row) for row in db.session.execute(stmt)]  # type: ignore[misc]


# ------------------------------------------------------------------------------------------------
# The term's figures


@dataclass
class LineFigures:
    fund_line: FundLine
    upper: Decimal = Decimal(0)        # 中省 allocated this term
    city: Decimal = Decimal(0)         # 市级 and 县级 allocated this term
    brought_forward: Decimal = Decimal(0)
    headcount: int = 0
    paid: Decimal = Decimal(0)

    @property
    def allocated(self) -> Decimal:
        return self.upper + self.city

    @property
    def available(self) -> Decimal:
        return self.brought_forward + self.allocated

    @property
    def balance(self) -> Decimal:
        return self.available - self.paid


@dataclass
class ProgrammeFigures:
    programme: Programme
    headcount: int = 0
    paid: Decimal = Decimal(0)

    @property
    def per_head(self) -> Decimal | None:
        return (self.paid / self.headcount).quantize(Decimal("0.01")) if self.headcount else None


@dataclass
class TermFigures:
    semester: Semester
    lines: list[LineFigures] = field(default_factory=list)
    programmes: list[ProgrammeFigures] = field(default_factory=list)
    allocations: list[FundAllocation] = field(default_factory=list)

    def total(self, attribute: str) -> t.Any:
        return sum((getattr(line, attribute) for line in self.lines), Decimal(0) if attribute != "headcount" else 0)


def term_figures(semester: Semester) -> TermFigures:
    """Allocated, brought forward, paid and carried over per fund line, and paid per programme, for one term."""
    figures = TermFigures(semester=semester)
    lines = {line: LineFigures(line) for line in FundLine}
    allocated = db.session.execute(
        sa.select(FundAllocation.semester_key, FundAllocation.fund_line, FundAllocation.source,
                  sa.func.sum(FundAllocation.amount))
        .where(FundAllocation.semester_key <= semester.key)
        .group_by(FundAllocation.semester_key, FundAllocation.fund_line, FundAllocation.source))
    for key, fund_line, source, amount in allocated:
        figures_line = lines[FundLine(fund_line)]
        amount = Decimal(amount)
        if key < semester.key:
            figures_line.brought_forward += amount
        elif FundSource(source).central_or_provincial:
            figures_line.upper += amount
        else:
            figures_line.city += amount
    programmes = {p: ProgrammeFigures(p) for p in Programme}
    paid = db.session.execute(
        sa.select(FundPayment.semester_key, FundPayment.programme, sa.func.sum(FundPayment.headcount),
                  sa.func.sum(FundPayment.amount))
        .where(FundPayment.semester_key <= semester.key)
        .group_by(FundPayment.semester_key, FundPayment.programme))
    for key, programme, headcount, amount in paid:
        programme = Programme(programme)
        line = lines[programme.fund_line]
        amount = Decimal(amount)
        if key < semester.key:
            line.brought_forward -= amount
        else:
            line.headcount += int(headcount)
            line.paid += amount
            programmes[programme].headcount += int(headcount)
            programmes[programme].paid += amount
    figures.lines = list(lines.values())
    figures.programmes = list(programmes.values())
    line_order = sa.case({f.value: i for i, f in enumerate(FundLine)}, value=FundAllocation.fund_line)
    source_order = sa.case({s.value: i for i, s in enumerate(FundSource)}, value=FundAllocation.source)
    figures.allocations = list(db.session.scalars(
        sa.select(FundAllocation).where(FundAllocation.semester_key == semester.key)
        .options(orm.joinedload(FundAllocation.created_by))
        .order_by(source_order, line_order, FundAllocation.id)))
    return figures


def semesters_with_data() -> list[Semester]:
    keys = set(db.session.scalars(sa.select(FundAllocation.semester_key).distinct()))
    keys |= set(db.session.scalars(sa.select(FundPayment.semester_key).distinct()))
    return [Semester.from_key(k) for k in sorted(keys, reverse=True)]


def opening_semester(semesters: list[Semester], today: date) -> Semester:
    """The semester the funds page opens on: the latest with data that has begun by ``today``.

    ``semesters`` are those with data, latest first. Allocations recorded ahead for a semester not yet
    begun do not make the page open in the future unless nothing else has data; with no data at all
    the page opens on the current semester.
    """
    current = Semester.containing(today)
    return next((s for s in semesters if s <= current), semesters[0] if semesters else current)


def wan(amount: Decimal | int | None) -> str:
    """Yuan shown in 万元 with as many decimals as it takes (at least two), as reports write them."""
    if amount is None:
        return "—"
    value = (Decimal(amount) / 10000).normalize()
    text = f"{value:,f}"
    whole, _dot, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def yuan(amount: Decimal | int | None) -> str:
    if amount is None:
        return "—"
    return f"{Decimal(amount):,.2f}"
