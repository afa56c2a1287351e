"""The raw data of a campaign's visits, as Kobo and ODK export it: one row per visit, one column per item.

The visits sheet holds each visit's record (school, team, inspectors, dates, check-in, status, scores,
veto) and then one column per checklist question, headed by its label and name ("成立领导小组 [S1_1]").
Each repeat (a list of entries, such as other problems found) gets a sheet of its own, one row per
entry keyed by the visit's uuid and the repeat's name. Photos are links to the photo pages.

Both formats stream: visits are read ``chunk_size`` at a time with their answers, entries and photos
in one query each per chunk, and written as they come (CSV lines to the response, .xlsx rows through
XlsxWriter's constant-memory mode to a temporary file, both sent by ``core.downloads``). Every text cell
is neutralised against spreadsheet formulas (``core.spreadsheets.neutralise``), as the rectification
ledger's are.
"""

from __future__ import annotations

import contextlib
import re
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation
from urllib.parse import urlsplit

import sqlalchemy as sa
import xlsxwriter
from flask import Response
from flask import abort
from flask import current_app
from flask import has_request_context
from flask import request
from sqlalchemy import orm

from ..campaigns.exports import VISIT_STATUS_ZH
from ..campaigns.models import Campaign
from ..checklists.models import ChecklistItem
from ..checklists.models import ChecklistVersion
from ..checklists.models import ItemType
from ..checklists.models import pick_label
from ..core import downloads
from ..core.downloads import CSV_MIME as CSV_MIME
from ..core.downloads import XLSX_MIME as XLSX_MIME
from ..core.permissions import Viewer
from ..core.roles import Role
from ..db import LOCAL_TZ
from ..extensions import db
from ..media.models import Attachment
from ..media.models import AttachmentKind
from ..schools.models import School
from ..visits.figures import visit_scores
from ..visits.models import Answer
from ..visits.models import RepeatInstance
from ..visits.models import Visit
from ..visits.models import VisitInspector
from ..visits.models import VisitStatus
from ..visits.permissions import school_filter
from ..visits.scoring import VisitScore
from ..visits.scoring import plan_score
from ..visits.services import checkin_distance

CHUNK_SIZE = 500
VISITS_SHEET = "检查记录"
# The data is the bureau's record: Chinese labels whatever the reader's UI language (as the plan workbook).
LANGUAGE = "zh"

VISIT_COLUMNS = [
    ("检查编号", "_uuid"), ("学校标识码", "school_code"), ("学校名称", "school_name"), ("区县", "county"),
    ("学段", "level"), ("检查组", "team"), ("检查人员", "inspectors"), ("计划日期", "planned_on"),
    ("开始时间", "started_at"), ("签到时间", "checkin_at"), ("签到纬度", "checkin_latitude"),
    ("签到经度", "checkin_longitude"), ("签到精度（米）", "checkin_accuracy_m"),
    ("签到距学校（米）", "checkin_distance_m"), ("提交时间", "submitted_at"), ("审核通过时间", "approved_at"),
    ("状态", "status"), ("总分", "score"), ("满分", "full_marks"),
]
VETO_COLUMNS = [("一票否决", "veto_failed"), ("否决项", "veto_items")]
ENTRY_COLUMNS = [("检查编号", "_uuid"), ("学校标识码", "school_code"), ("学校名称", "school_name"),
                 ("列表", "_repeat"), ("条目序号", "_index"), ("条目编号", "_entry_uuid")]

Key = tuple[int, int | None]
Row = list[t.Any]


def header(label: str, name: str) -> str:
    return f"{label} [{name}]"


def _time(value: datetime | None) -> str | None:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S") if value else None


def photo_linker() -> t.Callable[[int], str]:
    """Absolute addresses of the photo page: from the request, else ``BASE_URL``, else site-relative paths.

    The addresses are built without the request (a streamed response outlives it), as ``url_for`` would.
    """
    base = str(current_app.config.get("BASE_URL") or "")
    if has_request_context():
        adapter = current_app.create_url_adapter(request)
        assert adapter is not None
    else:
        parts = urlsplit(base)
        adapter = current_app.url_map.bind(parts.netloc or "localhost", script_name=parts.path or "/",
                                           url_scheme=parts.scheme or "https")
    external = has_request_context() or bool(base)
    return lambda attachment_id: adapter.build("media.file", {"attachment_id": attachment_id},
                                               force_external=external)


