"""The read API for other systems (``/api/v1/data/…``): scoped queries, keyset pages and rows as JSON.

Each collection starts from the query its own feature keeps for the pages (``campaign_query``,
``school_query``, ``visit_list_query``, ``finding_query``, ``rectification_query``), narrowed where a
role sees less on the pages than in a list by the SQL twin of the feature's ``can_view_*`` check
(``visit_filter``, ``finding_filter``); no scope rule is written here.

Rows come in the order (``updated_at``, ``id``), a page at a time: the cursor of a page names the last
row it holds, and the next page starts after it. A row changed since it was read moves to the end and
comes again. ``updated_since`` keeps the rows changed at or after a moment. A page is read in a fixed
number of statements whatever its size (a visit's score, the findings' sections and the
rectifications' findings are loaded with the page).
"""

from __future__ import annotations

import base64
import binascii
import typing as t
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..auth.models import User
from ..campaigns.models import Campaign
from ..campaigns.models import CampaignStatus
from ..campaigns.services import campaign_query
from ..checklists.models import ChecklistItem
from ..checklists.models import Severity
from ..core.inputs import MAX_ID
from ..core.privacy import mask_id_numbers_in
from ..db import local_today
from ..errors import ValidationFailed
from ..extensions import db
from ..findings.models import Finding
from ..findings.models import FindingStatus
from ..findings.permissions import finding_filter
from ..findings.services import finding_query
from ..rectification.models import Rectification
from ..rectification.models import RectificationStatus
from ..rectification.services import rectification_query
from ..schools.models import City
from ..schools.models import County
from ..schools.models import School
from ..schools.services import school_query
from ..visits.figures import visit_scores
from ..visits.models import Visit
from ..visits.models import VisitStatus
from ..visits.permissions import visit_filter
from ..visits.scoring import VisitScore
from ..visits.services import visit_list_query

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
# The longest code a filter names (campaigns.code holds 32 characters, schools.code 10).
MAX_CODE = 64
MAX_CURSOR = 200

E = t.TypeVar("E", bound=StrEnum)
Row = dict[str, t.Any]


def _invalid(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[name])


# --- parameters ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last row's ``updated_at`` and ``id``."""

    updated_at: datetime
    id: int

    def encode(self) -> str:
        text = f"{self.updated_at.astimezone(UTC).isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            if len(token) > MAX_CURSOR:
                raise ValueError(token)
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            stamp, _sep, number = text.partition("|")
            moment, row_id = datetime.fromisoformat(stamp), int(number)
            if moment.tzinfo is None or not 0 < row_id <= MAX_ID:
                raise ValueError(token)
            return cls(moment.astimezone(UTC), row_id)
        except (ValueError, OverflowError, binascii.Error, UnicodeError):
            raise _invalid("cursor", _("“%(name)s” is not a cursor this API gave out: send the “next_cursor” of "
                                       "the page before, unchanged.", name="cursor")) from None


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    after: Cursor | None = None
    updated_since: datetime | None = None


