"""The words of each kind of notification, written in the reader's language when shown or mailed."""

from __future__ import annotations

import typing as t
from datetime import date

from flask_babel import gettext as _

from ..core.i18n import local_date


def message_date(value: t.Any) -> str:
    """A date (or its ISO text, as kept in the parameters) as the reader's calendar writes it."""
    if isinstance(value, date):
        return local_date(value)
    try:
        return local_date(date.fromisoformat(str(value)))
    except ValueError:
        return str(value or "")


def message(kind: str, params: dict[str, t.Any]) -> str:
    """One sentence saying what happened or what is due."""
    if kind.startswith("submission."):
        return submission_message(kind, params)
    return work_message(kind, params)


def work_message(kind: str, params: dict[str, t.Any]) -> str:
    """The sentences of problems, their rectification and deadlines."""
    p = {"reference": params.get("reference", ""), "school": params.get("school", ""),
         "note": params.get("note") or "", "date": message_date(params.get("date"))}
    days = int(params.get("days") or 0)
    if kind == "rectification.opened":
        return _("A problem found at your school was confirmed: %(reference)s, to be rectified by %(date)s.", **p)
    if kind == "rectification.submitted":
        return _("%(school)s submitted %(reference)s for verification.", **p)
    if kind == "rectification.returned":
        return _("%(reference)s was returned to the school: %(note)s", **p)
    if kind == "rectification.partial":
        return _("%(reference)s was verified as partly rectified: %(note)s", **p)
    if kind == "rectification.closed":
        return _("%(reference)s was verified and closed.", **p)
    if kind == "rectification.deadline":
        return _("The deadline of %(reference)s was changed to %(date)s.", **p)
    if kind == "finding.comment":
        return _("%(author)s commented on %(reference)s: %(note)s", author=params.get("author", ""), **p)
    if kind == "extension.requested":
        return _("%(school)s asks to extend the deadline of %(reference)s to %(date)s.", **p)
    if kind == "extension.approved":
        return _("The extension of %(reference)s was approved: the new deadline is %(date)s.", **p)
    if kind == "extension.rejected":
        return _("The extension of %(reference)s was rejected: %(note)s", **p)
    if kind == "reminder.due_7":
        return _("%(reference)s is due on %(date)s, in %(n)d days.", n=days, **p)
    if kind == "reminder.due_1":
        if days <= 0:
            return _("%(reference)s is due today, %(date)s.", **p)
        return _("%(reference)s is due tomorrow, %(date)s.", **p)
    if kind == "reminder.overdue":
        return _("%(reference)s passed its deadline of %(date)s and is overdue.", **p)
    return kind


def report_name(kind: str, period: str) -> str:
    """A report sent to the province, named with its period: 2026-11 月报, or a campaign's report."""
    if kind == "investigation":
        return _("the investigation report of “%(campaign)s”", campaign=period)
    return _("the 月报 of %(month)s", month=period)


def submission_message(kind: str, params: dict[str, t.Any]) -> str:
    """The sentences of 报送: a report arrived, returned or accepted, due soon or overdue."""
    p = {"city": params.get("city", ""), "report": report_name(str(params.get("kind", "")),
                                                              str(params.get("period", ""))),
         "note": params.get("note") or "", "date": message_date(params.get("date"))}
    days = int(params.get("days") or 0)
    if kind == "submission.arrived":
        return _("%(city)s sent %(report)s.", **p)
    if kind == "submission.returned":
        return _("The province returned %(report)s: %(note)s", **p)
    if kind == "submission.accepted":
        return _("The province accepted %(report)s.", **p)
    if kind == "submission.due_soon":
        if days <= 0:
            return _("%(city)s: %(report)s is due today, %(date)s.", **p)
        return _("%(city)s: %(report)s is due on %(date)s, in %(n)d days.", n=days, **p)
    if kind == "submission.overdue":
        return _("%(city)s: %(report)s was due on %(date)s and has not been sent.", **p)
    return kind


def subject(kind: str, params: dict[str, t.Any]) -> str:
    """The subject line of a reminder e-mail."""
    p = {"reference": params.get("reference", ""), "school": params.get("school", "")}
    if kind == "reminder.overdue":
        return _("[Student-aid inspection] Overdue: %(reference)s, %(school)s", **p)
    return _("[Student-aid inspection] Rectification deadline: %(reference)s, %(school)s", **p)
