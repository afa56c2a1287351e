"""The reconciliation checks' catalogue: each check's code, severity, title and rule in words, and
what exactly is wrong in one of its discrepancies (:func:`describe`)."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .fields import InputKind

CHECKS_VERSION = "2026.1"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return str(_l("Error") if self == Severity.ERROR else _l("Warning"))


@dataclass(frozen=True)
class Check:
    code: str
    severity: Severity
    title: t.Any
    rule: t.Any
    needs: InputKind = InputKind.ROSTER


_E, _W = Severity.ERROR, Severity.WARNING
CHECKS: dict[str, Check] = {c.code: c for c in [
    Check("ID_FORMAT", _E, _l("ID number malformed"),
          _l("After full-width digits are made half-width, blanks removed, a lower-case x made upper-case and a "
             "15-digit number converted, an ID number must be 17 digits and a digit or X (GB 11643).")),
    Check("ID_CHECKSUM", _E, _l("ID number check digit wrong"),
          _l("The last character must be the ISO 7064 MOD 11-2 check character of the first 17 digits "
             "(weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; “10X98765432”[sum mod 11]).")),
    Check("ID_DATE", _E, _l("ID number birth date impossible"),
          _l("Digits 7–14 must be a real calendar date that is not in the future.")),
    Check("ID_AREA", _W, _l("ID number area code unknown"),
          _l("The first two digits should be a province code (11–65, 71) or 81/82/83 for residence permits.")),
    Check("ID_AGE", _W, _l("Age implausible for the level"),
          _l("At the start of the semester the student's age should fit the level: preschool 3–6, primary 6–13, "
             "junior 12–16, senior and vocational 15–20.")),
    Check("ID_SEX", _W, _l("Sex differs from the ID number"),
          _l("The 17th digit of the ID number is odd for a male and even for a female; it must agree with the "
             "roster.")),
    Check("ID_MISSING", _W, _l("No ID number"),
          _l("Every recipient should have an ID number; a row without one is matched by its student number only.")),
    Check("DUP_SCHOOL", _E, _l("Paid twice at one school"),
          _l("One person may be paid by one programme once per semester; the same ID number appears more than "
             "once for the programme at the same school.")),
    Check("DUP_CROSS", _E, _l("Paid at two schools"),
          _l("One person may be paid by one programme once per semester; the same ID number is paid by the "
             "programme at more than one school.")),
    Check("DUP_EXCLUSIVE", _E, _l("Paid by two programmes of different levels"),
          _l("A student is at one level in a semester, so one person cannot receive two of these programmes in "
             "the same semester.")),
    Check("AMOUNT_STANDARD", _E, _l("Amount differs from the standard"),
          _l("The amount must be one of the tier amounts in force for the programme in the semester (standards "
             "table), and the amount of the tier given in the roster when it names one.")),
    Check("STANDARD_MISSING", _W, _l("No standard for the programme"),
          _l("The standards table has no amount in force for the programme in the semester, so the amounts "
             "could not be checked.")),
    Check("SYS_MISSING", _E, _l("Paid but not in the national system"),
          _l("Everyone paid according to the roster must appear in the national system export for the "
             "semester."), InputKind.SYSTEM),
    Check("ROSTER_MISSING", _E, _l("In the national system but not paid"),
          _l("Everyone in the national system export for the semester must appear in the roster."),
          InputKind.SYSTEM),
    Check("SYS_PROGRAMME", _E, _l("Programme differs from the national system"),
          _l("A person's programmes in the roster and in the national system export must be the same."),
          InputKind.SYSTEM),
    Check("SYS_AMOUNT", _E, _l("Amount differs from the national system"),
          _l("For each person and programme, the amount in the roster must equal the amount in the national "
             "system export."), InputKind.SYSTEM),
    Check("NOT_ENROLLED", _E, _l("Recipient not enrolled"),
          _l("Every recipient must be on the enrolment list, with a status that means they are at school "
             "(not transferred out, suspended, dropped out or graduated)."), InputKind.ENROLMENT),
    Check("ENROL_SCHOOL", _W, _l("Enrolled at another school"),
          _l("A recipient should be paid by the school where the enrolment list has them."), InputKind.ENROLMENT),
    Check("SPECIAL_UNCOVERED", _E, _l("Special-group student not covered"),
          _l("Students of the schools checked who are on a special-group list (formerly registered poor, "
             "dibao, destitute, orphan, disabled) must all receive aid."), InputKind.SPECIAL),
    Check("SPECIAL_TIER", _E, _l("Special-group student below the top tier"),
          _l("Students on a special-group list must receive the top tier of their programme's standard."),
          InputKind.SPECIAL),
    Check("REPORTED_COUNT", _E, _l("Headcount differs from the reported figure"),
          _l("Per school and programme, the number of recipients in the roster must equal the number the school "
             "reported."), InputKind.REPORTED),
    Check("REPORTED_TOTAL", _E, _l("Total differs from the reported figure"),
          _l("Per school and programme, the sum paid in the roster must equal the sum the school reported."),
          InputKind.REPORTED),
    Check("CARD_HOLDER", _W, _l("Card holder is not the student"),
          _l("The name on the bank card should be the student's own name as on the ID card; a card in another "
             "name must be explained.")),
    Check("CARD_SHARED", _W, _l("One card for several students"),
          _l("One bank card must not be shared by several recipients.")),
]}


def rule_text(code: str) -> str:
    return str(CHECKS[code].rule)


def title(code: str) -> str:
    return str(CHECKS[code].title)


def yuan(cents: int | None) -> str:
    if cents is None:
        return "—"
    return f"{cents / 100:,.2f}"


def _amount_standard(p: dict[str, t.Any]) -> str:
    allowed = "/".join(yuan(c) for c in p["allowed"])
    if p.get("tier"):
        return _("%(amount)s yuan paid at tier %(tier)d, whose standard is %(expected)s yuan (%(programme)s, "
                 "%(semester)s).", amount=yuan(p["cents"]), tier=p["tier"], expected=yuan(p.get("expected")),
                 programme=p["programme"], semester=p["semester"])
    if p["cents"] < min(p["allowed"]):
        return _("%(amount)s yuan is less than the standard %(allowed)s yuan (%(programme)s, %(semester)s): "
                 "underpaid.", amount=yuan(p["cents"]), allowed=allowed, programme=p["programme"],
                 semester=p["semester"])
    if p["cents"] > max(p["allowed"]):
        return _("%(amount)s yuan is more than the standard %(allowed)s yuan (%(programme)s, %(semester)s): "
                 "overpaid.", amount=yuan(p["cents"]), allowed=allowed, programme=p["programme"],
                 semester=p["semester"])
    return _("%(amount)s yuan is not one of the tiers %(allowed)s yuan (%(programme)s, %(semester)s).",
             amount=yuan(p["cents"]), allowed=allowed, programme=p["programme"], semester=p["semester"])


def _not_enrolled(p: dict[str, t.Any]) -> str:
    if p.get("status"):
        return _("The enrolment list gives the status “%(status)s”.", status=p["status"])
    return _("Not on the enrolment list.")


# What exactly is wrong in a discrepancy of each check, from its params.
_DESCRIPTIONS: dict[str, t.Callable[[dict[str, t.Any]], str]] = {
    "ID_FORMAT": lambda p: _("“%(value)s” is not an ID number.", value=p.get("value", "")),
    "ID_CHECKSUM": lambda p: _("%(value)s: the check character should be %(expected)s.", value=p["value"],
                               expected=p["expected"]),
    "ID_DATE": lambda p: _("%(value)s: digits 7–14 are not a real past date.", value=p["value"]),
    "ID_AREA": lambda p: _("%(value)s: “%(prefix)s” is not a province code.", value=p["value"],
                           prefix=p["value"][:2]),
    "ID_AGE": lambda p: _("Aged %(age)d at the start of the semester; %(level)s expects %(low)d–%(high)d.",
                          age=p["age"], level=p["level"], low=p["low"], high=p["high"]),
    "ID_SEX": lambda p: _("The roster says %(roster)s; the ID number says %(id)s.", roster=p["roster"], id=p["id"]),
    "ID_MISSING": lambda p: _("No ID number; student number %(no)s.", no=p.get("student_no", "")),
    "DUP_SCHOOL": lambda p: _("Paid %(n)d times by %(programme)s in this semester.", n=p["n"],
                              programme=p["programme"]),
    "DUP_CROSS": lambda p: _("Also paid by %(programme)s at %(others)s.", programme=p["programme"],
                             others="、".join(p["others"])),
    "DUP_EXCLUSIVE": lambda p: _("Paid by %(programmes)s in the same semester.",
                                 programmes="、".join(p["programmes"])),
    "AMOUNT_STANDARD": _amount_standard,
    "STANDARD_MISSING": lambda p: _("%(n)d rows of %(programme)s: no standard in force in %(semester)s.", n=p["n"],
                                    programme=p["programme"], semester=p["semester"]),
    "SYS_MISSING": lambda p: _("Paid %(amount)s yuan by %(programme)s; not in the national system export.",
                               amount=yuan(p["cents"]), programme=p["programme"]),
    "ROSTER_MISSING": lambda p: _("The national system shows %(amount)s yuan of %(programme)s; not in the roster.",
                                  amount=yuan(p["cents"]), programme=p["programme"]),
    "SYS_PROGRAMME": lambda p: _("Roster: %(roster)s; national system: %(system)s.", roster="、".join(p["roster"]),
                                 system="、".join(p["system"])),
    "SYS_AMOUNT": lambda p: _("%(programme)s: roster %(roster)s yuan, national system %(system)s yuan.",
                              programme=p["programme"], roster=yuan(p["roster"]), system=yuan(p["system"])),
    "NOT_ENROLLED": _not_enrolled,
    "ENROL_SCHOOL": lambda p: _("Enrolled at %(school)s.", school=p["school"]),
    "SPECIAL_UNCOVERED": lambda p: _("On the list of %(groups)s; receives no aid in this semester.",
                                     groups="、".join(p["groups"])),
    "SPECIAL_TIER": lambda p: _("On the list of %(groups)s; paid %(amount)s yuan, the top tier is %(top)s yuan.",
                                groups="、".join(p["groups"]), amount=yuan(p["cents"]), top=yuan(p["top"])),
    "REPORTED_COUNT": lambda p: _("%(programme)s: %(roster)d in the roster, %(reported)d reported.",
                                  programme=p["programme"], roster=p["roster"], reported=p["reported"]),
    "REPORTED_TOTAL": lambda p: _("%(programme)s: %(roster)s yuan in the roster, %(reported)s yuan reported.",
                                  programme=p["programme"], roster=yuan(p["roster"]), reported=yuan(p["reported"])),
    "CARD_HOLDER": lambda p: _("The card is in the name of %(holder)s.", holder=p["holder"]),
    "CARD_SHARED": lambda p: _("Card %(card)s is used by %(n)d recipients.", card=p["card"], n=p["n"]),
}


def describe(code: str, params: dict[str, t.Any]) -> str:
    """What exactly is wrong in one discrepancy, in the current language."""
    describer = _DESCRIPTIONS.get(code)
    return describer(params) if describer is not None else code
