"""Import XLSForm checklists into versioned, immutable checklist versions."""

from __future__ import annotations

import hashlib
import re
import typing as t
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit import services as audit
from ..db import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from . import xlsform_import
from .models import Checklist
from .models import ChecklistItem
from .models import ChecklistSection
from .models import ChecklistVersion
from .models import VersionStatus

if t.TYPE_CHECKING:
    from ..auth.models import User

MAX_FORM_BYTES = 2 * 1024 * 1024
FORM_SUFFIXES = (".xlsx", ".xls", ".md")
DEFAULT_FORM_ID = "data"  # what pyxform calls a form whose settings give no form_id


def import_checklist(data: bytes, *, filename: str, actor: User | None) -> tuple[ChecklistVersion, bool]:
    """Parse an XLSForm and store it as a published version; return (version, created).

    Importing the same file again returns the existing version. A different file
    that claims an existing version number is refused: published versions never change.
    """
    if len(data) > MAX_FORM_BYTES:
        raise ValidationFailed(
            _("File “%(file)s” is larger than %(limit)d KB.", file=filename, limit=MAX_FORM_BYTES // 1024)
        )
    digest = hashlib.sha256(data).hexdigest()
    parsed = xlsform_import.parse(xlsform_import.convert_form(data, filename))
    if parsed.form_id == DEFAULT_FORM_ID:
        # XLSForm's rule: without settings.form_id, the form is named after its file.
        parsed.form_id = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(filename).stem)[:64] or DEFAULT_FORM_ID

    checklist = db.session.scalar(sa.select(Checklist).where(Checklist.form_id == parsed.form_id))
    if checklist is not None:
        same = next((v for v in checklist.versions if v.source_sha256 == digest), None)
        if same is not None:
            return same, False
    version_label = parsed.version or str(len(checklist.versions) + 1 if checklist else 1)
    if checklist is not None and any(v.version == version_label for v in checklist.versions):
        raise ValidationFailed(
            _("Checklist “%(form)s” already has a version %(v)s with different content. "
              "Raise the version in the settings sheet before importing.", form=parsed.form_id, v=version_label)
        )
    if checklist is None:
        checklist = Checklist(form_id=parsed.form_id, title=next(iter(parsed.title.values())))
        db.session.add(checklist)
        db.session.flush()
        audit.record(actor, "checklist.create", checklist, after={"form_id": checklist.form_id})
    else:
        checklist.title = parsed.title.get("zh") or next(iter(parsed.title.values()))

    now = utcnow()
    version = ChecklistVersion(
        checklist=checklist,
        version=version_label,
        title=parsed.title,
        status=VersionStatus.PUBLISHED,
        source_name=Path(filename).name,
        source_sha256=digest,
        default_language=parsed.default_language,
        created_at=now,
        published_at=now,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    sections: dict[str, ChecklistSection] = {}
    for position, sec in enumerate(parsed.sections):
        sections[sec.name] = ChecklistSection(
            version=version, name=sec.name, label=sec.label, weight=sec.weight, position=position
        )
        db.session.add(sections[sec.name])
    for position, item in enumerate(parsed.items):
        db.session.add(ChecklistItem(
            version=version,
            section=sections.get(item.section) if item.section else None,
            name=item.name,
            type=item.type,
            label=item.label,
            hint=item.hint,
            required=item.required,
            choices=item.choices,
            fail_values=item.fail_values,
            weight=item.weight,
            severity=item.severity,
            veto=item.veto,
            policy_basis=item.policy_basis,
            method=item.method,
            position=position,
        ))
    db.session.flush()
    audit.record(actor, "checklist.import", version, after={
        "form_id": checklist.form_id, "version": version.version, "file": version.source_name,
        "sha256": digest, "items": len(parsed.items),
    })
    return version, True


def load_directory(directory: Path, *, actor: User | None) -> list[tuple[ChecklistVersion, bool]]:
    """Import every XLSForm file in ``directory`` (sorted by name)."""
    results = []
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() in FORM_SUFFIXES and not path.name.startswith((".", "~$")):
            results.append(import_checklist(path.read_bytes(), filename=path.name, actor=actor))
    return results


def published_versions() -> list[ChecklistVersion]:
    stmt = (
        sa.select(ChecklistVersion)
        .where(ChecklistVersion.status == VersionStatus.PUBLISHED)
        .order_by(ChecklistVersion.checklist_id, ChecklistVersion.id.desc())
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
