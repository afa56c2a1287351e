"""Checklist versions: import XLSForms as drafts, publish, retire, and compare versions.

A version is a draft until it is published; a draft can be imported again (its content is
replaced), previewed and discarded. A published version never changes: campaigns use it and every
visit keeps it, and new content needs a new version number. A retired version stays with the
campaigns and visits that used it, but no new campaign can take it.
"""

from __future__ import annotations

import hashlib
import re
import typing as t
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from ..audit import services as audit
from ..db import utcnow
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from . import xlsform_convert
from . import xlsform_import
from .models import Checklist
from .models import ChecklistItem
from .models import ChecklistSection
from .models import ChecklistVersion
from .models import FormKind
from .models import VersionStatus
from .models import pick_label
from .parsed import ParsedChecklist

if t.TYPE_CHECKING:
    from ..auth.models import User

MAX_FORM_BYTES = 2 * 1024 * 1024
FORM_SUFFIXES = (".xlsx", ".xls", ".md")
DEFAULT_FORM_ID = "data"  # what pyxform calls a form whose settings give no form_id


def import_checklist(data: bytes, *, filename: str, actor: User | None, publish: bool = False,
                     kind: FormKind = FormKind.CHECKLIST) -> tuple[ChecklistVersion, bool]:
    """Parse an XLSForm and store it as a draft version (published with ``publish``).

    ``kind`` says what the form is for: a checklist, or a questionnaire (``surveys/`` imports those); a
    form id keeps the kind it was first imported as.

    Returns (version, changed). Importing a file that is already stored changes nothing (but
    publishes its draft when asked to). A different file claiming the number of a draft replaces
    that draft's content; claiming the number of a published or retired version is refused.
    """
    if len(data) > MAX_FORM_BYTES:
        raise ValidationFailed(
            _("File “%(file)s” is larger than %(limit)d KB.", file=filename, limit=MAX_FORM_BYTES // 1024)
        )
    digest = hashlib.sha256(data).hexdigest()
    parsed = xlsform_import.parse(xlsform_convert.convert_form(data, filename))
    if parsed.form_id == DEFAULT_FORM_ID:
        # XLSForm's rule: without settings.form_id, the form is named after its file.
        parsed.form_id = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(filename).stem)[:64] or DEFAULT_FORM_ID

    checklist = db.session.scalar(sa.select(Checklist).where(Checklist.form_id == parsed.form_id))
    if checklist is not None and checklist.kind != kind:
        raise ValidationFailed(_("Form “%(form)s” is a %(kind)s; it cannot be imported as a %(other)s.",
                                 form=parsed.form_id, kind=checklist.kind.label, other=kind.label))
    if checklist is not None:
        same = next((v for v in checklist.versions if v.source_sha256 == digest), None)
        if same is not None:
            if publish and same.is_draft:
                publish_version(same, actor=actor)
                return same, True
            return same, False
    version_label = parsed.version or str(len(checklist.versions) + 1 if checklist else 1)
    existing = next((v for v in checklist.versions if v.version == version_label), None) if checklist else None
    if existing is not None and not existing.is_draft:
        raise ValidationFailed(
            _("Checklist “%(form)s” already has a version %(v)s with different content. "
              "Raise the version in the settings sheet before importing.", form=parsed.form_id, v=version_label)
        )
    if checklist is None:
        checklist = Checklist(form_id=parsed.form_id, title=next(iter(parsed.title.values())), kind=kind)
        db.session.add(checklist)
        db.session.flush()
        audit.record(actor, "checklist.create", checklist, after={"form_id": checklist.form_id})
    else:
        checklist.title = parsed.title.get("zh") or next(iter(parsed.title.values()))

    now = utcnow()
    if existing is not None:
        version = existing
        replaced_sha = version.source_sha256
        _clear_content(version)
        version.title, version.default_language = parsed.title, parsed.default_language
        version.source_name, version.source_sha256 = Path(filename).name, digest
        version.created_at, version.created_by_id = now, actor.id if actor else None
    else:
        replaced_sha = None
        version = ChecklistVersion(
            checklist=checklist,
            version=version_label,
            title=parsed.title,
            status=VersionStatus.DRAFT,
            source_name=Path(filename).name,
            source_sha256=digest,
            default_language=parsed.default_language,
            created_at=now,
            created_by_id=actor.id if actor else None,
        )
        db.session.add(version)
    _store_content(version, parsed)
    audit.record(actor, "checklist.replace" if replaced_sha else "checklist.import", version, after={
        "form_id": checklist.form_id, "version": version.version, "file": version.source_name,
        "sha256": digest, "items": len(parsed.items),
    }, before={"sha256": replaced_sha} if replaced_sha else None)
    if publish:
        publish_version(version, actor=actor)
    return version, True


