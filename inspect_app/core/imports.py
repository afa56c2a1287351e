"""One way to import an .xlsx upload: check every row, then import all or nothing, commit, say what changed."""

from __future__ import annotations

import typing as t

from flask import flash
from flask import redirect
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ..errors import ValidationFailed
from ..extensions import db

if t.TYPE_CHECKING:
    from werkzeug.wrappers import Response

R = t.TypeVar("R")
R_co = t.TypeVar("R_co", covariant=True)


class Importer(t.Protocol[R_co]):
    """An importer bound to its other arguments (``functools.partial``): the bytes and the file name remain."""

    def __call__(self, data: bytes, *, filename: str) -> R_co: ...


def import_upload(form: FlaskForm, importer: Importer[R], *, done: t.Callable[[R], str], next_url: str,
                  default_name: str = "upload.xlsx", required: bool = False) -> Response | None:
    """Import the workbook ``form`` carries in its ``file`` field when it was posted and is valid.

    The importer checks every row and raises :class:`ValidationFailed` naming them when any is wrong
    (the error handler rolls back and shows them); otherwise the import is committed, ``done(result)``
    is flashed and the answer is a redirect to ``next_url``. Without a valid upload the answer is None,
    for the caller to show its page, unless ``required``: then the upload is refused.
    """
    if not form.validate_on_submit():
        if required:
            raise ValidationFailed(_("Choose a workbook to import."))
        return None
    upload = form.file.data  # type: ignore[attr-defined]
    result = importer(upload.read(), filename=upload.filename or default_name)
    db.session.commit()
    flash(done(result), "success")
    return redirect(next_url)
