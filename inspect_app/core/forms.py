"""What every feature's WTForms share: the date field, its required check, and refusing a bad form."""

from __future__ import annotations

import typing as t
from datetime import date

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms import StringField
from wtforms.validators import ValidationError
from wtforms.widgets import DateInput

from ..errors import ValidationFailed

F = t.TypeVar("F", bound=FlaskForm)


class IsoDateField(StringField):
    """A date as the browser's date input sends it (YYYY-MM-DD); blank is None, anything else is refused."""

    widget = DateInput()

    def process_formdata(self, valuelist: list[t.Any]) -> None:
        self.raw = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if self.raw:
            try:
                self.data = date.fromisoformat(self.raw)
            except ValueError as exc:
                raise ValueError(_("“%(v)s” is not a date.", v=self.raw)) from exc


def date_required(_form: FlaskForm, field: Field) -> None:
    """The validator of a date that must be given."""
    if field.data is None and not field.errors:
        raise ValidationError(_("“%(v)s” is not a date.", v=getattr(field, "raw", "")))


def checked(form: F) -> F:
    """The form, validated: one that does not validate is refused, its first error the message, the others details."""
    if not form.validate():
        errors = [error for messages in form.errors.values() for error in messages]
        raise ValidationFailed(str(errors[0]), details=[str(e) for e in errors[1:]] or None)
    return form


def given_date(field: Field) -> date:
    """A date field's value once its form validated with the field required (``date_required``)."""
    value = field.data
    if not isinstance(value, date):
        raise ValidationFailed(_("“%(v)s” is not a date.", v=getattr(field, "raw", "")))
    return value


def text(field: Field) -> str:
    """A text field's value, blank when it was not sent."""
    return field.data or ""
