from __future__ import annotations

import typing as t
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import orm

from ..db import TimestampMixin
from ..db import enum_column
from ..errors import InvalidTransition
from ..extensions import Model


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return str(VERSION_STATUS_LABELS[self])


VERSION_STATUS_LABELS = {
    VersionStatus.DRAFT: _l("Draft"),
    VersionStatus.PUBLISHED: _l("Published"),
    VersionStatus.RETIRED: _l("Retired"),
}


class FormKind(StrEnum):
    """What an XLSForm is used for: an inspection checklist, or a questionnaire for students and parents."""

    CHECKLIST = "checklist"
    SURVEY = "survey"

    @property
    def label(self) -> str:
        return str(FORM_KIND_LABELS[self])


FORM_KIND_LABELS = {
    FormKind.CHECKLIST: _l("Checklist"),
    FormKind.SURVEY: _l("Questionnaire"),
}


class ItemType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    TIME = "time"
    DATETIME = "datetime"
    SELECT_ONE = "select_one"
    SELECT_MULTIPLE = "select_multiple"
    IMAGE = "image"
    GEOPOINT = "geopoint"
    ACKNOWLEDGE = "acknowledge"
    NOTE = "note"
    # A list of entries (XLSForm begin_repeat): its questions are items whose ``repeat`` is this one.
    REPEAT = "repeat"
    # Values the form keeps without asking: a ``calculate`` (its expression, recomputed as answers
    # change) and a ``hidden`` question (its default). Neither is shown on the form.
    CALCULATE = "calculate"
    HIDDEN = "hidden"

    @property
    def takes_answer(self) -> bool:
        return self not in (ItemType.NOTE, ItemType.REPEAT)

    @property
    def asked(self) -> bool:
        """Whether the inspector sees and answers the question (calculated and hidden values are not)."""
        return self not in (ItemType.CALCULATE, ItemType.HIDDEN)

    @property
    def label(self) -> str:
        return str(ITEM_TYPE_LABELS[self])


ITEM_TYPE_LABELS = {
    ItemType.TEXT: _l("Text"),
    ItemType.INTEGER: _l("Whole number"),
    ItemType.DECIMAL: _l("Number"),
    ItemType.DATE: _l("Date"),
    ItemType.TIME: _l("Time"),
    ItemType.DATETIME: _l("Date and time"),
    ItemType.SELECT_ONE: _l("One choice"),
    ItemType.SELECT_MULTIPLE: _l("Several choices"),
    ItemType.IMAGE: _l("Photo"),
    ItemType.GEOPOINT: _l("Location"),
    ItemType.ACKNOWLEDGE: _l("Acknowledgement"),
    ItemType.NOTE: _l("Note"),
    ItemType.REPEAT: _l("List of entries"),
    ItemType.CALCULATE: _l("Calculated value"),
    ItemType.HIDDEN: _l("Hidden value"),
}


class Severity(StrEnum):
    GENERAL = "general"
    MAJOR = "major"
    SEVERE = "severe"

    @property
    def label(self) -> str:
        return str(SEVERITY_LABELS[self])

    @property
    def zh(self) -> str:
        return SEVERITY_ZH[self]

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


SEVERITY_LABELS = {
    Severity.GENERAL: _lp("severity", "General"),
    Severity.MAJOR: _l("Major"),
    Severity.SEVERE: _l("Severe"),
}
SEVERITY_ZH = {Severity.GENERAL: "一般", Severity.MAJOR: "较重", Severity.SEVERE: "严重"}


def pick_label(labels: dict[str, str] | None, locale: str | None = None) -> str:
    """Choose the label for the UI language, falling back to Chinese, then to any."""
    if not labels:
        return ""
    if locale is None:
        current = get_locale()
        locale = current.language if current else "zh"
    lang = locale.split("_")[0]
    for key in (lang, "zh", "default"):
        if labels.get(key):
            return labels[key]
    return next(iter(labels.values()))


class Checklist(TimestampMixin, Model):
    __tablename__ = "checklists"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    # The XLSForm ``form_id``: stable across versions.
    form_id: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(128))
    kind: orm.Mapped[FormKind] = orm.mapped_column(enum_column(FormKind), default=FormKind.CHECKLIST,
                                                   server_default=FormKind.CHECKLIST.value)

    versions: orm.Mapped[list[ChecklistVersion]] = orm.relationship(
        back_populates="checklist", order_by="ChecklistVersion.id"
    )


