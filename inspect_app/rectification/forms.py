from __future__ import annotations

import typing as t

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms import StringField
from wtforms.validators import Length

from ..core.forms import IsoDateField
from ..core.forms import date_required


class MeasuresForm(FlaskForm):
    measures = StringField(validators=[Length(max=4000)])


class ExtensionRequestForm(FlaskForm):
    """The school asks for a later deadline, saying why."""

    reason = StringField(validators=[Length(max=4000)])
    proposed_due_on = IsoDateField(validators=[date_required])


class ExtensionDecisionForm(FlaskForm):
    """Approve (with the new deadline) or reject an extension request, with a note."""

    decision = StringField(validators=[Length(max=16)])
    note = StringField(validators=[Length(max=4000)])
    due_on = IsoDateField()

    def validate_due_on(self, field: IsoDateField) -> None:
        if self.decision.data == "approve":
            date_required(self, field)


class VerifyForm(FlaskForm):
    """Close, return or mark partly rectified what the school submitted, with a note."""

    decision = StringField(validators=[Length(max=16)])
    note = StringField(validators=[Length(max=4000)])


class DeadlineForm(FlaskForm):
    due_on = IsoDateField(validators=[date_required])


class ResponsibleForm(FlaskForm):
    unit = StringField(validators=[Length(max=128)])
    person = StringField(validators=[Length(max=64)])


class TickedIdsField(Field):
    """The ids ticked in a list (checkboxes of one name); anything but digits is left out."""

    def process_formdata(self, valuelist: list[t.Any]) -> None:
        self.data = {int(v) for v in valuelist if str(v).isdigit()}


class BulkForm(FlaskForm):
    """One action for the ticked rectifications, with its inputs."""

    rect_id = TickedIdsField()
    action = StringField(validators=[Length(max=32)])
    note = StringField(validators=[Length(max=4000)])
    due_on = IsoDateField()
    unit = StringField(validators=[Length(max=128)])
    person = StringField(validators=[Length(max=64)])
