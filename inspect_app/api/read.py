"""The read API for other systems: campaigns, schools, visits with their scores, findings and
rectifications under ``/api/v1/data/``, a page at a time, in the caller's scope (see docs/api.md,
"Reading data from other systems"). The queries and the rows are :mod:`.services`'."""

from __future__ import annotations

import typing as t

from flask import jsonify
from flask import request
from flask import url_for
from flask_login import current_user

from ..auth.models import Role
from ..campaigns.models import CampaignStatus
from ..checklists.models import Severity
from ..core.permissions import STAFF
from ..core.permissions import roles_required
from ..findings.models import FindingStatus
from ..rectification.models import RectificationStatus
from ..visits.models import VisitStatus
from . import services as read
from .blueprint import bp

# The query parameters a page's ``next`` link carries over (besides the new cursor).
CARRIED = ("limit", "updated_since", "city", "campaign", "school", "county", "status", "severity", "overdue",
           "active")


def _answer(page: read.PageRequest, result: read.Page) -> t.Any:
    next_url = None
    if result.next_cursor is not None:
        carried: dict[str, t.Any] = {k: request.args[k] for k in CARRIED if k in request.args}
        next_url = url_for(t.cast(str, request.endpoint), **carried, cursor=result.next_cursor)
    return jsonify(read.paged(result.items, result.next_cursor, next_url, page.limit))


@bp.get("/data/campaigns")
@roles_required(*STAFF)
def data_campaigns() -> t.Any:
    """The campaigns in the caller's scope."""
    args, page = request.args, read.parse_page(request.args)
    return _answer(page, read.campaigns_page(current_user, page,
                                             status=read.parse_choice(args, "status", CampaignStatus),
                                             city=read.parse_id(args, "city")))


@bp.get("/data/schools")
@roles_required(*STAFF, Role.SCHOOL)
def data_schools() -> t.Any:
    """The schools in the caller's scope (a school's contact: their school)."""
    args, page = request.args, read.parse_page(request.args)
    return _answer(page, read.schools_page(current_user, page, county_code=read.parse_code(args, "county"),
                                           active=read.parse_flag(args, "active"), city=read.parse_id(args, "city")))


@bp.get("/data/visits")
@roles_required(*STAFF, Role.INSPECTOR)
def data_visits() -> t.Any:
    """The visits in the caller's scope (an inspector: those assigned to them), with their scores."""
    args, page = request.args, read.parse_page(request.args)
    return _answer(page, read.visits_page(current_user, page, campaign=read.parse_code(args, "campaign"),
                                          school=read.parse_code(args, "school"),
                                          status=read.parse_choice(args, "status", VisitStatus),
                                          city=read.parse_id(args, "city")))


@bp.get("/data/findings")
@roles_required(*STAFF, Role.INSPECTOR, Role.SCHOOL)
def data_findings() -> t.Any:
    """The findings the caller may see (a school's contact: their school's confirmed ones)."""
    args, page = request.args, read.parse_page(request.args)
    return _answer(page, read.findings_page(current_user, page, campaign=read.parse_code(args, "campaign"),
                                            school=read.parse_code(args, "school"),
                                            status=read.parse_choice(args, "status", FindingStatus),
                                            severity=read.parse_choice(args, "severity", Severity),
                                            city=read.parse_id(args, "city")))


@bp.get("/data/rectifications")
@roles_required(*STAFF, Role.INSPECTOR, Role.SCHOOL)
def data_rectifications() -> t.Any:
    """The rectifications of the findings the caller may see, with deadline and overdue flag."""
    args, page = request.args, read.parse_page(request.args)
    return _answer(page, read.rectifications_page(
        current_user, page, campaign=read.parse_code(args, "campaign"), school=read.parse_code(args, "school"),
        status=read.parse_choice(args, "status", RectificationStatus), overdue=read.parse_flag(args, "overdue"),
        city=read.parse_id(args, "city")))
