"""The permission walk: every route, every role, against an explicit table of expected answers.

The scene is the ``world`` fixture taken further: its visit (W1, 华州第一小学 in 华州区) is
answered, photographed and submitted, one of its two findings is confirmed, and the school has
recorded measures and uploaded evidence. A second campaign (W2) does the same at 临渭第二小学
in 临渭区, inspected by an inspector from 华州区, so that every scoped object exists on both
sides of each county and school boundary.

GET cells are the exact answer: 200, 403, 404, or the path of a redirect (``L``: the login page;
the JSON API answers 401 instead, ``U``). POST and PUT cells say how a refused role is answered;
``A`` marks the roles that may use the route, which the walk does not send
(``test_scope_holds_both_ways_for_actions`` does a few). A refused request must change nothing:
every table row and every uploaded file is compared before and after.

Columns of the tables, in ``World.by_role()`` order: anonymous, admin, city supervisor,
county supervisor of 华州区 (the inspected school's county), county supervisor of 临渭区,
the assigned inspector, an unassigned inspector, the contact of 华州第一小学, the contact of
临渭第二小学, the city viewer.
"""

from __future__ import annotations

import hashlib
import io
import re
import typing as t
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask import url_for
from flask.testing import FlaskClient
from PIL import Image

from inspect_app.archive import services as archive_services
from inspect_app.auth import services as auth_services
from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.campaigns import services as campaign_services
from inspect_app.campaigns.models import Campaign
from inspect_app.campaigns.permissions import can_view_campaign
from inspect_app.checklists.models import ChecklistItem
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.findings.models import Finding
from inspect_app.findings.models import FindingStatus
from inspect_app.findings.permissions import can_view_finding
from inspect_app.funds import services as funds_services
from inspect_app.funds.programmes import FundLine
from inspect_app.funds.programmes import FundSource
from inspect_app.funds.programmes import Semester
from inspect_app.media.models import Attachment
from inspect_app.notifications.models import Notification
from inspect_app.publicity import services as publicity_services
from inspect_app.rectification import evidence as evidence_services
from inspect_app.rectification import services as rect_services
from inspect_app.rectification.models import Rectification
from inspect_app.reports import jobs as report_jobs
from inspect_app.reports import services as report_services
from inspect_app.rosters import services as roster_services
from inspect_app.rosters.fields import InputKind
from inspect_app.rosters.models import Discrepancy
from inspect_app.rosters.models import ReconciliationRun
from inspect_app.schools import regions
from inspect_app.schools.models import School
from inspect_app.schools.permissions import can_view_school
from inspect_app.submissions.models import Submission
from inspect_app.submissions.models import SubmissionKind
from inspect_app.submissions.models import SubmissionState
from inspect_app.surveys import interviews as interview_services
from inspect_app.surveys import services as survey_services
from inspect_app.surveys.models import SurveyRound
from inspect_app.sync import services as sync_services
from inspect_app.sync.models import SyncOp
from inspect_app.visits import photos as photo_services
from inspect_app.visits import services as visit_services
from inspect_app.visits.models import Visit
from inspect_app.visits.permissions import can_view_visit
from tests.fixtures import DATA
from tests.fixtures import PASSWORD
from tests.fixtures import World
from tests.fixtures import answer_all

ROLES = ("anonymous", "admin", "supervisor", "county_supervisor", "other_county_supervisor",
         "inspector", "other_inspector", "school", "other_school", "viewer")

OK, NO, NF = 200, 403, 404
L = "/auth/login"  # redirected to the login page
U = 401            # the JSON API's answer to a request without a session or token
A = "allowed"      # POST table: the role may use the route; the walk does not send it
HOME = "/"         # auth.login answers a logged-in user with a redirect to the start page
OVERVIEW, MY_VISITS, MY_RECTS = "/overview", "/visits/mine", "/rectification/mine"
SUBS = "/submissions/province"  # the province's table, where /submissions/ sends the province's staff
CITY_SUBS = "/submissions/cities/1"  # the city's page, where /submissions/ sends a city's staff