def _clear_content(version: ChecklistVersion) -> None:
    """Delete a draft's sections and items (the links between items first)."""
    for item in version.items:
        item.repeat = item.detail_of = None
    db.session.flush()
    version.items.clear()
    db.session.flush()
    version.sections.clear()
    db.session.flush()


def _store_content(version: ChecklistVersion, parsed: ParsedChecklist) -> None:
    sections: dict[str, ChecklistSection] = {}
    for position, sec in enumerate(parsed.sections):
        sections[sec.name] = ChecklistSection(
            version=version, name=sec.name, label=sec.label, weight=sec.weight, position=position,
            relevant=sec.relevant, logic=sec.logic, row=sec.row,
        )
        db.session.add(sections[sec.name])
    items: dict[str, ChecklistItem] = {}
    for position, p in enumerate(parsed.items):
        items[p.name] = ChecklistItem(
            version=version,
            section=sections.get(p.section) if p.section else None,
            name=p.name, type=p.type, label=p.label, hint=p.hint, required=p.required, choices=p.choices,
            fail_values=p.fail_values, correct_values=p.correct_values,
            weight=p.weight, severity=p.severity, veto=p.veto,
            policy_basis=p.policy_basis, method=p.method, position=position, row=p.row,
            relevant=p.relevant, constraint=p.constraint, required_if=p.required_if,
            constraint_message=p.constraint_message, required_message=p.required_message,
            default_value=p.default_value, photo_location=p.photo_location, logic=p.logic,
        )
        db.session.add(items[p.name])
    for p in parsed.items:
        item = items[p.name]
        item.repeat = items[p.repeat] if p.repeat else None
        item.detail_of = items[p.detail_of] if p.detail_of else None
    db.session.flush()


def publish_version(version: ChecklistVersion, *, actor: User | None) -> None:
    """Publish a draft: from now on it never changes, and campaigns can use it."""
    if not version.is_draft:
        raise InvalidTransition(_("Only a draft can be published; version %(v)s is “%(status)s”.",
                                  v=version.version, status=version.status.label))
    version.status = VersionStatus.PUBLISHED
    version.published_at = utcnow()
    audit.record(actor, "checklist.publish", version, before={"status": VersionStatus.DRAFT},
                 after={"status": version.status, "version": version.version})


def retire_version(version: ChecklistVersion, *, actor: User | None) -> None:
    """Retire a published version: campaigns that use it go on, but no new campaign can take it."""
    if version.status != VersionStatus.PUBLISHED:
        raise InvalidTransition(_("Only a published version can be retired; version %(v)s is “%(status)s”.",
                                  v=version.version, status=version.status.label))
    version.status = VersionStatus.RETIRED
    version.retired_at = utcnow()
    audit.record(actor, "checklist.retire", version, before={"status": VersionStatus.PUBLISHED},
                 after={"status": version.status, "version": version.version})


def discard_draft(version: ChecklistVersion, *, actor: User | None) -> Checklist:
    """Delete a draft version (nothing can use a draft); return its checklist."""
    if not version.is_draft:
        raise InvalidTransition(_("Only a draft can be discarded; version %(v)s is “%(status)s”.",
                                  v=version.version, status=version.status.label))
    checklist = version.checklist
    audit.record(actor, "checklist.discard", version, before={
        "form_id": checklist.form_id, "version": version.version, "sha256": version.source_sha256})
    _clear_content(version)
    db.session.delete(version)
    db.session.flush()
    db.session.expire(checklist, ["versions"])
    return checklist


def load_directory(directory: Path, *, actor: User | None,
                   publish: bool = False) -> list[tuple[ChecklistVersion, bool]]:
    """Import every XLSForm file in ``directory`` (sorted by name)."""
    results = []
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() in FORM_SUFFIXES and not path.name.startswith((".", "~$")):
            results.append(import_checklist(path.read_bytes(), filename=path.name, actor=actor, publish=publish))
    return results


def published_versions(kind: FormKind = FormKind.CHECKLIST) -> list[ChecklistVersion]:
    """Versions a new campaign (or, for questionnaires, a survey round) may use, newest first within each form."""
    stmt = (
        sa.select(ChecklistVersion)
        .join(Checklist, Checklist.id == ChecklistVersion.checklist_id)
        .where(ChecklistVersion.status == VersionStatus.PUBLISHED, Checklist.kind == kind)
        .order_by(ChecklistVersion.checklist_id, ChecklistVersion.id.desc())
    )
    return list(db.session.scalars(stmt))