@dataclass(frozen=True)
class Scope:
    """The account an export is made for, as the permission filters read it (it outlives the request)."""

    id: int
    role: Role
    city_id: int | None
    county_id: int | None
    school_id: int | None
    scope_county_ids: frozenset[int] | None

    @classmethod
    def of(cls, viewer: Viewer) -> Scope:
        return cls(viewer.id, viewer.role, viewer.city_id, viewer.county_id, viewer.school_id,
                   viewer.scope_county_ids)


@dataclass
class Question:
    """A column of answers: the items of that name in every checklist version the campaign's visits use."""

    name: str
    header: str
    type: ItemType
    choices: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, item: ChecklistItem) -> Question:
        choices = {c["name"]: pick_label(c.get("label"), LANGUAGE) or c["name"] for c in item.choices or []}
        return cls(item.name, header(pick_label(item.label, LANGUAGE), item.name), item.type, choices)

    def cell(self, value: str | None, photos: list[str] | None) -> t.Any:
        if self.type == ItemType.IMAGE:
            return "\n".join(photos) if photos else None
        if value is None or value == "":
            return None
        if self.type == ItemType.SELECT_ONE:
            return self.choices.get(value, value)
        if self.type == ItemType.SELECT_MULTIPLE:
            return "、".join(self.choices.get(v, v) for v in value.split())
        if self.type in (ItemType.INTEGER, ItemType.DECIMAL):
            try:
                number = Decimal(value)
            except InvalidOperation:
                return value
            return int(number) if self.type == ItemType.INTEGER and number == number.to_integral_value() else number
        return value


@dataclass
class Table:
    """One sheet of the export: the visits, or the entries of one repeat."""

    name: str
    title: str
    headers: list[str]
    questions: list[Question]
    # item id → column among ``questions``, for every version's items of these names.
    index: dict[int, int] = field(default_factory=dict)


def _answerable(item: ChecklistItem) -> bool:
    return item.type.takes_answer