def _workbook(header: list[str], *rows: list[str]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Workbooks an allowed user could import (a refused one must change nothing).
TEAMS_XLSX = _workbook(["检查组", "角色", "账号"], ["导入的检查组", "组长", "insp2"])
CONFLICTS_XLSX = _workbook(["检查员账号", "学校标识码", "回避原因"], ["insp", "2161030001", "曾在该校任教"])
INSPECTORS_XLSX = _workbook(["账号", "姓名", "所属区县", "联系电话", "初始密码"],
                            ["newinsp", "新检查员", "华州区", "13800000000", "river-lamp-42"])

Expected = int | str
Row = tuple[Expected, ...]  # one cell per role, in ROLES order

# A case is an endpoint, optionally with "@variant" when the same route is tried on another object.
# Unmarked object cases use the W1 objects in 华州区; "@linwei" cases the W2 objects in 临渭区.
GET_EXPECTED: dict[str, Row] = {
    # case                          anon  admin city  hz    lw    insp  insp2 sch   sch2  view
    "api.checklist":               (U,    OK,   OK,   OK,   OK,   OK,   NF,   NO,   NO,   OK),
    "api.csrf_token":              (OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "api.get_media":               (U,    OK,   OK,   OK,   NF,   OK,   NF,   NO,   NO,   OK),
    "api.me":                      (U,    OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "api.openapi":                 (OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "api.visit":                   (U,    OK,   OK,   OK,   NF,   OK,   NF,   NO,   NO,   OK),
    "api.visit@linwei":            (U,    OK,   OK,   NF,   OK,   NF,   NF,   NO,   NO,   OK),
    "api.visits":                  (U,    OK,   OK,   OK,   OK,   OK,   OK,   NO,   NO,   OK),
    "api.export_csv":              (U,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "api.export_csv@linwei":       (U,    OK,   OK,   NF,   OK,   NO,   NO,   NO,   NO,   OK),
    "api.export_xlsx":             (U,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "api.data_campaigns":          (U,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   OK),
    "api.data_schools":            (U,    OK,   OK,   OK,   OK,   NO,   NO,   OK,   OK,   OK),
    "api.data_visits":             (U,    OK,   OK,   OK,   OK,   OK,   OK,   NO,   NO,   OK),
    "api.data_findings":           (U,    OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "api.data_rectifications":     (U,    OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "audit.index":                 (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   NO),
    "auth.account":                (L,    OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "auth.login":                  (OK,   HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME),
    "auth.new_user":               (L,    OK,   NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "auth.password":               (L,    OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "auth.users":                  (L,    OK,   NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "campaigns.add_schools":       (L,    OK,   OK,   NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.board":             (L,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "campaigns.board@linwei":      (L,    OK,   OK,   NF,   OK,   NO,   NO,   NO,   NO,   OK),
    "campaigns.conflicts":         (L,    OK,   OK,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "campaigns.conflicts_template": (L,   OK,   OK,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "campaigns.edit":              (L,    OK,   OK,   NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.index":             (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   OK),
    "campaigns.inspectors":        (L,    OK,   OK,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "campaigns.inspectors_template": (L,  OK,   OK,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "campaigns.new":               (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   NO),
    "campaigns.plan_notice":       (L,    OK,   OK,   NO,   NF,   NO,   NO,   NO,   NO,   OK),
    "campaigns.plan_xlsx":         (L,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "campaigns.sample":            (L,    OK,   OK,   NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.schedule":          (L,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "campaigns.show":              (L,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "campaigns.show@linwei":       (L,    OK,   OK,   NF,   OK,   NO,   NO,   NO,   NO,   OK),
    "campaigns.team_edit":         (L,    OK,   OK,   NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.team_edit@linwei":  (L,    OK,   OK,   NF,   OK,   NO,   NO,   NO,   NO,   NO),
    "campaigns.team_new":          (L,    OK,   OK,   NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.teams":             (L,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "campaigns.teams_import":      (L,    OK,   OK,   NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.teams_template":    (L,    OK,   OK,   NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "checklists.index":            (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   NO),
    "checklists.version":          (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   NO),
    "checklists.preview":          (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   NO),
    "checklists.changes":          (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   NO),
    "dashboard.home":              (L,    OVERVIEW, OVERVIEW, OVERVIEW, OVERVIEW, MY_VISITS, MY_VISITS,
                                    MY_RECTS, MY_RECTS, OVERVIEW),
    "dashboard.index":             (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   OK),
    "dashboard.regions":           (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   OK),
    "findings.index":              (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   OK),
    "findings.show":               (L,    OK,   OK,   OK,   NF,   OK,   NF,   OK,   NF,   OK),
    "findings.show@raised":        (L,    OK,   OK,   OK,   NF,   OK,   NF,   NF,   NF,   OK),
    "findings.show@linwei":        (L,    OK,   OK,   NF,   OK,   NF,   NF,   NF,   OK,   OK),
    "healthz":                     (OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "readyz":                      (OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "funds.index":                 (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   OK),
    "funds.standards":             (L,    OK,   OK,   OK,   OK,   OK,   OK,   NO,   NO,   OK),
    "media.file@photo":            (L,    OK,   OK,   OK,   NF,   OK,   NF,   OK,   NF,   OK),
    "media.file@site_photo":       (L,    OK,   OK,   OK,   NF,   OK,   NF,   NF,   NF,   OK),
    "media.file@evidence":         (L,    OK,   OK,   OK,   NF,   OK,   NF,   OK,   NF,   OK),
    "media.file@linwei_evidence":  (L,    OK,   OK,   NF,   OK,   NF,   NF,   NF,   OK,   OK),
    "notifications.index":         (L,    OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "help.index":                  (L,    OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "help.guide":                  (L,    OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "help.image":                  (L,    OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "rectification.index":         (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   OK),
    "rectification.ledger_export": (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   OK),
    "rectification.ledger_export@csv": (L, OK,  OK,   OK,   OK,   NO,   NO,   NO,   NO,   OK),
    "rectification.mine":          (L,    NO,   NO,   NO,   NO,   NO,   NO,   OK,   OK,   NO),
    "rectification.show":          (L,    OK,   OK,   OK,   NF,   OK,   NF,   OK,   NF,   OK),
    "rectification.show@linwei":   (L,    OK,   OK,   NF,   OK,   NF,   NF,   NF,   OK,   OK),
    "reports.download":            (L,    NF,   OK,   NF,   NF,   NO,   NO,   NO,   NO,   NF),
    "archive.show":                (L,    OK,   OK,   OK,   NF,   NF,   NF,   OK,   NF,   OK),
    "archive.show@linwei":         (L,    OK,   OK,   NF,   OK,   NF,   NF,   NF,   OK,   OK),
    "archive.download":            (L,    OK,   OK,   OK,   NF,   NF,   NF,   OK,   NF,   OK),
    "archive.download@linwei":     (L,    OK,   OK,   NF,   OK,   NF,   NF,   NF,   OK,   OK),
    "archive.mine":                (L,    NF,   NF,   NF,   NF,   NF,   NF,   OK,   OK,   NF),
    "archive.job":                 (L,    NF,   OK,   NF,   NF,   NF,   NF,   NF,   NF,   NF),
    "archive.job_status":          (L,    NF,   OK,   NF,   NF,   NF,   NF,   NF,   NF,   NF),
    "archive.job_download":        (L,    NF,   OK,   NF,   NF,   NF,   NF,   NF,   NF,   NF),
    "publicity.index":             (L,    OK,   OK,   OK,   OK,   NO,   NO,   OK,   OK,   OK),
    "publicity.new":               (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   NO),
    "publicity.school":            (L,    OK,   OK,   OK,   NF,   NO,   NO,   OK,   NF,   OK),
    "publicity.school@linwei":     (L,    OK,   OK,   NF,   OK,   NO,   NO,   NF,   OK,   OK),
    "publicity.notice":            (L,    OK,   OK,   OK,   NF,   NO,   NO,   OK,   NF,   OK),
    "publicity.document":          (L,    OK,   OK,   OK,   NF,   NO,   NO,   OK,   NF,   OK),
    "publicity.document@cards":    (L,    OK,   OK,   OK,   NF,   NO,   NO,   OK,   NF,   OK),
    "publicity.document_pdf":      (L,    OK,   OK,   OK,   NF,   NO,   NO,   OK,   NF,   OK),
    "reports.download_pdf":        (L,    NF,   OK,   NF,   NF,   NO,   NO,   NO,   NO,   NF),
    "reports.job":                 (L,    NF,   OK,   NF,   NF,   NO,   NO,   NO,   NO,   NF),
    "reports.job_status":          (L,    NF,   OK,   NF,   NF,   NO,   NO,   NO,   NO,   NF),
    "reports.raw_data":            (L,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "reports.raw_data@linwei":     (L,    OK,   OK,   NF,   OK,   NO,   NO,   NO,   NO,   OK),
    "reports.raw_data@csv":        (L,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "reports.school_document":     (L,    OK,   OK,   OK,   NF,   NO,   NO,   OK,   NF,   OK),
    "reports.school_document@linwei": (L, OK,   OK,   NF,   OK,   NO,   NO,   NF,   OK,   OK),
    "reports.school_document_pdf": (L,    OK,   OK,   OK,   NF,   NO,   NO,   OK,   NF,   OK),
    "rosters.index":               (L,    OK,   OK,   OK,   OK,   OK,   OK,   NO,   NO,   OK),
    "rosters.new":                 (L,    OK,   OK,   OK,   OK,   OK,   OK,   NO,   NO,   NO),
    "rosters.precision":           (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   OK),
    "rosters.show":                (L,    OK,   OK,   OK,   NF,   NF,   NF,   NO,   NO,   OK),
    "rosters.status":              (L,    OK,   OK,   OK,   NF,   NF,   NF,   NO,   NO,   OK),
    "rosters.discrepancies":       (L,    OK,   OK,   OK,   NF,   NF,   NF,   NO,   NO,   OK),
    "rosters.export":              (L,    OK,   OK,   OK,   NF,   NF,   NF,   NO,   NO,   OK),
    "rosters.input_file":          (L,    OK,   OK,   OK,   NF,   NF,   NF,   NO,   NO,   OK),
    "media.file@finding_file":     (L,    OK,   OK,   OK,   NF,   OK,   NF,   NF,   NF,   OK),
    "schools.import_schools":      (L,    OK,   OK,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "schools.regions_page":        (L,    OK,   NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "schools.import_template":     (L,    OK,   OK,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "schools.index":               (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   OK),
    "schools.show":                (L,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "schools.show@linwei":         (L,    OK,   OK,   NF,   OK,   NO,   NO,   NO,   NO,   OK),
    "submissions.index":           (L,    SUBS, CITY_SUBS, NO, NO,  NO,   NO,   NO,   NO,   CITY_SUBS),
    "submissions.city":            (L,    OK,   OK,   NO,   NO,   NO,   NO,   NO,   NO,   OK),
    "submissions.province":        (L,    OK,   NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "submissions.show":            (L,    OK,   OK,   NO,   NO,   NO,   NO,   NO,   NO,   OK),
    "submissions.download":        (L,    OK,   OK,   NO,   NO,   NO,   NO,   NO,   NO,   OK),
    "surveys.index":               (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   OK),
    "surveys.new":                 (L,    OK,   OK,   NF,   NF,   NO,   NO,   NO,   NO,   NO),
    "surveys.show":                (L,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "surveys.export":              (L,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "surveys.poster":              (L,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "surveys.poster@png":          (L,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "surveys.interviews_page":     (L,    OK,   OK,   NF,   NF,   NO,   NO,   NO,   NO,   NO),
    "surveys.call_sheet":          (L,    OK,   OK,   NF,   NF,   NO,   NO,   NO,   NO,   NO),
    "surveys.call":                (L,    OK,   OK,   NF,   NF,   NO,   NO,   NO,   NO,   NO),
    "survey_public.start":         (OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "survey_public.answer":        (OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "sync.fallback":               (OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "sync.history":                (L,    OK,   OK,   OK,   NF,   NO,   NO,   NO,   NO,   OK),
    "sync.history@linwei":         (L,    OK,   OK,   NF,   OK,   NO,   NO,   NO,   NO,   OK),
    "sync.offline_manifest":       (L,    NO,   NO,   NO,   NO,   OK,   OK,   NO,   NO,   NO),
    "sync.service_worker":         (OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "sync.web_manifest":           (OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK),
    "visits.index":                (L,    OK,   OK,   OK,   OK,   NO,   NO,   NO,   NO,   OK),
    "visits.mine":                 (L,    NO,   NO,   NO,   NO,   OK,   OK,   NO,   NO,   NO),
    "visits.score":                (L,    OK,   OK,   OK,   NF,   OK,   NF,   NO,   NO,   OK),
    "visits.show":                 (L,    OK,   OK,   OK,   NF,   OK,   NF,   NO,   NO,   OK),
    "visits.show@linwei":          (L,    OK,   OK,   NF,   OK,   NF,   NF,   NO,   NO,   OK),
}

# Which roles a POST route refuses, and how; "allowed" roles are not sent (they would change the scene).
POST_EXPECTED: dict[str, Row] = {
    # case                             anon  admin city  hz    lw    insp  insp2 sch   sch2  view
    "api.login":                      (A,    A,    A,    A,    A,    A,    A,    A,    A,    A),
    "api.ops":                        (U,    NO,   NO,   NO,   NO,   A,    NF,   NO,   NO,   NO),
    "api.submit":                     (U,    NO,   NO,   NO,   NO,   A,    NF,   NO,   NO,   NO),
    "auth.login":                     (A,    A,    A,    A,    A,    A,    A,    A,    A,    A),
    "auth.logout":                    (L,    A,    A,    A,    A,    A,    A,    A,    A,    A),
    "auth.new_user":                  (L,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "auth.password":                  (L,    A,    A,    A,    A,    A,    A,    A,    A,    A),
    "auth.revoke_token":              (L,    NF,   NF,   NF,   NF,   NF,   NF,   NF,   NF,   A),
    "auth.set_active":                (L,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "auth.sign_out_everywhere":       (L,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "campaigns.add_schools":          (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.assign":               (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.assign@team":          (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.auto_assign":          (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.conflict_delete":      (L,    A,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "campaigns.conflicts":            (L,    A,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "campaigns.conflicts_import":     (L,    A,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "campaigns.edit":                 (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.inspectors":           (L,    A,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "campaigns.new":                  (L,    A,    A,    A,    A,    NO,   NO,   NO,   NO,   NO),
    "campaigns.close":                (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.sample":               (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.start":                (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.team_delete":          (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.team_delete@linwei":   (L,    A,    A,    NF,   A,    NO,   NO,   NO,   NO,   NO),
    "campaigns.team_edit":            (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.team_new":             (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.teams_import":         (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.teams_form":           (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "campaigns.unassign":             (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "checklists.import_form":         (L,    A,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "checklists.publish":             (L,    A,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "checklists.retire":              (L,    A,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "checklists.discard":             (L,    A,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "dashboard.language":             (A,    A,    A,    A,    A,    A,    A,    A,    A,    A),
    "findings.confirm":               (L,    A,    A,    A,    NF,   NO,   NO,   NO,   NO,   NO),
    "findings.dismiss":               (L,    A,    A,    A,    NF,   NO,   NO,   NO,   NO,   NO),
    "findings.edit":                  (L,    A,    A,    A,    NF,   NO,   NO,   NO,   NO,   NO),
    "findings.edit@linwei":           (L,    A,    A,    NF,   A,    NO,   NO,   NO,   NO,   NO),
    "findings.comment":               (L,    A,    A,    A,    NF,   NO,   NO,   A,    NF,   NO),
    "funds.add_allocation":           (L,    A,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "funds.delete_allocation":        (L,    A,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "funds.add_standard":             (L,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "funds.edit_standard":            (L,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "funds.delete_standard":          (L,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "media.delete@photo":             (L,    NO,   NO,   NO,   NO,   A,    NF,   NF,   NF,   NO),
    "media.delete@evidence":          (L,    NO,   NO,   NO,   NO,   NF,   NF,   A,    NF,   NO),
    "media.delete@linwei_evidence":   (L,    NO,   NO,   NO,   NO,   NF,   NF,   NF,   A,    NO),
    "rosters.new":                    (L,    A,    A,    A,    A,    A,    A,    NO,   NO,   NO),
    "rosters.mapping":                (L,    A,    A,    A,    NF,   NF,   NF,   NO,   NO,   NO),
    "rosters.rerun":                  (L,    A,    A,    A,    NF,   NF,   NF,   NO,   NO,   NO),
    "rosters.findings":               (L,    A,    A,    A,    NF,   NF,   NF,   NO,   NO,   NO),
    "rosters.payments":               (L,    A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   NO),
    "notifications.read":             (L,    NF,   NF,   NF,   NF,   NF,   NF,   A,    NF,   NF),
    "notifications.read@supervisor":  (L,    NF,   A,    NF,   NF,   NF,   NF,   NF,   NF,   NF),
    "notifications.read_all":         (L,    A,    A,    A,    A,    A,    A,    A,    A,    A),
    "rectification.add_evidence":     (L,    NO,   NO,   NO,   NO,   NO,   NO,   A,    NF,   NO),
    "rectification.add_evidence@linwei": (L, NO,   NO,   NO,   NO,   NO,   NO,   NF,   A,    NO),
    "rectification.bulk":             (L,    A,    A,    A,    NF,   NO,   NO,   NO,   NO,   NO),
    "rectification.bulk@linwei":      (L,    A,    A,    NF,   A,    NO,   NO,   NO,   NO,   NO),
    "rectification.bulk@both":        (L,    A,    A,    NF,   NF,   NO,   NO,   NO,   NO,   NO),
    "rectification.deadline":         (L,    A,    A,    A,    NF,   NO,   NO,   NO,   NO,   NO),
    "rectification.decide_extension": (L,    A,    A,    A,    NF,   NO,   NO,   NO,   NO,   NO),
    "rectification.request_extension": (L,   NO,   NO,   NO,   NO,   NO,   NO,   A,    NF,   NO),
    "rectification.request_extension@linwei": (L, NO, NO, NO,  NO,   NO,   NO,   NF,   A,    NO),
    "rectification.responsible":      (L,    A,    A,    A,    NF,   NO,   NO,   NO,   NO,   NO),
    "rectification.responsible@linwei": (L,  A,    A,    NF,   A,    NO,   NO,   NO,   NO,   NO),
    "rectification.save_measures":    (L,    NO,   NO,   NO,   NO,   NO,   NO,   A,    NF,   NO),
    "rectification.submit":           (L,    NO,   NO,   NO,   NO,   NO,   NO,   A,    NF,   NO),
    "rectification.submit@linwei":    (L,    NO,   NO,   NO,   NO,   NO,   NO,   NF,   A,    NO),
    "surveys.new":                    (L,    A,    A,    NF,   NF,   NO,   NO,   NO,   NO,   NO),
    "surveys.dates":                  (L,    A,    A,    NF,   NF,   NO,   NO,   NO,   NO,   NO),
    "surveys.draw_interviews":        (L,    A,    A,    NF,   NF,   NO,   NO,   NO,   NO,   NO),
    "surveys.call":                   (L,    A,    A,    NF,   NF,   NO,   NO,   NO,   NO,   NO),
    "survey_public.answer":           (A,    A,    A,    A,    A,    A,    A,    A,    A,    A),
    "rectification.verify":           (L,    A,    A,    A,    NF,   NO,   NO,   NO,   NO,   NO),
    "rectification.verify@linwei":    (L,    A,    A,    NF,   A,    NO,   NO,   NO,   NO,   NO),
    "reports.request_campaign_report": (L,   A,    A,    NO,   NF,   NO,   NO,   NO,   NO,   A),
    "publicity.new":                  (L,    A,    A,    A,    A,    NO,   NO,   NO,   NO,   NO),
    # The world's supervisor and viewer have no city: they are the province's staff, who decide but do not send.
    "submissions.submit":             (L,    A,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "submissions.return_submission":  (L,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "submissions.accept":             (L,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "publicity.add_objection":        (L,    A,    A,    A,    NF,   NO,   NO,   A,    NF,   NO),
    "publicity.handle_objection":     (L,    A,    A,    A,    NF,   NO,   NO,   A,    NF,   NO),
    "archive.build":                  (L,    A,    A,    A,    NF,   NF,   NF,   A,    NF,   A),
    "rectification.withdraw_extension": (L,  NO,   NO,   NO,   NO,   NO,   NO,   A,    NF,   NO),
    "schools.add_county":             (L,    A,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "schools.add_city":               (L,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "schools.edit_city":              (L,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "schools.add_region_county":      (L,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "sync.acknowledge":               (L,    A,    A,    A,    NF,   NO,   NO,   NO,   NO,   NO),
    "schools.import_schools":         (L,    A,    A,    NO,   NO,   NO,   NO,   NO,   NO,   NO),
    "visits.approve":                 (L,    A,    A,    A,    NF,   NO,   NO,   NO,   NO,   NO),
    "visits.approve@linwei":          (L,    A,    A,    NF,   A,    NO,   NO,   NO,   NO,   NO),
    "visits.return_visit":            (L,    A,    A,    A,    NF,   NO,   NO,   NO,   NO,   NO),
    "visits.save_all":                (L,    NO,   NO,   NO,   NO,   A,    NF,   NO,   NO,   NO),
    "visits.submit":                  (L,    NO,   NO,   NO,   NO,   A,    NF,   NO,   NO,   NO),
}

# PUT routes (the sync API), read like the POST table.
PUT_EXPECTED: dict[str, Row] = {
    # case                             anon  admin city  hz    lw    insp  insp2 sch   sch2  view
    "api.open_visit":                 (U,    NO,   NO,   NO,   NO,   A,    NF,   NO,   NO,   NO),
    "api.put_media":                  (U,    NO,   NO,   NO,   NO,   A,    NF,   NO,   NO,   NO),
}


# ---------------------------------------------------------------------------------------------------------
# The scene


@dataclass
class Scene:
    """Ids of everything the routes are tried on (ids, so they outlive the session that made them)."""

    campaign: int
    campaign2: int
    campaign5: int            # the 临渭区 county supervisor's own campaign, in planning
    version: int
    visit: int
    visit2: int
    item: int                 # S1_1, the failing item with a confirmed finding
    finding: int              # confirmed (S1_1) → rectification ``rect``
    raised_finding: int       # still awaiting review (S2_1)
    finding2: int             # confirmed, at 临渭第二小学
    rect: int
    rect2: int
    photo: int                # inspection photo on S1_1
    site_photo: int           # inspection photo on an item without a finding
    evidence: int
    evidence2: int
    extension: int            # the school's pending extension request on ``rect``
    notification: int         # the school contact's notice that ``rect`` was opened
    supervisor_notification: int  # the city supervisor's notice of the extension request
    school: int
    other_school: int
    job: int                  # a finished investigation report, asked for by the city supervisor
    archive_job: int          # 华州第一小学's archive, built for the city supervisor
    notice: int               # 华州第一小学's 公示 from the roster check ``run``
    objection: int            # an objection to ``notice``, being handled
    run: int                  # a roster check of 华州区, by the city supervisor, with a finding raised from it
    run_input: int
    discrepancy: int          # a discrepancy of the run not yet raised
    finding_file: int         # the rows attached to the finding raised from the run
    standard: int
    allocation: int
    team: int                 # a team of W1, led by the assigned inspector
    team2: int                # a team of the 临渭区 county supervisor's own campaign W5
    conflict: int             # the unassigned inspector's declared conflict with 临渭第二小学
    survey_round: int         # a survey round on W1, open today
    survey_link: int          # its link for 华州第一小学
    survey_token: str
    interview_call: int       # a call of the round's telephone sample, drawn from ``run``
    flagged_op: int           # a change the assigned inspector's tablet sent after W1 was submitted (refused)
    token: int                # the city viewer's personal API token
    city: int                 # the install's first city, whose counties the world's are
    submission: int           # the first city's investigation report of W1, carrying ``job``, awaiting the province
    uuids: dict[str, str]     # "visit", "visit2", "photo": the keys the sync API names them by
    users: dict[str, int]     # role name → user id
    logins: dict[str, str]    # role name → user name; "inspector2" is the 华州区 inspector who did W2


def jpeg(color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, "JPEG")
    return buffer.getvalue()


def _item(visit: Visit, name: str) -> ChecklistItem:
    return next(i for i in visit.checklist_version.items if i.name == name)


def _findings(visit: Visit) -> dict[str, Finding]:
    rows = db.session.scalars(sa.select(Finding).where(Finding.visit_id == visit.id))
    return {f.item.name: f for f in rows}


def _inbox(user: User, kind: str) -> int:
    return db.session.scalars(sa.select(Notification.id).where(Notification.user_id == user.id,
                                                               Notification.kind == kind)).one()


def build_scene(app: Flask, world: World, make_user: t.Callable[..., User],
                make_campaign: t.Callable[..., Campaign]) -> Scene:
    """Take ``world`` to findings, rectifications, photos and evidence on both sides; commit."""
    assert tuple(world.by_role()) == ROLES, "the table columns must follow World.by_role()"
    visit = world.visit
    answer_all(app, visit, world.inspector, failing={"S1_1": "领导小组未成立", "S2_1": "档案混乱"})
    photo = photo_services.add_visit_photo(visit, _item(visit, "S1_1"), jpeg(), filename="a.jpg",
                                           actor=world.inspector)
    site_photo = photo_services.add_visit_photo(visit, _item(visit, "site"), jpeg("blue"), filename="b.jpg",
                                                actor=world.inspector)
    visit_services.submit_visit(visit, actor=world.inspector)
    findings = _findings(visit)
    rect = finding_services.confirm_finding(findings["S1_1"], actor=world.supervisor)
    rect_services.save_measures(rect, measures="已成立领导小组", actor=world.school_contact)
    evidence = evidence_services.add_evidence(rect, jpeg("green"), filename="c.jpg", actor=world.school_contact)
    extension = rect_services.request_extension(rect, reason="需补签花名册", actor=world.school_contact,
                                                proposed_due_on=rect.due_on + timedelta(days=20))

    inspector2 = make_user(Role.INSPECTOR, username="insp3", county=world.away)
    campaign2 = make_campaign(world.supervisor, schools=[world.other_school], inspectors=[inspector2],
                              start=True, code="W2")
    visit2 = db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign2.id)).one()
    answer_all(app, visit2, inspector2, failing={"S1_1": "资助政策未公示"})
    visit_services.submit_visit(visit2, actor=inspector2)
    finding2 = _findings(visit2)["S1_1"]
    rect2 = finding_services.confirm_finding(finding2, actor=world.supervisor)
    rect_services.save_measures(rect2, measures="整改中", actor=world.other_school_contact)
    evidence2 = evidence_services.add_evidence(rect2, jpeg("white"), filename="d.jpg",
                                            actor=world.other_school_contact)
    job = report_services.request_report(report_services.ReportRequest("investigation", (world.campaign,)),
                                         actor=world.supervisor)
    report_jobs.run_inline(job)
    run, standard, allocation = roster_scene(world)
    notice = publicity_services.create_notice(run=run, school=world.school, starts_on=date(2023, 3, 6),
                                              ends_on=date(2023, 3, 10), contact_name="赵老师",
                                              contact_phone="0913-4711234", actor=world.supervisor)
    objection = publicity_services.record_objection(notice, received_on=date(2023, 3, 7), content="名单有误",
                                                    actor=world.school_contact)
    raised = roster_services.make_findings(run, [d for d in run_discrepancies(run) if d.code == "DUP_SCHOOL"],
                                           campaign=world.campaign, actor=world.supervisor)
    finding_file = finding_services.finding_files(raised[0])[0]
    team = campaign_services.save_team(world.campaign, name="第一检查组", leader=world.inspector, members=[],
                                       actor=world.supervisor)
    campaign5 = make_campaign(world.other_county_supervisor, schools=[world.other_school], code="W5")
    team2 = campaign_services.save_team(campaign5, name="临渭自查组", leader=world.other_inspector, members=[],
                                        actor=world.other_county_supervisor)
    conflict = campaign_services.declare_conflict(world.other_inspector, world.other_school, reason="配偶在该校任教",
                                                  actor=world.supervisor)
    late = sync_services.apply_batch(visit, [{"op_id": "5f0c8f4e-2d1a-4b7e-9c3a-8e6d5b4a3f21", "type": "answer",
                                              "item_id": _item(visit, "enrolled").id, "value": "1", "base_rev": 1}],
                                     key="late-batch", actor=world.inspector, client=sync_services.Client("tablet"))
    assert late.body["results"][0]["status"] == "refused"
    flagged_op = db.session.scalars(sa.select(SyncOp)).one()
    token, _secret = auth_services.issue_token(world.viewer, name="大屏", actor=None)
    survey = survey_scene(world)
    interview_services.draw_sample(survey, run_id=run.id, size=2, minimum=1, seed=7, actor=world.supervisor)
    interview_call = db.session.scalars(interview_services.calls_query(survey)).first()
    assert interview_call is not None
    # Built once the scene is committed, as a background task is.
    archive_job = archive_services.request_archive(world.school, Semester(2026, True), actor=world.supervisor)
    submission = Submission(city_id=regions.home_city().id, kind=SubmissionKind.INVESTIGATION,
                            period=f"campaign-{world.campaign.id}", campaign_id=world.campaign.id,
                            state=SubmissionState.SUBMITTED, report_job_id=job.id)
    db.session.add(submission)
    db.session.commit()
    return Scene(
        job=job.id, archive_job=archive_job.id, notice=notice.id, objection=objection.id,
        campaign=world.campaign.id, campaign2=campaign2.id, campaign5=campaign5.id, version=visit.checklist_version_id,
        visit=visit.id, visit2=visit2.id, item=_item(visit, "S1_1").id,
        finding=findings["S1_1"].id, raised_finding=findings["S2_1"].id, finding2=finding2.id,
        rect=rect.id, rect2=rect2.id, photo=photo.id, site_photo=site_photo.id,
        evidence=evidence.id, evidence2=evidence2.id, extension=extension.id,
        notification=_inbox(world.school_contact, "rectification.opened"),
        supervisor_notification=_inbox(world.supervisor, "extension.requested"), school=world.school.id,
        other_school=world.other_school.id, run=run.id, run_input=run.inputs[0].id,
        discrepancy=next(d.id for d in run_discrepancies(run) if d.finding_id is None), finding_file=finding_file.id,
        standard=standard, allocation=allocation, team=team.id, team2=team2.id, conflict=conflict.id,
        flagged_op=flagged_op.id, token=token.id, city=submission.city_id, submission=submission.id,
        survey_round=survey.id, survey_link=survey.links[0].id, survey_token=survey.links[0].token,
        interview_call=interview_call.id,
        uuids={"visit": visit.uuid, "visit2": visit2.uuid, "photo": photo.uuid},
        users={role: user.id for role, user in world.by_role().items() if user is not None},
        logins={**logins(world), "inspector2": inspector2.username},
    )


ROSTER_CSV = (
    "姓名,身份证号,学校标识码,学校名称,资助项目,发放金额\n"
    "张三,11010519491231002X,2161030001,华州第一小学,小学寄宿生生活补助,500\n"
    "张三,11010519491231002X,2161030001,华州第一小学,小学寄宿生生活补助,500\n"
    "李四,110105194912310021,2161030001,华州第一小学,小学寄宿生生活补助,400\n"
)


def survey_scene(world: World) -> SurveyRound:
    versions = survey_services.load_default_surveys(actor=None)
    today = local_today()
    return survey_services.create_round(world.campaign, survey_services.RoundDetails(
        title="知晓度与满意度调查", opens_on=today, closes_on=today + timedelta(days=7),
        student_version=versions[1], parent_version=versions[0], sampling_frame="全体学生和家长", target_size=30,
        min_size=20, collector="检查组"), actor=world.supervisor)


def roster_scene(world: World) -> tuple[ReconciliationRun, int, int]:
    """A finished roster check of 华州区 by the city supervisor, a standard and an allocation."""
    funds_services.install_shipped_standards(actor=None)
    run = roster_services.create_run(
        semester="2023春", county=world.away, campaign=world.campaign, actor=world.supervisor,
        uploads=[roster_services.Upload(InputKind.ROSTER, "花名册.csv", ROSTER_CSV.encode("utf-8"))])
    roster_services.execute_run(run)
    standard = funds_services.standards()[0].id
    allocation = funds_services.add_allocation(semester="2023春", fund_line=FundLine.SENIOR,
                                               source=FundSource.CITY, amount="100000", actor=world.supervisor).id
    return run, standard, allocation


def run_discrepancies(run: ReconciliationRun) -> list[Discrepancy]:
    return list(db.session.scalars(sa.select(Discrepancy).where(Discrepancy.run_id == run.id)
                                   .order_by(Discrepancy.id)))


def url_args(s: Scene) -> dict[str, dict[str, t.Any]]:
    """The URL arguments of each case; cases not listed take none."""
    return {
        "auth.revoke_token": {"token_id": s.token},
        "auth.set_active": {"user_id": s.users["viewer"]},
        "auth.sign_out_everywhere": {"user_id": s.users["viewer"]},
        "campaigns.add_schools": {"campaign_id": s.campaign},
        "campaigns.assign": {"campaign_id": s.campaign},
        "campaigns.assign@team": {"campaign_id": s.campaign},
        "campaigns.auto_assign": {"campaign_id": s.campaign},
        "campaigns.board": {"campaign_id": s.campaign},
        "campaigns.board@linwei": {"campaign_id": s.campaign2},
        "campaigns.close": {"campaign_id": s.campaign},
        "campaigns.conflict_delete": {"conflict_id": s.conflict},
        "campaigns.plan_notice": {"campaign_id": s.campaign},
        "campaigns.plan_xlsx": {"campaign_id": s.campaign},
        "campaigns.sample": {"campaign_id": s.campaign},
        "campaigns.schedule": {"campaign_id": s.campaign},
        "campaigns.show": {"campaign_id": s.campaign},
        "campaigns.show@linwei": {"campaign_id": s.campaign2},
        "campaigns.start": {"campaign_id": s.campaign},
        "campaigns.edit": {"campaign_id": s.campaign},
        "campaigns.team_delete": {"campaign_id": s.campaign, "team_id": s.team},
        "campaigns.team_delete@linwei": {"campaign_id": s.campaign5, "team_id": s.team2},
        "campaigns.team_edit": {"campaign_id": s.campaign, "team_id": s.team},
        "campaigns.team_edit@linwei": {"campaign_id": s.campaign5, "team_id": s.team2},
        "campaigns.team_new": {"campaign_id": s.campaign},
        "campaigns.teams": {"campaign_id": s.campaign},
        "campaigns.teams_import": {"campaign_id": s.campaign},
        "campaigns.teams_form": {"campaign_id": s.campaign},
        "campaigns.teams_template": {"campaign_id": s.campaign},
        "campaigns.unassign": {"campaign_id": s.campaign, "visit_id": s.visit,
                               "user_id": s.users["inspector"]},
        "checklists.version": {"version_id": s.version},
        "checklists.preview": {"version_id": s.version},
        "checklists.changes": {"version_id": s.version, "from": s.version},
        "checklists.publish": {"version_id": s.version},
        "checklists.retire": {"version_id": s.version},
        "checklists.discard": {"version_id": s.version},
        "findings.confirm": {"finding_id": s.raised_finding},
        "findings.dismiss": {"finding_id": s.raised_finding},
        "findings.edit": {"finding_id": s.finding},
        "findings.comment": {"finding_id": s.finding},
        "findings.edit@linwei": {"finding_id": s.finding2},
        "findings.show": {"finding_id": s.finding},
        "findings.show@raised": {"finding_id": s.raised_finding},
        "findings.show@linwei": {"finding_id": s.finding2},
        "funds.delete_allocation": {"allocation_id": s.allocation},
        "funds.edit_standard": {"standard_id": s.standard},
        "funds.delete_standard": {"standard_id": s.standard},
        "media.file@finding_file": {"attachment_id": s.finding_file},
        "rosters.show": {"run_id": s.run},
        "rosters.status": {"run_id": s.run},
        "rosters.discrepancies": {"run_id": s.run},
        "rosters.export": {"run_id": s.run},
        "rosters.input_file": {"run_id": s.run, "input_id": s.run_input},
        "rosters.mapping": {"run_id": s.run},
        "rosters.rerun": {"run_id": s.run},
        "rosters.findings": {"run_id": s.run},
        "rosters.payments": {"run_id": s.run},
        "media.delete@photo": {"attachment_id": s.photo},
        "media.delete@evidence": {"attachment_id": s.evidence},
        "media.delete@linwei_evidence": {"attachment_id": s.evidence2},
        "media.file@photo": {"attachment_id": s.photo},
        "media.file@site_photo": {"attachment_id": s.site_photo},
        "media.file@evidence": {"attachment_id": s.evidence},
        "media.file@linwei_evidence": {"attachment_id": s.evidence2},
        "notifications.read": {"notification_id": s.notification},
        "notifications.read@supervisor": {"notification_id": s.supervisor_notification},
        "rectification.decide_extension": {"rect_id": s.rect, "request_id": s.extension},
        "rectification.ledger_export": {"fmt": "xlsx"},
        "rectification.ledger_export@csv": {"fmt": "csv"},
        "rectification.request_extension": {"rect_id": s.rect},
        "rectification.request_extension@linwei": {"rect_id": s.rect2},
        "rectification.responsible": {"rect_id": s.rect},
        "rectification.responsible@linwei": {"rect_id": s.rect2},
        "rectification.withdraw_extension": {"rect_id": s.rect, "request_id": s.extension},
        "rectification.add_evidence": {"rect_id": s.rect},
        "rectification.add_evidence@linwei": {"rect_id": s.rect2},
        "rectification.deadline": {"rect_id": s.rect},
        "rectification.save_measures": {"rect_id": s.rect},
        "rectification.show": {"rect_id": s.rect},
        "rectification.show@linwei": {"rect_id": s.rect2},
        "rectification.submit": {"rect_id": s.rect},
        "rectification.submit@linwei": {"rect_id": s.rect2},
        "rectification.verify": {"rect_id": s.rect},
        "rectification.verify@linwei": {"rect_id": s.rect2},
        "reports.download": {"job_id": s.job},
        "publicity.school": {"school_id": s.school},
        "publicity.school@linwei": {"school_id": s.other_school},
        "publicity.notice": {"notice_id": s.notice},
        "publicity.document": {"notice_id": s.notice, "kind": "notice"},
        "publicity.document@cards": {"notice_id": s.notice, "kind": "cards"},
        "publicity.document_pdf": {"notice_id": s.notice, "kind": "notice"},
        "publicity.add_objection": {"notice_id": s.notice},
        "publicity.handle_objection": {"objection_id": s.objection},
        "archive.show": {"school_id": s.school},
        "archive.show@linwei": {"school_id": s.other_school},
        "archive.download": {"school_id": s.school, "term": "2026秋"},
        "archive.download@linwei": {"school_id": s.other_school, "term": "2026秋"},
        "archive.build": {"school_id": s.school, "term": "2026秋"},
        "archive.job": {"job_id": s.archive_job},
        "archive.job_status": {"job_id": s.archive_job},
        "archive.job_download": {"job_id": s.archive_job},
        "reports.download_pdf": {"job_id": s.job},
        "reports.job": {"job_id": s.job},
        "reports.job_status": {"job_id": s.job},
        "reports.request_campaign_report": {"campaign_id": s.campaign, "kind": "investigation"},
        "reports.raw_data": {"campaign_id": s.campaign, "extension": "xlsx"},
        "reports.raw_data@linwei": {"campaign_id": s.campaign2, "extension": "xlsx"},
        "reports.raw_data@csv": {"campaign_id": s.campaign, "extension": "csv"},
        "reports.school_document": {"campaign_id": s.campaign, "school_id": s.school, "kind": "notice"},
        "reports.school_document_pdf": {"campaign_id": s.campaign, "school_id": s.school, "kind": "notice"},
        "reports.school_document@linwei": {"campaign_id": s.campaign2, "school_id": s.other_school,
                                           "kind": "school-report"},
        "help.guide": {"name": "school"},
        "help.image": {"name": "school-mine.png"},
        "schools.show": {"school_id": s.school},
        "schools.edit_city": {"city_id": s.city},
        "schools.show@linwei": {"school_id": s.other_school},
        "api.checklist": {"version_id": s.version},
        "api.export_csv": {"code": "W1"},
        "api.export_csv@linwei": {"code": "W2"},
        "api.export_xlsx": {"code": "W1"},
        "api.get_media": {"key": s.uuids["photo"]},
        "api.visit": {"key": s.uuids["visit"]},
        "api.visit@linwei": {"key": s.uuids["visit2"]},
        "api.ops": {"key": s.uuids["visit"]},
        "api.submit": {"key": s.uuids["visit"]},
        "api.open_visit": {"key": s.uuids["visit"]},
        "api.put_media": {"key": "4c1d2e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "visit": s.uuids["visit"], "item": s.item},
        "surveys.new": {"campaign_id": s.campaign},
        "surveys.show": {"round_id": s.survey_round},
        "surveys.export": {"round_id": s.survey_round},
        "surveys.dates": {"round_id": s.survey_round},
        "surveys.interviews_page": {"round_id": s.survey_round},
        "surveys.draw_interviews": {"round_id": s.survey_round},
        "surveys.call_sheet": {"round_id": s.survey_round},
        "surveys.call": {"round_id": s.survey_round, "call_id": s.interview_call},
        "surveys.poster": {"round_id": s.survey_round, "link_id": s.survey_link, "fmt": "docx"},
        "surveys.poster@png": {"round_id": s.survey_round, "link_id": s.survey_link, "fmt": "png"},
        "survey_public.start": {"token": s.survey_token},
        "survey_public.answer": {"token": s.survey_token, "audience": "student"},
        "submissions.city": {"city_id": s.city},
        "submissions.submit": {"city_id": s.city},
        "submissions.show": {"submission_id": s.submission},
        "submissions.download": {"submission_id": s.submission},
        "submissions.return_submission": {"submission_id": s.submission},
        "submissions.accept": {"submission_id": s.submission},
        "sync.history": {"visit_id": s.visit},
        "sync.history@linwei": {"visit_id": s.visit2},
        "sync.acknowledge": {"op_id": s.flagged_op},
        "visits.score": {"visit_id": s.visit},
        "visits.approve": {"visit_id": s.visit},
        "visits.approve@linwei": {"visit_id": s.visit2},
        "visits.return_visit": {"visit_id": s.visit},
        "visits.save_all": {"visit_id": s.visit},
        "visits.show": {"visit_id": s.visit},
        "visits.show@linwei": {"visit_id": s.visit2},
        "visits.submit": {"visit_id": s.visit},
    }


def request_kwargs(s: Scene, case: str) -> dict[str, t.Any]:
    """The body (and headers) an allowed user would send to a route: JSON for the API, a form otherwise."""
    endpoint = case.partition("@")[0]
    version = {"school_id": s.school, "checklist_version_id": s.version, "started_at": "2026-11-27T08:00:00+08:00"}
    photo = jpeg("purple")
    api = {
        "api.login": {"json": {"username": "insp", "password": PASSWORD}},
        "api.ops": {"json": {"ops": [{"op_id": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", "type": "answer",
                                      "item_id": s.item, "value": "yes", "note": None, "base_rev": 1}]},
                    "headers": {"Idempotency-Key": "walk-batch"}},
        "api.submit": {"headers": {"Idempotency-Key": "walk-submit"}},
        "api.open_visit": {"json": version},
        "api.put_media": {"data": photo, "headers": {"Content-Type": "image/jpeg",
                                                     "X-Content-SHA256": hashlib.sha256(photo).hexdigest()}},
    }
    return api.get(endpoint) or {"data": post_data(s, case)}


def post_data(s: Scene, case: str) -> dict[str, t.Any]:
    """A body that an allowed user could send, so that a refused one would show if it got through."""
    later = (local_today() + timedelta(days=45)).isoformat()
    endpoint = case.partition("@")[0]
    bulk_ids = {"rectification.bulk": [s.rect], "rectification.bulk@linwei": [s.rect2],
                "rectification.bulk@both": [s.rect, s.rect2]}
    bodies: dict[str, t.Callable[[], dict[str, t.Any]]] = {
        "auth.login": lambda: {"username": "root", "password": PASSWORD},
        "auth.new_user": lambda: {"username": "intruder", "display_name": "入侵者", "role": "admin",
                                  "county_id": "0", "password": "river-lamp-42"},
        "auth.password": lambda: {"current": PASSWORD, "new": "violet-harbour-7", "repeat": "violet-harbour-7"},
        "auth.set_active": lambda: {"active": "0"},
        "campaigns.add_schools": lambda: {"school_id": str(s.other_school)},
        "campaigns.assign": lambda: ({"visit_id": str(s.visit), "action": "team", "team_id": str(s.team)}
                                     if case.endswith("@team") else
                                     {"visit_id": str(s.visit), "action": "assign",
                                      "inspector_id": str(s.users["other_inspector"])}),
        "campaigns.auto_assign": lambda: {"per_day": "2", "replan": "y"},
        "campaigns.conflict_delete": lambda: {},
        "campaigns.conflicts": lambda: {"inspector_id": str(s.users["inspector"]), "school_code": "2161030001",
                                        "reason": "曾在该校任教"},
        "campaigns.conflicts_import": lambda: {"upload-file": (io.BytesIO(CONFLICTS_XLSX), "conflicts.xlsx")},
        "campaigns.inspectors": lambda: {"file": (io.BytesIO(INSPECTORS_XLSX), "inspectors.xlsx")},
        "campaigns.sample": lambda: {"seed": "7", "size": "1", "minimum": "0"},
        "campaigns.team_delete": lambda: {},
        "campaigns.team_edit": lambda: {"name": "改名的检查组", "leader_id": str(s.users["inspector"]),
                                        "member_ids": [str(s.users["other_inspector"])]},
        "campaigns.team_new": lambda: {"name": "越权检查组", "leader_id": str(s.users["other_inspector"])},
        "campaigns.teams_import": lambda: {"file": (io.BytesIO(TEAMS_XLSX), "teams.xlsx")},
        "campaigns.teams_form": lambda: {"size": "2"},
        "campaigns.edit": lambda: {"name": "越权改名", "term": "2026年秋季学期", "default_due_on": later,
                                   "days_off": ""},
        "campaigns.new": lambda: {"code": "X1", "name": "越权检查", "term": "2026年秋季学期",
                                  "checklist_version_id": str(s.version), "default_due_on": later,
                                  "starts_on": local_today().isoformat(), "ends_on": later},
        "checklists.import_form": lambda: {"file": (io.BytesIO((DATA / "mini_checklist.md").read_bytes()),
                                                    "mini_checklist.md")},
        "dashboard.language": lambda: {"lang": "en"},
        "findings.confirm": lambda: {"due_on": later},
        "findings.dismiss": lambda: {"reason": "不成立"},
        "findings.comment": lambda: {"body": "越权留言"},
        "findings.edit": lambda: {"description": "改写的问题描述", "severity": "severe"},
        "funds.add_allocation": lambda: {"semester": "2023春", "fund_line": "senior", "source": "city",
                                         "amount": "12.5", "document": "越权"},
        "funds.add_standard": lambda: {"programme": "senior", "effective_from": "2030春", "tier": "1",
                                       "amount": "9999", "basis": "越权"},
        "funds.edit_standard": lambda: {"programme": "senior", "effective_from": "2010秋", "tier": "1",
                                        "amount": "9999", "basis": "越权"},
        "rosters.new": lambda: {"semester": "2023春", "county_id": "0", "campaign_id": "0", "special_group": "",
                                "roster": (io.BytesIO(ROSTER_CSV.encode()), "r.csv")},
        "rosters.findings": lambda: {"campaign_id": str(s.campaign), "discrepancy": str(s.discrepancy)},
        "publicity.new": lambda: {"run_id": str(s.run), "school_id": str(s.school), "starts_on": "2023-03-06",
                                  "ends_on": "2023-03-10", "contact_name": "越权", "contact_phone": "1"},
        "publicity.add_objection": lambda: {"received_on": "2023-03-08", "content": "越权异议"},
        "publicity.handle_objection": lambda: {"handling": "越权处理", "outcome": "upheld"},
        "rectification.add_evidence": lambda: {"file": (io.BytesIO(jpeg("yellow")), "e.jpg")},
        "rectification.bulk": lambda: {"rect_id": [str(i) for i in bulk_ids[case]], "action": "deadline",
                                       "due_on": later, "note": "统一延期"},
        "rectification.decide_extension": lambda: {"decision": "approve", "due_on": later, "note": "同意"},
        "rectification.request_extension": lambda: {"proposed_due_on": later, "reason": "需要更多时间"},
        "rectification.responsible": lambda: {"unit": "越权单位", "person": "越权者"},
        "rectification.deadline": lambda: {"due_on": later},
        "rectification.save_measures": lambda: {"measures": "另一种说法"},
        "rectification.verify": lambda: {"decision": "close", "note": "已核实"},
        "submissions.submit": lambda: {"kind": "investigation", "period": f"campaign-{s.campaign}",
                                       "job_id": str(s.job)},
        "submissions.return_submission": lambda: {"reason": "越权退回"},
        "surveys.new": lambda: {"title": "越权调查", "opens_on": later, "closes_on": later,
                                "student_version_id": "0", "parent_version_id": "0", "sampling_frame": "越权",
                                "target_size": "30", "min_size": "20", "collector": "越权", "knowledge_threshold": "2"},
        "surveys.dates": lambda: {"opens_on": later, "closes_on": later},
        "surveys.draw_interviews": lambda: {"run_id": str(s.run), "size": "2", "minimum": "1", "seed": "8"},
        "surveys.call": lambda: {"outcome": "refused", "note": "越权"},
        "survey_public.answer": lambda: {"level": "primary", "k_who": "needy", "k_apply": "apply", "k_paid": "card",
                                         "s_overall": "satisfied", "s_fair": "satisfied", "s_publicity": "satisfied"},
        "schools.add_county": lambda: {"county-name": "新县", "county-code": "610599"},
        "schools.add_city": lambda: {"city-name": "新市", "city-org_name": "新市学生资助管理中心"},
        "schools.edit_city": lambda: {f"city{s.city}-name": "改名市", f"city{s.city}-org_name": "改名中心"},
        "schools.add_region_county": lambda: {"county-city_id": str(s.city), "county-name": "新区"},
        "schools.import_schools": lambda: {"file": (io.BytesIO(b"not a workbook"), "schools.xlsx")},
        "visits.return_visit": lambda: {"reason": "请补充照片"},
        "visits.save_all": lambda: {f"value-{s.item}": "yes", f"note-{s.item}": ""},
    }
    make = bodies.get(endpoint)
    return make() if make else {}


# ---------------------------------------------------------------------------------------------------------
# Helpers


def build_urls(app: Flask, scene: Scene, cases: t.Iterable[str]) -> dict[str, str]:
    args = url_args(scene)
    with app.test_request_context():
        return {case: url_for(case.partition("@")[0], **args.get(case, {})) for case in cases}


def logins(world: World) -> dict[str, str]:
    return {role: user.username for role, user in world.by_role().items() if user is not None}


def clients(app: Flask, names: dict[str, str], roles: t.Iterable[str] = ROLES) -> dict[str, FlaskClient]:
    """One test client per role, logged in (the anonymous one is not)."""
    result = {}
    for role in roles:
        client = app.test_client()
        if role != "anonymous":
            response = client.post("/auth/login", data={"username": names[role], "password": PASSWORD})
            assert response.status_code == 302 and urlsplit(response.location).path == "/", role
        result[role] = client
    return result


def outcome(response: t.Any) -> Expected:
    """The status, or for a redirect the path it leads to."""
    response.close()
    if response.status_code in (301, 302, 303):
        return urlsplit(response.headers["Location"]).path
    return int(response.status_code)


def snapshot(app: Flask) -> dict[str, t.Any]:
    """Every row of every table, and the files on disk: the whole state a request could change."""
    state: dict[str, t.Any] = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            stmt = sa.select(table).order_by(*table.primary_key.columns)
            state[table.name] = [tuple(row) for row in db.session.execute(stmt)]
    uploads = Path(app.config["UPLOAD_DIR"])
    state["files on disk"] = sorted(str(p.relative_to(uploads)) for p in uploads.rglob("*") if p.is_file())
    return state


def changes(before: dict[str, t.Any], after: dict[str, t.Any]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def table_row(table: dict[str, Row], case: str) -> dict[str, Expected]:
    return dict(zip(ROLES, table[case], strict=True))


def _endpoints(cases: t.Iterable[str]) -> set[str]:
    return {case.partition("@")[0] for case in cases}


def _rule_endpoints(app: Flask, method: str) -> set[str]:
    rules = app.url_map.iter_rules()
    return {r.endpoint for r in rules if r.endpoint != "static" and method in (r.methods or ())}


def _links(html: str, prefix: str, ids: t.Iterable[int]) -> dict[int, bool]:
    return {i: re.search(rf'href="{re.escape(prefix)}{i}(?:[/"#?])', html) is not None for i in ids}


# ---------------------------------------------------------------------------------------------------------
# Tests


@pytest.fixture
def scene(app: Flask, world: World, make_user: t.Callable[..., User],
          make_campaign: t.Callable[..., Campaign]) -> Scene:
    return build_scene(app, world, make_user, make_campaign)


def test_every_rule_has_an_expectation(app: Flask) -> None:
    get_rules, post_rules = _rule_endpoints(app, "GET"), _rule_endpoints(app, "POST")
    assert sorted(get_rules - _endpoints(GET_EXPECTED)) == [], "GET routes without a row in GET_EXPECTED"
    assert sorted(_endpoints(GET_EXPECTED) - get_rules) == [], "GET_EXPECTED rows for routes that are gone"
    assert sorted(post_rules - _endpoints(POST_EXPECTED)) == [], "POST routes without a row in POST_EXPECTED"
    assert sorted(_endpoints(POST_EXPECTED) - post_rules) == [], "POST_EXPECTED rows for routes that are gone"
    put_rules = _rule_endpoints(app, "PUT")
    assert sorted(put_rules - _endpoints(PUT_EXPECTED)) == [], "PUT routes without a row in PUT_EXPECTED"
    assert sorted(_endpoints(PUT_EXPECTED) - put_rules) == [], "PUT_EXPECTED rows for routes that are gone"
    assert not _rule_endpoints(app, "DELETE") and not _rule_endpoints(app, "PATCH"), "routes no table walks"
    for table in (GET_EXPECTED, POST_EXPECTED, PUT_EXPECTED):
        assert all(len(row) == len(ROLES) for row in table.values())


def test_get_walk(app: Flask, scene: Scene) -> None:
    urls = build_urls(app, scene, GET_EXPECTED)
    by_role = clients(app, scene.logins)
    before = snapshot(app)
    mismatches = []
    for case in sorted(GET_EXPECTED):
        for role, expected in table_row(GET_EXPECTED, case).items():
            got = outcome(by_role[role].get(urls[case]))
            if got != expected:
                line = f"GET {case:30} {urls[case]:36} {role:24} expected {expected!s:14} got {got}"
                mismatches.append(line)
    assert not mismatches, f"{len(mismatches)} GET answer(s) differ from the table:\n" + "\n".join(mismatches)
    assert changes(before, snapshot(app)) == [], "a GET request changed the database or the files"


@pytest.mark.parametrize(("method", "table"), [("POST", POST_EXPECTED), ("PUT", PUT_EXPECTED)])
def test_post_walk_refuses_and_changes_nothing(app: Flask, scene: Scene, method: str,
                                               table: dict[str, Row]) -> None:
    urls = build_urls(app, scene, table)
    by_role = clients(app, scene.logins)
    baseline = snapshot(app)
    mismatches, sent = [], 0
    for case in sorted(table):
        for role, expected in table_row(table, case).items():
            if expected == A:
                continue
            sent += 1
            got = outcome(by_role[role].open(urls[case], method=method, **request_kwargs(scene, case)))
            after = snapshot(app)
            changed = changes(baseline, after)
            if got != expected or changed:
                mismatches.append(f"{method} {case:34} {role:24} expected {expected!s:12} got {got!s:12}"
                                  + (f" and it changed: {', '.join(changed)}" if changed else ""))
                baseline = after
    assert sent > (200 if method == "POST" else 10)
    assert not mismatches, f"{len(mismatches)} refused {method}(s) went wrong:\n" + "\n".join(mismatches)


def test_anonymous_json_requests_get_401_json(app: Flask, scene: Scene) -> None:
    urls = build_urls(app, scene, ["api.ops", "visits.show", "findings.index"])
    client = app.test_client()
    school = clients(app, scene.logins, ["school"])["school"]
    before = snapshot(app)
    json = {"Accept": "application/json"}
    ops = request_kwargs(scene, "api.ops")
    for response in (client.post(urls["api.ops"], **ops),
                     client.get(urls["visits.show"], headers=json),
                     client.get(urls["findings.index"], headers=json)):
        assert response.status_code == 401
        assert response.is_json and response.json["error"]
    # A logged-in user without the right gets the refusal as JSON too.
    response = school.post(urls["api.ops"], **ops)
    assert response.status_code == NO and response.is_json and response.json["error"]
    assert changes(before, snapshot(app)) == []
    # A browser is sent to the login page, which brings it back afterwards.
    response = client.get(urls["visits.show"])
    assert response.status_code == 302
    assert urlsplit(response.location).path == L and f"next={urls['visits.show']}" in response.location


def test_scope_holds_both_ways_for_actions(app: Flask, scene: Scene) -> None:
    """What one side is refused, the other side can do (the walk only sends refused requests)."""
    s = scene
    urls = build_urls(app, s, ["findings.confirm", "rectification.save_measures", "visits.approve@linwei",
                               "media.delete@linwei_evidence", "rectification.deadline"])
    c = clients(app, s.logins, ["county_supervisor", "other_county_supervisor", "school", "other_school"])

    def state() -> tuple[t.Any, ...]:
        with app.app_context():
            return (db.session.get(Finding, s.raised_finding).status,  # type: ignore[union-attr]
                    db.session.get(Rectification, s.rect).measures,  # type: ignore[union-attr]
                    db.session.get(Visit, s.visit2).status.value,  # type: ignore[union-attr]
                    db.session.get(Attachment, s.evidence2) is not None,
                    db.session.get(Rectification, s.rect).due_on)  # type: ignore[union-attr]

    start = state()
    assert start[:4] == (FindingStatus.RAISED, "已成立领导小组", "submitted", True)

    assert c["other_county_supervisor"].post(urls["findings.confirm"]).status_code == NF
    assert c["county_supervisor"].post(urls["findings.confirm"]).status_code == 302
    assert state()[0] == FindingStatus.CONFIRMED

    measures = urls["rectification.save_measures"]
    assert c["other_school"].post(measures, data={"measures": "x"}).status_code == NF
    assert c["school"].post(measures, data={"measures": "新措施"}).status_code == 302
    assert state()[1] == "新措施"

    assert c["county_supervisor"].post(urls["visits.approve@linwei"]).status_code == NF
    assert c["other_county_supervisor"].post(urls["visits.approve@linwei"]).status_code == 302
    assert state()[2] == "approved"

    assert c["school"].post(urls["media.delete@linwei_evidence"]).status_code == NF
    assert c["other_school"].post(urls["media.delete@linwei_evidence"]).status_code == 302
    assert state()[3] is False

    later = local_today() + timedelta(days=50)
    data = {"due_on": later.isoformat()}
    assert c["other_county_supervisor"].post(urls["rectification.deadline"], data=data).status_code == NF
    assert state()[4] == start[4]
    assert c["county_supervisor"].post(urls["rectification.deadline"], data=data).status_code == 302
    assert state()[4] == later


def test_list_pages_are_scoped(app: Flask, scene: Scene) -> None:
    s = scene
    c = clients(app, s.logins, ["supervisor", "county_supervisor", "other_county_supervisor", "inspector",
                         "other_inspector", "inspector2", "school", "other_school"])

    def page(role: str, path: str) -> str:
        response = c[role].get(path)
        assert response.status_code == 200, (role, path)
        return response.get_data(as_text=True)

    rects = (s.rect, s.rect2)
    assert _links(page("school", "/rectification/mine"), "/rectification/", rects) == {s.rect: True,
                                                                                      s.rect2: False}
    assert _links(page("other_school", "/rectification/mine"), "/rectification/", rects) == {s.rect: False,
                                                                                            s.rect2: True}
    assert _links(page("county_supervisor", "/rectification/"), "/rectification/", rects) == {
        s.rect: True, s.rect2: False}
    assert _links(page("other_county_supervisor", "/rectification/"), "/rectification/", rects) == {
        s.rect: False, s.rect2: True}

    findings = (s.finding, s.raised_finding, s.finding2)
    assert _links(page("county_supervisor", "/findings/"), "/findings/", findings) == {
        s.finding: True, s.raised_finding: True, s.finding2: False}
    assert _links(page("other_county_supervisor", "/findings/"), "/findings/", findings) == {
        s.finding: False, s.raised_finding: False, s.finding2: True}
    assert _links(page("supervisor", "/findings/"), "/findings/", findings) == dict.fromkeys(findings, True)

    schools = (s.school, s.other_school)
    html = page("county_supervisor", "/schools/")
    assert _links(html, "/schools/", schools) == {s.school: True, s.other_school: False}
    assert "华州第一小学" in html and "临渭第二小学" not in html
    html = page("other_county_supervisor", "/schools/")
    assert _links(html, "/schools/", schools) == {s.school: False, s.other_school: True}
    assert "华州第一小学" not in html and "临渭第二小学" in html

    campaigns = (s.campaign, s.campaign2)
    assert _links(page("county_supervisor", "/campaigns/"), "/campaigns/", campaigns) == {
        s.campaign: True, s.campaign2: False}
    assert _links(page("other_county_supervisor", "/campaigns/"), "/campaigns/", campaigns) == {
        s.campaign: False, s.campaign2: True}

    # The audit log shows the answers' notes: each county sees its own school's only.
    html = page("county_supervisor", "/audit/")
    assert "档案混乱" in html and "资助政策未公示" not in html
    html = page("other_county_supervisor", "/audit/")
    assert "档案混乱" not in html and "资助政策未公示" in html

    visits = (s.visit, s.visit2)
    assert _links(page("inspector", "/visits/mine"), "/visits/", visits) == {s.visit: True, s.visit2: False}
    assert _links(page("inspector2", "/visits/mine"), "/visits/", visits) == {s.visit: False, s.visit2: True}
    assert _links(page("other_inspector", "/visits/mine"), "/visits/", visits) == {s.visit: False,
                                                                                   s.visit2: False}


def test_read_api_lists_hold_what_each_role_may_open(app: Flask, scene: Scene) -> None:
    """The read API's lists (/api/v1/data/…) hold exactly the objects each role may open one by one."""
    by_role = clients(app, scene.logins)
    checks: dict[str, tuple[type[t.Any], t.Callable[[User, t.Any], bool]]] = {
        "campaigns": (Campaign, can_view_campaign), "schools": (School, can_view_school),
        "visits": (Visit, can_view_visit), "findings": (Finding, can_view_finding),
        "rectifications": (Rectification, lambda user, rect: can_view_finding(user, rect.finding)),
    }
    for collection, (model, can_view) in checks.items():
        for role in ROLES[1:]:
            response = by_role[role].get(f"/api/v1/data/{collection}?limit=500")
            if response.status_code == NO:
                continue
            assert response.status_code == OK, (collection, role)
            got = {row["id"] for row in response.json["items"]}
            with app.app_context():
                user = db.session.get(User, scene.users[role])
                expected = {o.id for o in db.session.scalars(sa.select(model)) if can_view(user, o)}
            assert got == expected, (collection, role)
            assert expected or role in ("inspector", "other_inspector"), (collection, role)


def _docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_a_county_gets_no_report_of_a_campaign_reaching_beyond_it(
        app: Flask, world: World, make_user: t.Callable[..., User], make_campaign: t.Callable[..., Campaign],
) -> None:
    """A city campaign touching both counties: each county supervisor may open it (scoped to their
    schools), but its report covers the whole city, so only city-wide staff may download it."""
    city_inspector = make_user(Role.INSPECTOR, username="cityinsp")
    campaign = make_campaign(world.supervisor, schools=[world.school, world.other_school],
                             inspectors=[city_inspector], start=True, code="W3")
    db.session.commit()
    with app.test_request_context():
        show = url_for("campaigns.show", campaign_id=campaign.id)
        report = url_for("reports.request_campaign_report", campaign_id=campaign.id, kind="investigation")
    c = clients(app, logins(world), ["supervisor", "viewer", "county_supervisor", "other_county_supervisor"])
    city = c["supervisor"].post(report)
    assert city.status_code == 302
    page = c["supervisor"].get(city.location)
    assert page.status_code == OK
    job_id = int(city.location.rstrip("/").rsplit("/", 1)[1])
    document = c["supervisor"].get(f"/reports/jobs/{job_id}/download")
    assert document.status_code == OK
    text = _docx_text(document.data)
    document.close()
    assert "临渭区" in text and "华州区" in text
    assert c["viewer"].post(report).status_code == 302
    # Nobody but the one who asked sees the job, not even a colleague with the same scope.
    assert c["viewer"].get(f"/reports/jobs/{job_id}/download").status_code == NF
    stmt = sa.select(Visit.school_id, Visit.id).where(Visit.campaign_id == campaign.id)
    visits = {school_id: visit_id for school_id, visit_id in db.session.execute(stmt)}
    own_visit = {"county_supervisor": visits[world.school.id],
                 "other_county_supervisor": visits[world.other_school.id]}
    for role in ("county_supervisor", "other_county_supervisor"):
        page = c[role].get(show)
        assert page.status_code == OK, role
        # The campaign page lists only the county's own visit.
        assert _links(page.get_data(as_text=True), "/visits/", visits.values()) == {
            v: v == own_visit[role] for v in visits.values()}, role
        assert c[role].post(report).status_code == NO, role
    # A county's own campaign: its report is the county's to download, and nobody else's in the counties.
    own = make_campaign(world.county_supervisor, schools=[world.school], inspectors=[world.inspector],
                        code="W4")
    db.session.commit()
    with app.test_request_context():
        own_report = url_for("reports.request_campaign_report", campaign_id=own.id, kind="monthly")
    assert c["county_supervisor"].post(own_report).status_code == 302
    assert c["other_county_supervisor"].post(own_report).status_code == NF
    assert c["supervisor"].post(own_report).status_code == 302
