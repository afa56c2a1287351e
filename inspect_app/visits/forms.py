from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length


class ReturnForm(FlaskForm):
    """Send a submitted visit back to its inspectors, saying why."""

    reason = StringField(validators=[Length(max=2000)])


class PageForm(FlaskForm):
    """The whole visit page saved at once; the answers, notes and photos are named by item and entry.

    ``add_entry`` is the id of a repeat to add an entry to, ``remove_entry`` the key of an entry to
    remove, ``anchor`` where on the page to come back to.
    """

    anchor = StringField(validators=[Length(max=200)])
    add_entry = StringField(validators=[Length(max=36)])
    remove_entry = StringField(validators=[Length(max=36)])