class RawExport:
    """A campaign's visits (those ``viewer`` may see; all of them without one) as tables, chunk by chunk."""

    def __init__(self, campaign: Campaign, *, viewer: Viewer | None = None, chunk_size: int = CHUNK_SIZE,
                 link: t.Callable[[int], str] | None = None) -> None:
        self.campaign_id, self.chunk_size = campaign.id, max(1, chunk_size)
        self.viewer = Scope.of(viewer) if viewer is not None else None
        self.link = link or photo_linker()
        versions = self._versions(campaign)
        main = versions[0]
        self.sections = [(name, label) for name, label, _weight, _items in plan_score(main).sections]
        fixed = [header(label, key) for label, key in VISIT_COLUMNS]
        fixed += [header(f"{label}得分", f"score_{name or 'other'}") for name, label in self.sections]
        fixed += [header(label, key) for label, key in VETO_COLUMNS]
        self.visits = Table("", VISITS_SHEET, fixed, [])
        self.repeats: dict[str, Table] = {}
        self._repeat_of: dict[int, str] = {}
        for version in versions:
            self._add_items(version)
        for table in (self.visits, *self.repeats.values()):
            table.headers += [q.header for q in table.questions]

    @staticmethod
    def _versions(campaign: Campaign) -> list[ChecklistVersion]:
        """The campaign's checklist version first, then any other its visits were planned with."""
        ids = set(db.session.scalars(sa.select(Visit.checklist_version_id).distinct()
                                     .where(Visit.campaign_id == campaign.id)))
        ids.discard(campaign.checklist_version_id)
        others = db.session.scalars(sa.select(ChecklistVersion).where(ChecklistVersion.id.in_(ids))
                                    .order_by(ChecklistVersion.id)).all() if ids else []
        return [campaign.checklist_version, *others]

    def _add_items(self, version: ChecklistVersion) -> None:
        for item in version.items:
            if item.repeat_id is None and item.type == ItemType.REPEAT:
                table = self.repeats.get(item.name)
                if table is None:
                    title = _sheet_title(pick_label(item.label, LANGUAGE) or item.name, self.repeats)
                    table = self.repeats[item.name] = Table(item.name, title,
                                                            [header(lbl, key) for lbl, key in ENTRY_COLUMNS], [])
                self._repeat_of[item.id] = item.name
        for item in version.items:
            if not _answerable(item):
                continue
            if item.repeat_id is None:
                table = self.visits
            elif item.repeat_id in self._repeat_of:
                table = self.repeats[self._repeat_of[item.repeat_id]]
            else:
                continue  # a question of a nested list: its parent list's entries hold it
            column = next((n for n, q in enumerate(table.questions) if q.name == item.name), None)
            if column is None:
                column = len(table.questions)
                table.questions.append(Question.of(item))
            table.index[item.id] = column

    @property
    def tables(self) -> list[Table]:
        return [self.visits, *self.repeats.values()]

    def table(self, name: str) -> Table | None:
        return self.visits if not name else self.repeats.get(name)

    def _chunk_query(self, after: int) -> sa.Select[Visit]:
        stmt = (
            sa.select(Visit).join(School, School.id == Visit.school_id)
            .where(Visit.campaign_id == self.campaign_id, Visit.id > after)
            .options(orm.contains_eager(Visit.school), orm.joinedload(Visit.team),
                     orm.selectinload(Visit.assignments).joinedload(VisitInspector.user))
            .order_by(Visit.id).limit(self.chunk_size)
        )
        if self.viewer is not None:
            stmt = stmt.where(school_filter(self.viewer, Visit.school_id, School.county_id))
        return stmt

    def chunks(self, context: t.Callable[[], t.ContextManager[t.Any]] = contextlib.nullcontext,
               ) -> Iterator[dict[str, list[Row]]]:
        """The rows of each table (by name, "" for the visits), ``chunk_size`` visits at a time.

        :param context: entered around the reading of each chunk, and left before it is handed on.
        """
        after: int | None = 0
        while after is not None:
            with context():
                rows, after = self.chunk(after)
            if rows[""]:
                yield rows

    def chunk(self, after: int) -> tuple[dict[str, list[Row]], int | None]:
        """The rows of the visits after the visit ``after`` (by id), and where the next chunk starts (or None)."""
        visits = list(db.session.scalars(self._chunk_query(after)).unique())
        if not visits:
            return {table.name: [] for table in self.tables}, None
        return self._rows(visits), visits[-1].id if len(visits) == self.chunk_size else None

    def _rows(self, visits: list[Visit]) -> dict[str, list[Row]]:
        ids = [v.id for v in visits]
        answers: dict[int, dict[Key, str | None]] = {i: {} for i in ids}
        for visit_id, item_id, instance_id, value in db.session.execute(
                sa.select(Answer.visit_id, Answer.item_id, Answer.instance_id, Answer.value)
                .where(Answer.visit_id.in_(ids))):
            answers[visit_id][(item_id, instance_id)] = value
        photos: dict[int, dict[Key, list[str]]] = {i: {} for i in ids}
        for attachment_id, owner, photo_item, instance_id in db.session.execute(
                sa.select(Attachment.id, Attachment.visit_id, Attachment.item_id, Attachment.instance_id)
                .where(Attachment.visit_id.in_(ids), Attachment.kind == AttachmentKind.PHOTO,
                       Attachment.item_id.is_not(None)).order_by(Attachment.id)):
            photos[t.cast(int, owner)].setdefault((t.cast(int, photo_item), instance_id), []).append(
                self.link(attachment_id))
        entries: dict[int, list[tuple[int, int, str]]] = {i: [] for i in ids}
        for entry_id, visit_id, item_id, key in db.session.execute(
                sa.select(RepeatInstance.id, RepeatInstance.visit_id, RepeatInstance.item_id, RepeatInstance.uuid)
                .where(RepeatInstance.visit_id.in_(ids), RepeatInstance.removed_at.is_(None))
                .order_by(RepeatInstance.visit_id, RepeatInstance.position, RepeatInstance.id)):
            entries[visit_id].append((entry_id, item_id, key))
        started = [v for v in visits if v.status != VisitStatus.PLANNED]
        scores = visit_scores(started) if started else {}
        rows: dict[str, list[Row]] = {table.name: [] for table in self.tables}
        for visit in visits:
            rows[""].append(self._visit_row(visit, scores.get(visit.id), answers[visit.id], photos[visit.id]))
            counters: dict[str, int] = {}
            for entry_id, item_id, key in entries[visit.id]:
                name = self._repeat_of.get(item_id)
                if name is None:
                    continue
                counters[name] = counters.get(name, 0) + 1
                rows[name].append(self._entry_row(visit, self.repeats[name], (entry_id, key, counters[name]),
                                                  answers[visit.id], photos[visit.id]))
        return rows

    def _visit_row(self, visit: Visit, score: VisitScore | None, answers: dict[Key, str | None],
                   photos: dict[Key, list[str]]) -> Row:
        school = visit.school
        team = visit.team
        people = sorted(visit.assignments, key=lambda a: not a.is_leader)
        distance = checkin_distance(visit)
        row: Row = [
            visit.uuid, school.code, school.name, school.county.name, school.level.zh, team.name if team else None,
            "、".join(a.user.display_name for a in people),
            visit.planned_on.isoformat() if visit.planned_on else None, _time(visit.started_at),
            _time(visit.checkin_at), visit.checkin_latitude, visit.checkin_longitude, visit.checkin_accuracy_m,
            round(distance) if distance is not None else None,
            _time(visit.submitted_at), _time(visit.reviewed_at) if visit.status == VisitStatus.APPROVED else None,
            VISIT_STATUS_ZH[visit.status],
        ]
        if score is None:
            row += [None] * (2 + len(self.sections) + len(VETO_COLUMNS))
        else:
            by_name = {s.name: s.score for s in score.sections}
            row += [score.score, score.full_marks, *(by_name.get(name) for name, _label in self.sections),
                    "是" if score.vetoed else "否", "、".join(i.name for i in score.veto_items) or None]
        return row + self._values(self.visits, None, answers, photos)

    def _entry_row(self, visit: Visit, table: Table, entry: tuple[int, str, int], answers: dict[Key, str | None],
                   photos: dict[Key, list[str]]) -> Row:
        entry_id, key, number = entry
        row: Row = [visit.uuid, visit.school.code, visit.school.name, table.name, number, key]
        return row + self._values(table, entry_id, answers, photos)

    @staticmethod
    def _values(table: Table, entry_id: int | None, answers: dict[Key, str | None],
                photos: dict[Key, list[str]]) -> Row:
        values: Row = [None] * len(table.questions)
        for item_id, column in table.index.items():
            key = (item_id, entry_id)
            value, shots = answers.get(key), photos.get(key)
            if value is not None or shots:
                values[column] = table.questions[column].cell(value, shots)
        return values


