from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from ..checklists.models import Severity
from ..core.forms import IsoDateField
from .comments import MAX_COMMENT


class _Worded(FlaskForm):
    """A problem's wording and severity as they will be reported."""

    description = StringField(validators=[Length(max=2000)])
    severity = StringField(validators=[Length(max=16)])

    def chosen_severity(self) -> Severity | None:
        """The severity chosen, or None for a value that is not one."""
        value = self.severity.data
        return Severity(value) if value in {s.value for s in Severity} else None


class ConfirmForm(_Worded):
    """Confirm a problem, with the rectification deadline (blank: the campaign's default)."""

    due_on = IsoDateField()


class DismissForm(FlaskForm):
    reason = StringField(validators=[Length(max=2000)])


class EditForm(_Worded):
    pass


class CommentForm(FlaskForm):
    body = StringField(validators=[Length(max=MAX_COMMENT)])
    # Where the comment was written: "rectification" goes back to the rectification's page.
    back = StringField(validators=[Length(max=32)])
