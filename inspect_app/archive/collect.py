"""What a school's archive (资助档案) holds for one term: every record and file the system keeps for it.

:func:`collect` lists the entries in a fixed number of queries, whatever the number of visits,
problems or files: the scored checklist of each visit with its photos and signatures, the problems
found with their rectification and comments, the files attached to problems, the schools' evidence,
the 整改通知书 and 整改情况报告 of each campaign that found problems there, and the roster checks
of the term that named the school. An entry is either a stored file (read from the ``uploads``
store when the archive is written) or a document written at that moment.
"""

from __future__ import annotations

import functools
import re
import typing as t
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from ..campaigns.models import Campaign
from ..campaigns.models import Visit
from ..campaigns.models import VisitStatus
from ..checklists.models import ChecklistItem
from ..db import LOCAL_TZ
from ..extensions import db
from ..findings.models import Finding
from ..findings.models import FindingComment
from ..findings.models import FindingStatus
from ..funds.programmes import Semester
from ..funds.programmes import parse_semester
from ..media.models import Attachment
from ..media.models import AttachmentKind
from ..media.services import file_key
from ..publicity.documents import notice_title
from ..publicity.documents import render_notice
from ..publicity.models import PublicNotice
from ..rectification.models import Rectification
from ..reports import services as reports
from ..rosters.models import Discrepancy
from ..rosters.models import ReconciliationRun
from ..rosters.models import RunStatus
from ..schools.models import School
from ..visits.figures import visit_scores
from . import sheets

# The archive's sections, in the order of its folders (一生一档 order: checks, problems, evidence, documents).
VISITS = "检查记录"
PHOTOS = "检查照片与签字"
PROBLEMS = "问题与整改"
PROBLEM_FILES = "问题附件"
EVIDENCE = "整改佐证材料"
DOCUMENTS = "整改文书"
ROSTERS = "资助名单核查"
PUBLICITY = "公示与异议"
SECTIONS = (VISITS, PHOTOS, PROBLEMS, PROBLEM_FILES, EVIDENCE, DOCUMENTS, ROSTERS, PUBLICITY)

DONE_VISITS = (VisitStatus.SUBMITTED, VisitStatus.APPROVED, VisitStatus.RETURNED)
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass
class Entry:
    """One file of the archive: what it is, when and where from, and how to get its bytes."""

    section: str
    title: str
    when: date | None
    source: str
    name: str
    # A stored file: its key in the ``uploads`` store and its size; otherwise ``make`` writes it.
    key: str | None = None
    size: int | None = None
    make: Callable[[], bytes] | None = None

    @property
    def path(self) -> str:
        """Its place in the .zip: the section's numbered folder and the file's name."""
        return f"{SECTIONS.index(self.section) + 1:02d}-{self.section}/{self.name}"


@dataclass
class Archive:
    """A school's archive for a term: its entries, in folder order."""

    school: School
    term: Semester
    entries: list[Entry] = field(default_factory=list)

    @property
    def stored_bytes(self) -> int:
        return sum(e.size or 0 for e in self.entries)

    @property
    def filename(self) -> str:
        return f"{self.school.code}-{safe_name(self.school.name)}-{self.term.long_zh}资助档案.zip"

    def by_section(self) -> list[tuple[str, list[Entry]]]:
        return [(s, [e for e in self.entries if e.section == s]) for s in SECTIONS
                if any(e.section == s for e in self.entries)]


def safe_name(text: str, limit: int = 80) -> str:
    """A file name from user text: no path separators or control characters, bounded length."""
    cleaned = _UNSAFE.sub("_", text).strip(" .") or "file"
    if len(cleaned) <= limit:
        return cleaned
    stem, dot, suffix = cleaned.rpartition(".")
    if dot and 0 < len(suffix) <= 8:
        return stem[: limit - len(suffix) - 1] + "." + suffix
    return cleaned[:limit]


