"""The blank 公文 document every generated .docx and every report template starts from."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import docx
from docx.document import Document

from .layout import STYLE_BODY
from .page_setup import clear_body
from .page_setup import setup_document
from .paragraphs import format_paragraph
from .paragraphs import use_style


def new_document() -> Document:
    """An empty 公文 document: A4 page setup, line grid, 公文 styles and odd/even page-number footers."""
    document = docx.Document()
    setup_document(document)
    clear_body(document)
    return document


def build_base_template() -> Document:
    """A blank 公文 document with one empty body paragraph and no author, title or dates of its own."""
    document = new_document()
    format_paragraph(use_style(document, document.add_paragraph(), STYLE_BODY), first_line=0)
    reset_properties(document)
    return document


def reset_properties(document: Document) -> None:
    """Clear the core properties python-docx's default template carries and date the document now."""
    props = document.core_properties
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    for attr in ("author", "last_modified_by", "title", "subject", "keywords", "comments", "category"):
        setattr(props, attr, "")
    props.created = now
    props.modified = now
    props.revision = 1
