"""Document numbers (发文字号): given once, when a document is first issued, and kept.

Numbers run per kind and year: the first 整改通知书 of 2026 is ``渭资助〔2026〕1号``, the next
``渭资助〔2026〕2号``. The prefix is ``DOC_PREFIX`` (``INSPECT_DOC_PREFIX``); ``DOC_PREFIXES`` may give
a kind its own (``{"notice": "渭资助函"}``) so that two kinds never share a number. A document is
known by its subject (kind, campaign, school, month): building it again finds the number it was
given, in whatever year that was. A document is issued when a job or ``reports build`` first builds
it, and a school's 整改通知书 when its first problem is confirmed; a GET never writes a number.
"""

from __future__ import annotations

import typing as t
from datetime import date

import sqlalchemy as sa
from flask import current_app

from ..core.database import insert_or_skip
from ..db import local_today
from ..db import utcnow
from ..extensions import db
from ..rectification.models import Rectification
from .models import IssuedDocument
from .request import ReportRequest

if t.TYPE_CHECKING:
    from ..auth.models import User

# The kinds the office issues under its own number; a school's 整改情况报告 is the school's.
NUMBERED_KINDS = ("investigation", "notice", "monthly", "provincial")
ATTEMPTS = 5


def subject_of(request: ReportRequest) -> str:
    """Which document a request stands for, as the register keeps it."""
    parts = [f"campaign:{request.campaign.id}"]
    if request.school is not None:
        parts.append(f"school:{request.school.id}")
    if request.month is not None:
        parts.append(f"month:{request.month[0]:04d}-{request.month[1]:02d}")
        parts.append("campaigns:" + ",".join(str(c.id) for c in request.campaigns))
    return "/".join(parts)


def prefix_for(kind: str) -> str:
    config = current_app.config
    default = config["PROVINCE_DOC_PREFIX"] if kind == "provincial" else config["DOC_PREFIX"]
    return (config.get("DOC_PREFIXES") or {}).get(kind) or default


def format_number(prefix: str, year: int, number: int) -> str:
    """渭资助〔2026〕3号: the year in 六角括号, no 第 and no leading zero (GB/T 9704 7.2.5)."""
    return f"{prefix}〔{year}〕{number}号"


def issued(request: ReportRequest) -> IssuedDocument | None:
    """The number a document was given, if it has been issued."""
    return db.session.scalar(sa.select(IssuedDocument).where(
        IssuedDocument.kind == request.kind, IssuedDocument.subject == subject_of(request)))


def issue(request: ReportRequest, *, actor: User | None = None, today: date | None = None) -> IssuedDocument | None:
    """The document's number: the one it was given, or the next of its kind and year; None if not numbered."""
    if request.kind not in NUMBERED_KINDS:
        return None
    school_id = request.school.id if request.school else None
    issue_once(db.session.connection(), request.kind, subject_of(request), campaign_id=request.campaign.id,
               school_id=school_id, issued_by_id=actor.id if actor is not None else None, today=today)
    return issued(request)


def issue_once(connection: sa.Connection, kind: str, subject: str, *, campaign_id: int | None,
               school_id: int | None, issued_by_id: int | None, today: date | None = None) -> None:
    """Give ``subject`` the next number of ``kind`` and the year unless it has one, on ``connection``.

    Written with INSERT … ON CONFLICT DO NOTHING: when another transaction takes the same number
    first, nothing is written and the next number is tried, so issuing never fails the caller's work.
    """
    table = IssuedDocument.__table__
    year = (today or local_today()).year
    prefix = prefix_for(kind)
    for _attempt in range(ATTEMPTS):
        if connection.scalar(sa.select(table.c.id).where(table.c.kind == kind, table.c.subject == subject)):
            return
        number = (connection.scalar(sa.select(sa.func.max(table.c.number))
                                    .where(table.c.kind == kind, table.c.year == year)) or 0) + 1
        connection.execute(insert_or_skip(IssuedDocument, connection=connection).values(
            kind=kind, subject=subject, year=year, number=number, doc_number=format_number(prefix, year, number),
            campaign_id=campaign_id, school_id=school_id, issued_at=utcnow(), issued_by_id=issued_by_id,
        ))
    raise RuntimeError(f"no document number could be issued for {kind} after {ATTEMPTS} attempts")


def _notice_with_the_first_problem(_mapper: t.Any, connection: sa.Connection, rect: Rectification) -> None:
    """A school's 整改通知书 is issued when its first problem of a campaign is confirmed (its rectification
    begins): the number is given then, in the same transaction, so the notice a school downloads (a GET,
    which changes nothing) already carries it."""
    finding = rect.finding
    subject = f"campaign:{finding.campaign_id}/school:{finding.school_id}"
    issue_once(connection, "notice", subject, campaign_id=finding.campaign_id, school_id=finding.school_id,
               issued_by_id=finding.decided_by_id)


def connect_signals() -> None:
    """Number a school's notice when its first problem is confirmed; connecting twice changes nothing."""
    if not sa.event.contains(Rectification, "after_insert", _notice_with_the_first_problem):
        sa.event.listen(Rectification, "after_insert", _notice_with_the_first_problem)
