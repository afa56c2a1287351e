"""The whole visit page saved at once: the form's own submit, for browsers without scripts."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field

from ..checklists.models import ChecklistItem
from ..checklists.models import ItemType
from . import photos
from . import services
from .models import RepeatInstance
from .models import Visit

if t.TYPE_CHECKING:
    from ..auth.models import User


@dataclass
class Upload:
    filename: str
    data: bytes


@dataclass
class PageInput:
    """What the page sent: fields by name (``value-ITEM[-ENTRY]``, ``note-…``), photos (``photo-…``).

    And, if asked, a repeat to add an entry to or an entry to remove.
    """

    fields: t.Mapping[str, list[str]]
    uploads: t.Mapping[str, list[Upload]] = field(default_factory=dict)
    add_entry: ChecklistItem | None = None
    remove_entry: RepeatInstance | None = None


def _slots(visit: Visit) -> list[tuple[ChecklistItem, RepeatInstance | None]]:
    """Every question on the page: those outside repeats, then each question of each current entry."""
    entries = services.visit_entries(visit)
    items = visit.checklist_version.items
    slots: list[tuple[ChecklistItem, RepeatInstance | None]] = [
        (item, None) for item in items if item.repeat_id is None]
    slots += [(child, entry) for item in items if item.type == ItemType.REPEAT
              for entry in entries.get(item.id, []) for child in item.children]
    return slots


def save_page(visit: Visit, page: PageInput, *, actor: User) -> str | None:
    """Save the answers, notes and photos the page sent, then add or remove an entry if asked.

    Returns the anchor of the list an entry was added to or removed from, if any.
    """
    for item, entry in _slots(visit):
        suffix = f"-{entry.uuid}" if entry else ""
        value_key, note_key = f"value-{item.id}{suffix}", f"note-{item.id}{suffix}"
        if item.type.takes_answer and (value_key in page.fields or note_key in page.fields):
            sent = page.fields.get(value_key, [])
            value = " ".join(sent) if item.type == ItemType.SELECT_MULTIPLE else (sent[0] if sent else None)
            notes = page.fields.get(note_key, [])
            services.save_answer(visit, item, value=value, note=notes[0] if notes else None, entry=entry, actor=actor)
        for upload in page.uploads.get(f"photo-{item.id}{suffix}", []):
            photos.add_visit_photo(visit, item, upload.data, filename=upload.filename, entry=entry, actor=actor)
    anchor = None
    if page.add_entry is not None:
        services.add_entry(visit, page.add_entry, actor=actor)
        anchor = f"#item-{page.add_entry.id}"
    if page.remove_entry is not None:
        services.remove_entry(visit, page.remove_entry, actor=actor)
        anchor = f"#item-{page.remove_entry.item_id}"
    return anchor