def local_date(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    return moment.astimezone(LOCAL_TZ).date() if moment.tzinfo else moment.date()


def campaign_term(campaign: Campaign) -> Semester | None:
    """The term a campaign belongs to: the one its term names (2026年秋季学期), else the one it starts in."""
    named = parse_semester(campaign.term)
    if named is not None:
        return named
    return Semester.containing(campaign.starts_on) if campaign.starts_on else None


def _school_campaigns(school: School) -> t.Sequence[Campaign]:
    """The campaigns that planned a visit to ``school``."""
    return db.session.scalars(sa.select(Campaign).where(
        Campaign.id.in_(sa.select(Visit.campaign_id).where(Visit.school_id == school.id)))).all()


def school_terms(school: School) -> list[Semester]:
    """The terms in which ``school`` was inspected, latest first."""
    terms = {term for term in map(campaign_term, _school_campaigns(school)) if term is not None}
    return sorted(terms, key=lambda term: term.key, reverse=True)


def _term_campaign_ids(school: School, term: Semester) -> list[int]:
    return [c.id for c in _school_campaigns(school) if campaign_term(c) == term]


def collect(school: School, term: Semester, *, with_documents: bool = True) -> Archive:
    """Everything the system holds for ``school`` in ``term``, as archive entries."""
    archive = Archive(school, term)
    campaign_ids = _term_campaign_ids(school, term)
    visits = list(db.session.scalars(
        sa.select(Visit).join(Campaign, Campaign.id == Visit.campaign_id)
        .where(Visit.school_id == school.id, Visit.status.in_(DONE_VISITS),
               Visit.campaign_id.in_(campaign_ids))
        .options(orm.contains_eager(Visit.campaign), orm.joinedload(Visit.team))
        .order_by(Campaign.starts_on, Visit.id)
    ).unique())
    _visit_entries(archive, visits)
    findings = list(db.session.scalars(
        sa.select(Finding).join(Campaign, Campaign.id == Finding.campaign_id)
        .where(Finding.school_id == school.id, Finding.status == FindingStatus.CONFIRMED,
               Finding.campaign_id.in_(campaign_ids))
        .options(orm.contains_eager(Finding.campaign),
                 orm.joinedload(Finding.item).joinedload(ChecklistItem.section),
                 orm.joinedload(Finding.rectification).joinedload(Rectification.verified_by))
        .order_by(Campaign.starts_on, Finding.id)
    ).unique())
    _problem_entries(archive, findings)
    if with_documents:
        _document_entries(archive, findings)
    _roster_entries(archive)
    _publicity_entries(archive, with_documents=with_documents)
    archive.entries.sort(key=lambda entry: SECTIONS.index(entry.section))
    return archive


def _visit_entries(archive: Archive, visits: list[Visit]) -> None:
    if not visits:
        return
    scores = visit_scores(visits)
    for visit in visits:
        when = local_date(visit.submitted_at) or visit.planned_on
        name = safe_name(f"{visit.campaign.code}-检查评分表-{when.isoformat() if when else visit.id}.xlsx")
        archive.entries.append(Entry(
            VISITS, f"{visit.campaign.name} 检查评分表", when, visit.campaign.name, name,
            make=functools.partial(sheets.visit_sheet, visit, scores.get(visit.id))))
    attachments = db.session.scalars(
        sa.select(Attachment).where(Attachment.visit_id.in_([v.id for v in visits]),
                                    Attachment.kind.in_((AttachmentKind.PHOTO, AttachmentKind.SIGNATURE)))
        .order_by(Attachment.visit_id, Attachment.id)
    ).all()
    campaigns = {v.id: v.campaign for v in visits}
    for number, attachment in enumerate(attachments, start=1):
        campaign = campaigns[t.cast(int, attachment.visit_id)]
        label = "签字" if attachment.kind == AttachmentKind.SIGNATURE else "照片"
        archive.entries.append(_stored(PHOTOS, f"{campaign.name} 现场{label}", campaign.name, number, attachment,
                                       stamped=attachment.kind == AttachmentKind.PHOTO))


def _problem_entries(archive: Archive, findings: list[Finding]) -> None:
    if not findings:
        return
    ids = [f.id for f in findings]
    comments: dict[int, list[FindingComment]] = {}
    for comment in db.session.scalars(
            sa.select(FindingComment).where(FindingComment.finding_id.in_(ids))
            .options(orm.joinedload(FindingComment.author)).order_by(FindingComment.id)):
        comments.setdefault(comment.finding_id, []).append(comment)
    rect_ids = [f.rectification.id for f in findings if f.rectification is not None]
    files = db.session.scalars(
        sa.select(Attachment).where(sa.or_(Attachment.finding_id.in_(ids), Attachment.rectification_id.in_(rect_ids)))
        .order_by(Attachment.id)
    ).all()
    evidence: dict[int, list[str]] = {}
    by_rect = {f.rectification.id: f for f in findings if f.rectification is not None}
    by_finding = {f.id: f for f in findings}
    for number, attachment in enumerate(files, start=1):
        if attachment.rectification_id is not None:
            finding = by_rect[attachment.rectification_id]
            entry = _stored(EVIDENCE, f"{finding.reference} 整改佐证", finding.campaign.name, number, attachment)
        else:
            finding = by_finding[t.cast(int, attachment.finding_id)]
            entry = _stored(PROBLEM_FILES, f"{finding.reference} 问题附件", finding.campaign.name, number, attachment)
        evidence.setdefault(finding.id, []).append(entry.path)
        archive.entries.append(entry)
    latest = max((f.updated_at or f.created_at for f in findings), default=None)
    archive.entries.append(Entry(
        PROBLEMS, "问题清单与整改情况", local_date(latest), "督导检查", "问题清单与整改情况.xlsx",
        make=functools.partial(sheets.problem_sheet, findings, comments, evidence)))


def _document_entries(archive: Archive, findings: list[Finding]) -> None:
    campaigns: dict[int, Campaign] = {}
    for finding in findings:
        campaigns.setdefault(finding.campaign_id, finding.campaign)
    school = archive.school
    for campaign in campaigns.values():
        closed = [f.rectification.closed_on for f in findings
                  if f.campaign_id == campaign.id and f.rectification is not None and f.rectification.closed_on]
        for kind, title, when in (("notice", "整改通知书", campaign.ends_on or campaign.starts_on),
                                  ("school-report", "整改情况报告", max(closed, default=None))):
            archive.entries.append(Entry(DOCUMENTS, f"{campaign.name} {title}", when, campaign.name,
                                         safe_name(f"{campaign.code}-{title}.docx"),
                                         make=functools.partial(_school_document, kind, campaign, school)))


def _roster_entries(archive: Archive) -> None:
    school, term = archive.school, archive.term
    runs = db.session.scalars(
        sa.select(ReconciliationRun).where(
            ReconciliationRun.semester_key == term.key, ReconciliationRun.status == RunStatus.DONE,
            sa.or_(ReconciliationRun.county_id.is_(None), ReconciliationRun.county_id == school.county_id),
            sa.exists().where(Discrepancy.run_id == ReconciliationRun.id, Discrepancy.school_id == school.id))
        .order_by(ReconciliationRun.id)
    ).all()
    for run in runs:
        archive.entries.append(Entry(
            ROSTERS, f"{run.title} 本校核查结果", local_date(run.finished_at), run.title,
            safe_name(f"{run.id}-{run.title}-本校核查结果.xlsx"),
            make=functools.partial(sheets.roster_sheet, run, school)))


def _publicity_entries(archive: Archive, *, with_documents: bool) -> None:
    """The term's 公示 notices of the school as issued, and the objections raised with their handling."""
    notices = db.session.scalars(
        sa.select(PublicNotice).where(PublicNotice.school_id == archive.school.id,
                                      PublicNotice.semester_key == archive.term.key)
        .options(orm.selectinload(PublicNotice.objections)).order_by(PublicNotice.starts_on, PublicNotice.id)
    ).all()
    for notice in notices:
        title = notice_title(notice)
        if with_documents:
            archive.entries.append(Entry(PUBLICITY, title, notice.starts_on, title,
                                         safe_name(f"{notice.id}-{title}.docx"),
                                         make=functools.partial(render_notice, notice)))
        if notice.objections:
            archive.entries.append(Entry(
                PUBLICITY, f"{title} 异议及处理", max(o.received_on for o in notice.objections), title,
                safe_name(f"{notice.id}-异议及处理.xlsx"), make=functools.partial(sheets.objection_sheet, notice)))


def _stored(section: str, title: str, source: str, number: int, attachment: Attachment, *,
            stamped: bool = False) -> Entry:
    key = file_key(attachment, stamped=stamped)
    size = attachment.size_bytes if key == attachment.path else None
    when = local_date(attachment.taken_at) or local_date(attachment.created_at)
    return Entry(section, title, when, source, safe_name(f"{number:03d}-{attachment.original_name}"),
                 key=key, size=size)


def _school_document(kind: str, campaign: Campaign, school: School) -> bytes:
    # As it reads today: writing it into an archive issues no document number.
    return reports.build(kind, campaign, school=school, issue=False).data
