"""Generated blocks: paragraphs and tables written on a scratch copy of the template, with its 公文 styles."""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from collections.abc import Iterable

import docx
from docx.document import Document
from docxtpl import DocxTemplate

from ..core import documents as gb
from . import render as rd

if t.TYPE_CHECKING:
    from .collect import PhotoRow


def _appendix_photo(row: PhotoRow) -> rd.Photo:
    """The copy stamped with school, time and place where there is one, else the photo as stored.

    A photo processed with a report copy (that of the stamped copy where there is one) is embedded
    as it is, its size from the database. Without one, the stamped copy's size is read from its
    header (the stamp adds a band below the picture) and the file is scaled as the package is written.
    """
    caption = "　".join(x for x in (row.school, row.item, rd.local_time(row.taken_at)) if x)
    if row.report_path and row.report_width and row.report_height:
        return rd.Photo(key=row.report_path, fallback=row.stamped_path or row.path, caption=caption,
                        width=row.report_width, height=row.report_height, as_is=True)
    if row.stamped_path:
        return rd.Photo(key=row.stamped_path, fallback=row.path, caption=caption)
    return rd.Photo(key=row.path, fallback=row.thumb_path or None,
                    caption=caption, width=row.width, height=row.height)


class Blocks:
    """Builds generated blocks on the template's own document, so they carry its 公文 styles."""

    # A scratch copy that took blocks this large (serialized) is replaced by a fresh one.
    SCRATCH_BYTES = 512 * 1024

    def __init__(self, tpl: DocxTemplate, photos: rd.PhotoSink) -> None:
        self.template_file = str(tpl.template_file)
        self.photos = photos
        self.store = rd.BlockStore(tpl.resolve_listing)
        self.document: Document | None = None
        self.held = 0

    def __call__(self, write: Callable[[Document], t.Any]) -> rd.RawXml:
        # The blocks stay in the scratch copy (taking them out of an lxml tree again costs more than a
        # copy of the template, a few milliseconds); a fresh copy once they are large, so that blocks
        # already kept need not stay in memory.
        if self.document is None or self.held > self.SCRATCH_BYTES:
            self.document = docx.Document(self.template_file)
            gb.ensure_styles(self.document)
            self.held = 0
        start = self.store.size
        marker = rd.capture(self.document, write, self.store)
        self.held += self.store.size - start
        return marker

    def photo_appendix(self, rows: Iterable[PhotoRow]) -> rd.RawXml:
        photos = (_appendix_photo(row) for row in rows)
        return self(lambda d: rd.add_photo_grid(d, photos, self.photos))