def all_versions() -> list[ChecklistVersion]:
    """Every version of every checklist, oldest first."""
    stmt = (
        sa.select(ChecklistVersion)
        .options(orm.joinedload(ChecklistVersion.checklist))
        .order_by(ChecklistVersion.checklist_id, ChecklistVersion.id)
    )
    return list(db.session.scalars(stmt))


def find_version(key: str) -> ChecklistVersion:
    """A version by id, by form_id (its latest published version) or by checklist title."""
    key = key.strip()
    if key.isdigit():
        version = db.session.get(ChecklistVersion, int(key))
        if version is not None:
            return version
    checklist = db.session.scalar(
        sa.select(Checklist).where(sa.or_(Checklist.form_id == key, Checklist.title == key))
    )
    if checklist is not None:
        published = [v for v in checklist.versions if v.status == VersionStatus.PUBLISHED]
        if published:
            return published[-1]
    raise ValidationFailed(_("No published checklist matches “%(key)s”.", key=key))


def load_tree(version: ChecklistVersion) -> ChecklistVersion:
    """Load a version's sections and items with their repeats and detail questions in a few queries."""
    db.session.scalars(
        sa.select(ChecklistVersion).where(ChecklistVersion.id == version.id)
        .options(orm.selectinload(ChecklistVersion.sections).selectinload(ChecklistSection.items),
                 orm.selectinload(ChecklistVersion.items).selectinload(ChecklistItem.details),
                 orm.selectinload(ChecklistVersion.items).selectinload(ChecklistItem.children))
    ).all()
    return version


def previous_version(version: ChecklistVersion) -> ChecklistVersion | None:
    """The version of the same checklist imported before this one."""
    earlier = [v for v in version.checklist.versions if v.id < version.id]
    return earlier[-1] if earlier else None


# --- what changed between two versions --------------------------------------------------------------


@dataclass
class FieldChange:
    field: str
    label: str
    before: str
    after: str


@dataclass
class ElementChange:
    """A section or an item present in both versions, with the fields that differ."""

    name: str
    label: str
    changes: list[FieldChange]


@dataclass
class VersionDiff:
    old: ChecklistVersion
    new: ChecklistVersion
    settings: list[FieldChange] = field(default_factory=list)
    sections_added: list[ChecklistSection] = field(default_factory=list)
    sections_removed: list[ChecklistSection] = field(default_factory=list)
    sections_changed: list[ElementChange] = field(default_factory=list)
    items_added: list[ChecklistItem] = field(default_factory=list)
    items_removed: list[ChecklistItem] = field(default_factory=list)
    items_changed: list[ElementChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.settings or self.sections_added or self.sections_removed or self.sections_changed
                    or self.items_added or self.items_removed or self.items_changed)


FIELD_LABELS: dict[str, t.Any] = {
    "title": _l("Title"),
    "label": _l("Label"),
    "hint": _l("Hint"),
    "type": _l("Type"),
    "section": _l("Section"),
    "repeat": _l("Repeat"),
    "choices": _l("Choices"),
    "required": _l("Required"),
    "required_message": _l("Message when missing"),
    "relevant": _l("Shown when"),
    "constraint": _l("Constraint"),
    "constraint_message": _l("Message when the constraint fails"),
    "default_value": _l("Default"),
    "fail_values": _l("Answers that raise a problem"),
    "weight": _l("Weight"),
    "severity": _l("Severity"),
    "veto": _l("Veto"),
    "policy_basis": _l("Policy basis"),
    "method": _l("Method"),
    "detail_of": _l("Detail of"),
    "photo_location": _l("Photos keep their location"),
}