def parse_time(args: Mapping[str, str], name: str) -> datetime | None:
    """An ISO 8601 date and time with its offset (``Z`` for UTC), as UTC; None when absent."""
    value = args.get(name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().upper().replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise ValueError(value)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _invalid(name, _("“%(name)s” is not a date and time with its offset (ISO 8601), such as "
                               "2026-11-27T08:00:00+08:00 or 2026-11-27T00:00:00Z.", name=name)) from None


def parse_page(args: Mapping[str, str]) -> PageRequest:
    """``limit`` (1 to MAX_LIMIT), ``cursor`` and ``updated_since``."""
    text = args.get("limit")
    limit = DEFAULT_LIMIT
    if text is not None:
        if not (text.isascii() and text.isdigit() and len(text) <= 6 and 1 <= int(text) <= MAX_LIMIT):
            raise _invalid("limit", _("“%(name)s” is a whole number from 1 to %(max)d.", name="limit",
                                      max=MAX_LIMIT))
        limit = int(text)
    cursor = args.get("cursor")
    return PageRequest(limit=limit, after=Cursor.decode(cursor) if cursor is not None else None,
                       updated_since=parse_time(args, "updated_since"))


def parse_choice(args: Mapping[str, str], name: str, enum: type[E]) -> E | None:
    """One of ``enum``'s values, by its machine code; None when absent."""
    value = args.get(name)
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        raise _invalid(name, _("“%(name)s” is one of %(values)s.", name=name,
                               values=", ".join(m.value for m in enum))) from None


def parse_code(args: Mapping[str, str], name: str) -> str | None:
    """A code (a campaign's, a school's) to filter by; None when absent."""
    value = args.get(name)
    if value is None:
        return None
    if not value.strip() or len(value) > MAX_CODE:
        raise _invalid(name, _("“%(name)s” is a code of 1 to %(max)d characters.", name=name, max=MAX_CODE))
    return value.strip()


def parse_id(args: Mapping[str, str], name: str) -> int | None:
    """A row's id (a city's) to filter by; None when absent."""
    value = args.get(name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_ID:
        raise _invalid(name, _("“%(name)s” is a whole number from 1 to %(max)d.", name=name, max=MAX_ID))
    return int(value)


def parse_flag(args: Mapping[str, str], name: str) -> bool | None:
    """``true`` or ``false`` (also 1 or 0); None when absent."""
    value = args.get(name)
    if value is None:
        return None
    flags = {"true": True, "1": True, "false": False, "0": False}
    if value.lower() not in flags:
        raise _invalid(name, _("“%(name)s” is true or false.", name=name))
    return flags[value.lower()]


# --- pages ---------------------------------------------------------------------------------------------


@dataclass
class Page:
    items: list[Row]
    next_cursor: str | None


M = t.TypeVar("M", Campaign, School, Visit, Finding, Rectification)


def _keyset(stmt: sa.Select[t.Any], model: type[M], page: PageRequest) -> tuple[list[M], str | None]:
    """A page of ``stmt``'s rows in the order (updated_at, id), and the cursor of the next page (None: last)."""
    stmt = stmt.order_by(None).order_by(model.updated_at, model.id)
    if page.updated_since is not None:
        stmt = stmt.where(model.updated_at >= page.updated_since)
    if page.after is not None:
        stmt = stmt.where(sa.or_(model.updated_at > page.after.updated_at,
                                 sa.and_(model.updated_at == page.after.updated_at, model.id > page.after.id)))
    rows = list(db.session.scalars(stmt.limit(page.limit + 1)).unique())
    if len(rows) <= page.limit:
        return rows, None
    rows = rows[:page.limit]
    return rows, Cursor(rows[-1].updated_at, rows[-1].id).encode()


def _campaign_ids(code: str) -> sa.Select[int]:
    return sa.select(Campaign.id).where(Campaign.code == code)


def _in_city(city_id: int) -> sa.ColumnElement[bool]:
    """Rows of a school of the city ``city_id`` (joined to School)."""
    return School.county_id.in_(County.ids_of_city(city_id))


def _at_schools(stmt: sa.Select[t.Any], campaign_col: t.Any, *, city: int | None, campaign: str | None,
                school: str | None) -> sa.Select[t.Any]:
    """The filters of the rows that belong to a school's visit: its city, its campaign (code), its school (code)."""
    if city is not None:
        stmt = stmt.where(_in_city(city))
    if campaign is not None:
        stmt = stmt.where(campaign_col.in_(_campaign_ids(campaign)))
    if school is not None:
        stmt = stmt.where(School.code == school)
    return stmt


def campaigns_page(viewer: User, page: PageRequest, *, status: CampaignStatus | None = None,
                   city: int | None = None) -> Page:
    stmt = campaign_query(viewer).options(orm.joinedload(Campaign.county), orm.joinedload(Campaign.city))
    if status is not None:
        stmt = stmt.where(Campaign.status == status)
    if city is not None:
        stmt = stmt.where(Campaign.city_id == city)
    rows, cursor = _keyset(stmt, Campaign, page)
    return Page([campaign_json(c) for c in rows], cursor)


def schools_page(viewer: User, page: PageRequest, *, county_code: str | None = None,
                 active: bool | None = None, city: int | None = None) -> Page:
    stmt = school_query(viewer).options(orm.joinedload(School.county).joinedload(County.city))
    if city is not None:
        stmt = stmt.where(_in_city(city))
    if county_code is not None:
        stmt = stmt.where(School.county.has(code=county_code))
    if active is not None:
        stmt = stmt.where(School.active.is_(active))
    rows, cursor = _keyset(stmt, School, page)
    return Page([school_json(s) for s in rows], cursor)


def visits_page(viewer: User, page: PageRequest, *, campaign: str | None = None, school: str | None = None,
                status: VisitStatus | None = None, city: int | None = None) -> Page:
    stmt = _at_schools(visit_list_query(viewer, status=status).where(visit_filter(viewer, School.county_id)),
                       Visit.campaign_id, city=city, campaign=campaign, school=school)
    rows, cursor = _keyset(stmt, Visit, page)
    scores = visit_scores(rows)
    return Page([visit_json(v, scores.get(v.id)) for v in rows], cursor)


def findings_page(viewer: User, page: PageRequest, *, campaign: str | None = None, school: str | None = None,
                  status: FindingStatus | None = None, severity: Severity | None = None,
                  city: int | None = None) -> Page:
    stmt = (finding_query(viewer, status=status).where(finding_filter(viewer, School.county_id))
            .options(orm.joinedload(Finding.visit), orm.joinedload(Finding.item).joinedload(ChecklistItem.section)))
    stmt = _at_schools(stmt, Finding.campaign_id, city=city, campaign=campaign, school=school)
    if severity is not None:
        stmt = stmt.where(Finding.severity == severity)
    rows, cursor = _keyset(stmt, Finding, page)
    return Page([finding_json(f) for f in rows], cursor)


def rectifications_page(viewer: User, page: PageRequest, *, campaign: str | None = None,
                        school: str | None = None, status: RectificationStatus | None = None,
                        overdue: bool | None = None, city: int | None = None) -> Page:
    today = local_today()
    stmt = _at_schools(rectification_query(viewer, status=status).where(finding_filter(viewer, School.county_id)),
                       Finding.campaign_id, city=city, campaign=campaign, school=school)
    if overdue is not None:
        overdue_today = Rectification.overdue_on(today)
        stmt = stmt.where(overdue_today if overdue else sa.not_(overdue_today))
    rows, cursor = _keyset(stmt, Rectification, page)
    return Page([rectification_json(r, today) for r in rows], cursor)


# --- rows ----------------------------------------------------------------------------------------------


def iso_time(value: datetime | None) -> str | None:
    """UTC, ISO 8601 with ``Z``."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value is not None else None


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _state(value: t.Any) -> dict[str, str]:
    """A state as its stable machine code and its label in the caller's language."""
    return {"code": value.value, "label": value.label}


def _stamps(row: t.Any) -> Row:
    return {"created_at": iso_time(row.created_at), "updated_at": iso_time(row.updated_at)}


def _ref_campaign(c: Campaign) -> Row:
    return {"id": c.id, "code": c.code, "name": c.name}


def _ref_school(s: School) -> Row:
    return {"id": s.id, "code": s.code, "name": s.name}


def _ref_city(city: City | None) -> Row | None:
    return {"id": city.id, "code": city.code, "name": city.name} if city is not None else None


def campaign_json(c: Campaign) -> Row:
    county = {"id": c.county.id, "code": c.county.code, "name": c.county.name} if c.county else None
    return {"id": c.id, "code": c.code, "name": c.name, "term": c.term, "status": _state(c.status),
            "level": c.level, "city": _ref_city(c.city), "county": county, "cross_county": c.cross_county,
            "checklist_version_id": c.checklist_version_id,
            "starts_on": iso_date(c.starts_on), "ends_on": iso_date(c.ends_on),
            "default_due_on": iso_date(c.default_due_on), **_stamps(c)}


def school_json(s: School) -> Row:
    return {"id": s.id, "code": s.code, "name": s.name,
            "county": {"id": s.county.id, "code": s.county.code, "name": s.county.name},
            "city": _ref_city(s.county.city),
            "level": _state(s.level), "address": s.address, "active": s.active,
            "latitude": str(s.latitude) if s.latitude is not None else None,
            "longitude": str(s.longitude) if s.longitude is not None else None, **_stamps(s)}


def _decimal(value: t.Any) -> str | None:
    return str(value) if value is not None else None


def score_json(score: VisitScore | None) -> Row | None:
    if score is None or not score.scored:
        return None
    return {"score": _decimal(score.score), "full_marks": _decimal(score.full_marks),
            "percent": _decimal(score.percent), "vetoed": score.vetoed, "complete": score.complete,
            "answered": score.answered, "failed": score.failed, "unanswered": score.unanswered,
            "sections": [{"name": s.name, "label": s.label, "weight": _decimal(s.weight), "score": _decimal(s.score)}
                         for s in score.sections]}


def visit_json(v: Visit, score: VisitScore | None) -> Row:
    return {"id": v.id, "uuid": v.uuid, "campaign": _ref_campaign(v.campaign), "school": _ref_school(v.school),
            "checklist_version_id": v.checklist_version_id, "status": _state(v.status),
            "planned_on": iso_date(v.planned_on), "started_at": iso_time(v.started_at),
            "submitted_at": iso_time(v.submitted_at), "reviewed_at": iso_time(v.reviewed_at),
            "score": score_json(score), **_stamps(v)}


def finding_json(f: Finding) -> Row:
    section = f.item.section if f.item is not None else None
    return {"id": f.id, "reference": f.reference, "campaign": _ref_campaign(f.campaign),
            "school": _ref_school(f.school), "visit": {"id": f.visit_id, "uuid": f.visit.uuid},
            "item": f.item.name if f.item is not None else None,
            "section": {"name": section.name, "label": section.display_label} if section is not None else None,
            "severity": _state(f.severity), "status": _state(f.status), "description": f.description,
            "dismiss_reason": f.dismiss_reason, "decided_at": iso_time(f.decided_at),
            "rectification_id": f.rectification.id if f.rectification is not None else None, **_stamps(f)}


def rectification_json(r: Rectification, today: date) -> Row:
    f = r.finding
    return {"id": r.id, "finding": {"id": f.id, "reference": f.reference},
            "campaign": _ref_campaign(f.campaign), "school": _ref_school(f.school),
            "status": _state(r.status), "due_on": iso_date(r.due_on), "overdue": r.overdue_on(today),
            "opened_on": iso_date(r.opened_on), "submitted_at": iso_time(r.submitted_at),
            "verified_at": iso_time(r.verified_at), "closed_on": iso_date(r.closed_on), "measures": r.measures,
            "responsible_unit": r.responsible_unit, **_stamps(r)}


def paged(items: Sequence[Row], next_cursor: str | None, next_url: str | None, limit: int) -> Row:
    """The answer: the rows, a resident ID number in any of their texts masked, and the way on."""
    return {"items": mask_id_numbers_in(list(items)), "limit": limit, "next_cursor": next_cursor, "next": next_url}
