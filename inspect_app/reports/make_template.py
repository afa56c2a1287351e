"""Build report_templates/gongwen.docx, the GB/T 9704 base template the report renderers open.

Run from the project root: ``python -m inspect_app.reports.make_template [OUT.docx]``.
"""

from __future__ import annotations

import sys
from datetime import UTC
from datetime import datetime
from pathlib import Path

import docx
from docx.document import Document

from . import gbt9704

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "report_templates" / "gongwen.docx"


def build_base_template() -> Document:
    """A blank 公文 document: A4 page setup, line grid, 公文 styles and odd/even page-number footers."""
    document = docx.Document()
    gbt9704.setup_document(document)
    gbt9704.clear_body(document)
    gbt9704.format_paragraph(
        gbt9704.use_style(document, document.add_paragraph(), gbt9704.STYLE_BODY), first_line=0
    )
    props = document.core_properties
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    for attr in ("author", "last_modified_by", "title", "subject", "keywords", "comments", "category"):
        setattr(props, attr, "")
    props.created = now
    props.modified = now
    props.revision = 1
    return document


def main(argv: list[str] | None = None) -> int:
    """Write the base template to the given path, or to report_templates/gongwen.docx."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else DEFAULT_PATH
    out.parent.mkdir(parents=True, exist_ok=True)
    build_base_template().save(str(out))
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
