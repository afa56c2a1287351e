"""The new-campaign form: refused, it comes back as typed with every error beside its field."""

from __future__ import annotations

import re

import sqlalchemy as sa

from inspect_app.campaigns.models import Campaign
from inspect_app.extensions import db


def _field_errors(page: str) -> dict[str, list[str]]:
    """The errors shown in each field's box, by the field's id."""
    found: dict[str, list[str]] = {}
    for box in re.findall(r'<div class="field[^"]*has-error">(.*?)</div>', page, re.S):
        name = re.search(r'(?:id|for)="([a-z_]+)"', box)
        found[name.group(1) if name else "?"] = re.findall(r'<small class="error">(.*?)</small>', box, re.S)
    return found


def _form(world, **changes: str) -> dict[str, str]:
    form = {"name": "2027年春季学期学生资助工作交叉检查", "code": "JC2027C", "term": "2027年春季学期",
            "checklist_version_id": str(world.campaign.checklist_version_id), "starts_on": "2027-03-01",
            "ends_on": "2027-03-26", "default_due_on": "2027-05-31", "visits_per_day": "2", "days_off": "",
            "cross_county": "y"}
    form.update(changes)
    return form


def test_every_error_comes_back_at_once_beside_its_field_with_the_input_kept(world, auth, client) -> None:
    auth.login(world.supervisor)
    form = _form(world, ends_on="2027-02-20", default_due_on="2027-02-01", days_off="2027-04-10",
                 code=world.campaign.code)
    response = client.post("/campaigns/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = _field_errors(page)
    assert set(errors) == {"ends_on", "default_due_on", "days_off", "code"}, errors
    assert "不能早于" in " ".join(errors["ends_on"]) or errors["ends_on"]
    assert "2027-04-10" in " ".join(errors["days_off"])
    assert world.campaign.code in " ".join(errors["code"])
    for value in (form["name"], form["term"], "2027-02-20", "2027-02-01", "2027-03-01"):
        assert f'value="{value}"' in page
    assert "2027-04-10</textarea>" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 1


def test_a_correct_form_still_creates_the_campaign(world, auth, client) -> None:
    auth.login(world.supervisor)
    response = client.post("/campaigns/new", data=_form(world, days_off="2027-03-02"))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Campaign).where(Campaign.code == "JC2027C")) is not None