def _sheet_title(label: str, taken: dict[str, Table]) -> str:
    """A worksheet name Excel accepts (31 characters, none of []:*?/\\), unlike the others."""
    base = re.sub(r"[\[\]:*?/\\]", " ", label).strip()[:28] or "list"
    titles = {VISITS_SHEET, *(table.title for table in taken.values())}
    title, n = base, 1
    while title in titles:
        n += 1
        title = f"{base}_{n}"
    return title


def csv_lines(export: RawExport, table_name: str = "",
              context: t.Callable[[], t.ContextManager[t.Any]] = contextlib.nullcontext) -> Iterator[str]:
    """One table as CSV text, UTF-8 with a byte-order mark for Excel, yielded a chunk of visits at a time."""
    table = export.table(table_name)
    if table is None:
        raise KeyError(table_name)
    return downloads.csv_text(table.headers, (rows[table.name] for rows in export.chunks(context)))


def write_xlsx(export: RawExport, out: t.IO[bytes]) -> int:
    """Write the workbook to ``out`` (a file), a chunk of visits at a time; returns the number of visits."""
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    sheets = {}
    for table in export.tables:
        sheet = workbook.add_worksheet(table.title)
        sheet.set_column(0, len(table.headers) - 1, 16)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, downloads.safe_row(table.headers), bold)
        sheets[table.name] = [sheet, 1]
    visits = 0
    for rows in export.chunks():
        visits += len(rows[""])
        for name, table_rows in rows.items():
            state = sheets[name]
            sheet, line = state
            for row in table_rows:
                sheet.write_row(line, 0, downloads.safe_row(row))
                line += 1
            state[1] = line
    workbook.close()
    return visits


def export_name(campaign: Campaign, extension: str, table_name: str = "") -> str:
    suffix = f"-{table_name}" if table_name else ""
    return f"{campaign.code}-raw{suffix}.{extension}"


def response(campaign: Campaign, extension: str, *, viewer: Viewer, table_name: str = "") -> Response:
    """The download of the export for ``viewer``: CSV streamed as it is read, .xlsx from a temporary file.

    :param table_name: for CSV, the repeat whose entries to give instead of the visits.
    """
    export = RawExport(campaign, viewer=viewer)
    if extension == "csv":
        if export.table(table_name) is None:
            abort(404)
        # The rows are read as they are sent, after the request is over: each chunk in a context of its own.
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        return downloads.csv_response(csv_lines(export, table_name, app.app_context),
                                      export_name(campaign, "csv", table_name))
    if extension != "xlsx":
        abort(404)
    return downloads.file_response(lambda out: write_xlsx(export, out), mimetype=XLSX_MIME,
                                   filename=export_name(campaign, "xlsx"))
