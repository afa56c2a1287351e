"""Document numbers (发文字号): given once, when a document is first issued, and kept.

Numbers run per kind and year: the first 整改通知书 of 2026 is ``渭资助〔2026〕1号``, the next
``渭资助〔2026〕2号``. The prefix is ``DOC_PREFIX`` (``INSPECT_DOC_PREFIX``); ``DOC_PREFIXES`` may give
a kind its own (``{"notice": "渭资助函"}``) so that two kinds never share a number. A document is
known by its subject (kind, campaign, school, month): building it again finds the number it was
given, in whatever year that was.
"""

from __future__ import annotations

import typing as t
from datetime import date

import sqlalchemy as sa
from flask import current_app

from ..db import local_today
from ..extensions import db
from .models import IssuedDocument

if t.TYPE_CHECKING:
    from ..auth.models import User
    from .services import ReportRequest

# The kinds the office issues under its own number; a school's 整改情况报告 is the school's.
NUMBERED_KINDS = ("investigation", "notice", "monthly")
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
    return (config.get("DOC_PREFIXES") or {}).get(kind) or config["DOC_PREFIX"]


def format_number(prefix: str, year: int, number: int) -> str:
    """渭资助〔2026〕3号: the year in 六角括号, no 第 and no leading zero (GB/T 9704 7.2.5)."""
    return f"{prefix}〔{year}〕{number}号"


def issued(request: ReportRequest) -> IssuedDocument | None:
    """The number a document was given, if it has been issued."""
    return db.session.scalar(sa.select(IssuedDocument).where(
        IssuedDocument.kind == request.kind, IssuedDocument.subject == subject_of(request)))


def issue(request: ReportRequest, *, actor: User | None = None, today: date | None = None) -> IssuedDocument | None:
    """The document's number: the one it was given, or the next of its kind and year; None if not numbered.

    Two workers issuing at once cannot take the same number: the unique constraints refuse the second,
    which then reads the register again (inside a savepoint, so the caller's work is kept).
    """
    if request.kind not in NUMBERED_KINDS:
        return None
    year = (today or local_today()).year
    prefix = prefix_for(request.kind)
    for _attempt in range(ATTEMPTS):
        existing = issued(request)
        if existing is not None:
            return existing
        last = db.session.scalar(sa.select(sa.func.max(IssuedDocument.number)).where(
            IssuedDocument.kind == request.kind, IssuedDocument.year == year)) or 0
        document = IssuedDocument(
            kind=request.kind, subject=subject_of(request), year=year, number=last + 1,
            doc_number=format_number(prefix, year, last + 1), campaign_id=request.campaign.id,
            school_id=request.school.id if request.school else None,
            issued_by_id=actor.id if actor is not None else None,
        )
        try:
            with db.session.begin_nested():
                db.session.add(document)
        except sa.exc.IntegrityError:
            continue
        return document
    raise RuntimeError(f"no document number could be issued for {request.kind} after {ATTEMPTS} attempts")
