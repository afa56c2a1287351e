from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import BooleanField


class ChecklistImportForm(FlaskForm):
    file = FileField(_l("XLSForm file (.xlsx, .xls or .md)"), validators=[FileRequired()])
    publish = BooleanField(_l("Publish at once (otherwise it is kept as a draft to preview first)"))
