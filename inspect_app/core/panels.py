"""Panels that a higher floor adds to a lower floor's page, as Indico's ``template_hook`` does.

A page template calls ``{{ panels("schools.show", school=school) }}``; every receiver connected to
:data:`~inspect_app.core.signals.page_panels` with that page's name as sender returns its HTML, and
the panels are shown in the order the receivers were connected.
"""

from __future__ import annotations

import typing as t

from flask import Flask
from markupsafe import Markup

from . import signals


def panels(page: str, **context: t.Any) -> Markup:
    """The HTML of every panel added to ``page``, given the page's ``context``."""
    return Markup("").join(Markup(html) for html in signals.values_from(signals.page_panels.send(page, **context)))


def init_app(app: Flask) -> None:
    app.add_template_global(panels)