class ChecklistVersion(Model):
    __tablename__ = "checklist_versions"
    __table_args__ = (sa.UniqueConstraint("checklist_id", "version"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    checklist_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("checklists.id"), index=True)
    version: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    title: orm.Mapped[dict[str, t.Any]] = orm.mapped_column()
    status: orm.Mapped[VersionStatus] = orm.mapped_column(enum_column(VersionStatus))
    source_name: orm.Mapped[str] = orm.mapped_column(sa.String(256))
    source_sha256: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    default_language: orm.Mapped[str] = orm.mapped_column(sa.String(8), default="zh")
    created_at: orm.Mapped[datetime]
    published_at: orm.Mapped[datetime | None]
    retired_at: orm.Mapped[datetime | None]
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))

    checklist: orm.Mapped[Checklist] = orm.relationship(back_populates="versions")
    sections: orm.Mapped[list[ChecklistSection]] = orm.relationship(
        back_populates="version", order_by="ChecklistSection.position", cascade="all, delete-orphan"
    )
    items: orm.Mapped[list[ChecklistItem]] = orm.relationship(
        back_populates="version", order_by="ChecklistItem.position", cascade="all, delete-orphan"
    )

    @property
    def display_title(self) -> str:
        return pick_label(self.title)

    @property
    def assessed_items(self) -> list[ChecklistItem]:
        return [i for i in self.items if i.fail_values]

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class ChecklistSection(Model):
    __tablename__ = "checklist_sections"
    __table_args__ = (sa.UniqueConstraint("version_id", "name"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    version_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("checklist_versions.id"), index=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    label: orm.Mapped[dict[str, t.Any]] = orm.mapped_column()
    weight: orm.Mapped[Decimal | None] = orm.mapped_column(sa.Numeric(8, 2))
    position: orm.Mapped[int]
    # The XLSForm ``relevant`` of the group, as written, and its syntax tree ({"relevant": [...]}).
    relevant: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    logic: orm.Mapped[dict[str, t.Any] | None] = orm.mapped_column(sa.JSON)
    # The row of the survey sheet that began the group.
    row: orm.Mapped[int | None]

    version: orm.Mapped[ChecklistVersion] = orm.relationship(back_populates="sections")
    items: orm.Mapped[list[ChecklistItem]] = orm.relationship(
        back_populates="section", order_by="ChecklistItem.position"
    )

    @property
    def display_label(self) -> str:
        return pick_label(self.label)


class ChecklistItem(Model):
    __tablename__ = "checklist_items"
    __table_args__ = (sa.UniqueConstraint("version_id", "name"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    version_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("checklist_versions.id"), index=True)
    section_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("checklist_sections.id"), index=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    type: orm.Mapped[ItemType] = orm.mapped_column(enum_column(ItemType))
    label: orm.Mapped[dict[str, t.Any]] = orm.mapped_column()
    hint: orm.Mapped[dict[str, t.Any] | None] = orm.mapped_column(sa.JSON)
    required: orm.Mapped[bool] = orm.mapped_column(default=False)
    # [{"name": "yes", "label": {"zh": "是", "en": "Yes"}}, ...] for select items.
    choices: orm.Mapped[list[t.Any] | None] = orm.mapped_column(sa.JSON)
    # Answers (choice names) that raise a finding; empty for items that are not assessed.
    fail_values: orm.Mapped[list[t.Any]] = orm.mapped_column(default=list)
    # Questionnaires: the choice names that answer a knowledge question correctly (``correct`` column).
    correct_values: orm.Mapped[list[t.Any] | None] = orm.mapped_column(sa.JSON)
    weight: orm.Mapped[Decimal | None] = orm.mapped_column(sa.Numeric(8, 2))
    severity: orm.Mapped[Severity | None] = orm.mapped_column(enum_column(Severity))
    veto: orm.Mapped[bool] = orm.mapped_column(default=False)
    policy_basis: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    method: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    position: orm.Mapped[int]
    # The repeat (list of entries) this question belongs to; its answers are kept per entry.
    repeat_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("checklist_items.id"), index=True)
    # The assessed item whose failing answer this question details (``detail_of`` column): its text
    # is the finding's inspector note, its photos the finding's photos.
    detail_of_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("checklist_items.id"))
    # XLSForm logic as written; ``logic`` holds the syntax trees made at import
    # ({"relevant": [...], "constraint": [...], "required": [...]}).
    relevant: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    constraint: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    required_if: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    constraint_message: orm.Mapped[dict[str, t.Any] | None] = orm.mapped_column(sa.JSON)
    required_message: orm.Mapped[dict[str, t.Any] | None] = orm.mapped_column(sa.JSON)
    default_value: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    # ``photo_location`` column: the photos of this item keep where they were taken (other photos lose it).
    photo_location: orm.Mapped[bool] = orm.mapped_column(default=False)
    logic: orm.Mapped[dict[str, t.Any] | None] = orm.mapped_column(sa.JSON)
    # The row of the survey sheet the question was read from.
    row: orm.Mapped[int | None]

    version: orm.Mapped[ChecklistVersion] = orm.relationship(back_populates="items")
    section: orm.Mapped[ChecklistSection | None] = orm.relationship(back_populates="items")
    repeat: orm.Mapped[ChecklistItem | None] = orm.relationship(
        remote_side=[id], foreign_keys=[repeat_id], back_populates="children"
    )
    children: orm.Mapped[list[ChecklistItem]] = orm.relationship(
        foreign_keys=[repeat_id], back_populates="repeat", order_by="ChecklistItem.position"
    )
    detail_of: orm.Mapped[ChecklistItem | None] = orm.relationship(
        remote_side=[id], foreign_keys=[detail_of_id], back_populates="details"
    )
    details: orm.Mapped[list[ChecklistItem]] = orm.relationship(
        foreign_keys=[detail_of_id], back_populates="detail_of", order_by="ChecklistItem.position"
    )

    @property
    def display_label(self) -> str:
        return pick_label(self.label)

    @property
    def display_hint(self) -> str:
        return pick_label(self.hint)

    @property
    def readonly(self) -> bool:
        """Whether the value is the form's, not the inspector's: calculated, hidden or ``readonly``."""
        logic = self.logic or {}
        return not self.type.asked or bool(logic.get("readonly")) or "calculate" in logic

    @property
    def is_detail(self) -> bool:
        return self.detail_of_id is not None

    def detail(self, item_type: ItemType) -> ChecklistItem | None:
        """The first question of ``item_type`` that details this item (its note, its photo)."""
        return next((d for d in self.details if d.type == item_type), None)

    @property
    def note_question(self) -> ChecklistItem | None:
        """The text question asking what was found when this item fails."""
        return self.detail(ItemType.TEXT)

    @property
    def photo_question(self) -> ChecklistItem | None:
        """The image question asking for photos when this item fails."""
        return self.detail(ItemType.IMAGE)

    @property
    def display_constraint_message(self) -> str:
        return pick_label(self.constraint_message)

    @property
    def display_required_message(self) -> str:
        return pick_label(self.required_message)

    def choice_label(self, value: str | None) -> str:
        if value is None or value == "":
            return ""
        for choice in self.choices or []:
            if choice["name"] == value:
                return pick_label(choice["label"]) or value
        return value

    def fails(self, value: str | None) -> bool:
        if not self.fail_values or value is None:
            return False
        if self.type == ItemType.SELECT_MULTIPLE:
            return any(v in self.fail_values for v in value.split())
        return value in self.fail_values


def _committed_status(version: ChecklistVersion) -> VersionStatus:
    """The status stored in the database, before any change pending in this flush."""
    history = sa.inspect(version).attrs.status.history
    return t.cast(VersionStatus, history.deleted[0]) if history.deleted else version.status


# Fields of a version that change with its status; everything else is content.
_STATUS_FIELDS = {"status", "published_at", "retired_at"}


@sa.event.listens_for(orm.Session, "before_flush")
def _published_versions_are_immutable(session: orm.Session, _context: t.Any, _instances: t.Any) -> None:
    """Refuse any change to the content of a published or retired version, whoever makes it."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, ChecklistItem | ChecklistSection):
            version = obj.version
            if obj in session.dirty and not session.is_modified(obj):
                continue
        elif isinstance(obj, ChecklistVersion):
            version = obj
            if obj in session.dirty:
                state = sa.inspect(obj)
                changed = {a.key for a in state.attrs if a.history.has_changes()}
                if not changed - _STATUS_FIELDS:
                    continue
        else:
            continue
        if version is not None and _committed_status(version) != VersionStatus.DRAFT:
            raise InvalidTransition(_("Version %(v)s of checklist “%(form)s” is published and cannot be changed.",
                                      v=version.version, form=version.checklist.form_id))