def _show(value: t.Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if hasattr(value, "label") and hasattr(value, "value"):
        return str(value.label)
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


LANGUAGE_NAMES: dict[str, t.Any] = {"zh": _l("Chinese"), "en": _l("English")}


def _label_changes(key: str, before: dict[str, t.Any] | None, after: dict[str, t.Any] | None) -> list[FieldChange]:
    before, after = before or {}, after or {}
    changes = []
    for lang in sorted(set(before) | set(after)):
        if before.get(lang) != after.get(lang):
            label = _("%(field)s (%(language)s)", field=FIELD_LABELS[key], language=LANGUAGE_NAMES.get(lang, lang))
            changes.append(FieldChange(f"{key}:{lang}", label, before.get(lang, ""), after.get(lang, "")))
    return changes


def _choices_text(choices: list[dict[str, t.Any]] | None) -> str:
    return " / ".join(f"{c['name']} {pick_label(c['label'])}".strip() for c in choices or [])


def _required_text(item: ChecklistItem) -> str:
    return item.required_if or _show(item.required)


def _item_changes(old: ChecklistItem, new: ChecklistItem) -> list[FieldChange]:
    changes = _label_changes("label", old.label, new.label) + _label_changes("hint", old.hint, new.hint)
    plain: list[tuple[str, str, str]] = [
        ("type", _show(old.type), _show(new.type)),
        ("section", old.section.name if old.section else "", new.section.name if new.section else ""),
        ("repeat", old.repeat.name if old.repeat else "", new.repeat.name if new.repeat else ""),
        ("choices", _choices_text(old.choices), _choices_text(new.choices)),
        ("required", _required_text(old), _required_text(new)),
        ("relevant", old.relevant or "", new.relevant or ""),
        ("constraint", old.constraint or "", new.constraint or ""),
        ("default_value", old.default_value or "", new.default_value or ""),
        ("fail_values", _show(old.fail_values), _show(new.fail_values)),
        ("weight", _show(old.weight), _show(new.weight)),
        ("severity", _show(old.severity), _show(new.severity)),
        ("veto", _show(old.veto), _show(new.veto)),
        ("policy_basis", old.policy_basis or "", new.policy_basis or ""),
        ("method", old.method or "", new.method or ""),
        ("detail_of", old.detail_of.name if old.detail_of else "", new.detail_of.name if new.detail_of else ""),
        ("photo_location", _show(old.photo_location), _show(new.photo_location)),
    ]
    changes += [FieldChange(key, str(FIELD_LABELS[key]), a, b) for key, a, b in plain if a != b]
    changes += _label_changes("constraint_message", old.constraint_message, new.constraint_message)
    changes += _label_changes("required_message", old.required_message, new.required_message)
    return changes


def compare_versions(old: ChecklistVersion, new: ChecklistVersion) -> VersionDiff:
    """What changed from ``old`` to ``new``: sections and items added, removed and changed, field by field."""
    diff = VersionDiff(old=old, new=new, settings=_label_changes("title", old.title, new.title))
    old_sections = {s.name: s for s in old.sections}
    new_sections = {s.name: s for s in new.sections}
    diff.sections_added = [s for s in new.sections if s.name not in old_sections]
    diff.sections_removed = [s for s in old.sections if s.name not in new_sections]
    for section in new.sections:
        before = old_sections.get(section.name)
        if before is None:
            continue
        changes = _label_changes("label", before.label, section.label)
        for key, a, b in [("weight", _show(before.weight), _show(section.weight)),
                          ("relevant", before.relevant or "", section.relevant or "")]:
            if a != b:
                changes.append(FieldChange(key, str(FIELD_LABELS[key]), a, b))
        if changes:
            diff.sections_changed.append(ElementChange(section.name, section.display_label, changes))
    old_items = {i.name: i for i in old.items}
    new_items = {i.name: i for i in new.items}
    diff.items_added = [i for i in new.items if i.name not in old_items]
    diff.items_removed = [i for i in old.items if i.name not in new_items]
    for item in new.items:
        before_item = old_items.get(item.name)
        if before_item is None:
            continue
        item_changes = _item_changes(before_item, item)
        if item_changes:
            diff.items_changed.append(ElementChange(item.name, item.display_label, item_changes))
    return diff


@dataclass
class SectionView:
    """One section of a visit's checklist with the current answers, for display."""

    name: str | None
    label: str
    items: list[ChecklistItem]
    section: ChecklistSection | None = None


def checklist_sections(version: ChecklistVersion) -> list[SectionView]:
    """A checklist's top-level items grouped by section, in form order (items outside sections first).

    The questions of a repeat are reached through the repeat item (``item.children``), the detail
    questions of an item through ``item.details``.
    """
    def shown(item: ChecklistItem) -> bool:
        return item.repeat_id is None and item.detail_of_id is None

    loose = [i for i in version.items if i.section_id is None and shown(i)]
    views = [SectionView(None, _("Other items"), loose)] if loose else []
    views += [SectionView(s.name, s.display_label, [i for i in s.items if shown(i)], s) for s in version.sections]
    return views
