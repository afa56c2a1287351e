"""Every text a user types has a maximum length, shown on the field (``maxlength``) and enforced on the
server with the reason beside the field (tests/api/test_bounds.py does the same for the sync API)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing as t

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Length

import inspect_app
from inspect_app.core.forms import IsoDateField
from inspect_app.extensions import db
from inspect_app.rectification.models import Rectification
from tests.fixtures import World


def _form_classes() -> list[type[FlaskForm]]:
    classes = []
    for module_info in pkgutil.walk_packages(inspect_app.__path__, "inspect_app."):
        if module_info.name.endswith(".forms"):
            module = importlib.import_module(module_info.name)
            classes += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                        if issubclass(cls, FlaskForm) and cls.__module__ == module.__name__]
    return classes


def test_every_text_field_of_every_form_has_a_maximum_length(app: Flask) -> None:
    classes = _form_classes()
    assert len(classes) > 20
    unbounded = []
    with app.test_request_context(method="POST"):
        for cls in classes:
            form = cls(meta={"csrf": False})
            for field in form:
                # A date field keeps only what parses as a date: bounded by what it accepts.
                if isinstance(field, StringField | TextAreaField) and not isinstance(field, IsoDateField):
                    bounds = [v.max for v in field.validators if isinstance(v, Length) and v.max is not None
                              and v.max > 0]
                    if not bounds:
                        unbounded.append(f"{cls.__module__}.{cls.__name__}.{field.name}")
                    elif getattr(field.widget, "input_type", "text") in ("text", "search", "textarea"):
                        # Shown on the field: WTForms renders the Length's maximum as maxlength (a date
                        # input has no maxlength, a password's is not worth showing).
                        assert f'maxlength="{min(bounds)}"' in field(), (cls.__name__, field.name)
    assert not unbounded, "text fields without Length(max=…): " + ", ".join(unbounded)


@pytest.fixture
def rect(world: World, make_rects: t.Callable[..., t.Any]) -> Rectification:
    (rect,) = make_rects(world.school, world.supervisor)
    db.session.commit()
    return t.cast(Rectification, rect)


def test_over_long_measures_are_refused_beside_the_field_and_nothing_is_saved(
        app: Flask, world: World, rect: Rectification, auth: t.Any, client: t.Any) -> None:
    rect_id = rect.id
    auth.login(world.school_contact)
    page = client.get(f"/rectification/{rect_id}")
    assert 'name="measures"' in page.text and 'maxlength="4000"' in page.text
    typed = "已整改" * 8_334  # 25,002 characters
    response = client.post(f"/rectification/{rect_id}/measures", data={"measures": typed})
    assert response.status_code == 400
    # The reason beside the field, the text as typed kept in it.
    textarea, after = response.text.split('name="measures"', 1)[1].split("</textarea>", 1)
    assert typed in textarea and 'aria-invalid="true"' in textarea
    error = after.split("</form>", 1)[0].split('<small class="error">', 1)[1].split("</small>", 1)[0]
    assert "4000" in error, error
    db.session.expire_all()
    assert db.session.get(Rectification, rect_id).measures is None  # type: ignore[union-attr]
    assert client.post(f"/rectification/{rect_id}/measures", data={"measures": "已整改。"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Rectification, rect_id).measures == "已整改。"  # type: ignore[union-attr]
