"""The anonymous phone page: one answer per phone, open only between the round's dates, every input bounded."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from inspect_app.audit.models import AuditEntry
from inspect_app.extensions import db
from inspect_app.surveys.models import SurveyAddressCount
from inspect_app.surveys.models import SurveyResponse
from inspect_app.surveys.models import SurveyRound
from inspect_app.surveys.public import DEVICE_COOKIE
from tests.fixtures import World

from .helpers import ANSWERS
from .helpers import open_round


def _link(app: Flask, world: World, **kw: object) -> str:
    survey = open_round(world.campaign, world.supervisor, **kw)  # type: ignore[arg-type]
    db.session.commit()
    return f"/s/{survey.links[0].token}"


def _responses(app: Flask) -> list[SurveyResponse]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(SurveyResponse)))


def test_a_phone_answers_once(app: Flask, world: World, client: FlaskClient) -> None:
    url = _link(app, world)
    start = client.get(url)
    assert start.status_code == 200 and "我是学生" in start.get_data(as_text=True)
    page = client.get(f"{url}/student")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'type="radio" name="k_who" value="needy"' in html
    assert "华州第一小学" in html and page.headers["Cache-Control"] == "no-store"
    assert client.get_cookie(DEVICE_COOKIE, path="/s/") is not None
    done = client.post(f"{url}/student", data=ANSWERS, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert done.status_code == 200 and "已收到" in done.get_data(as_text=True)
    again = client.post(f"{url}/student", data=ANSWERS)
    assert again.status_code == 409 and "已经填写" in again.get_data(as_text=True)
    # The parents' questionnaire from the same phone is the same respondent's second answer: refused.
    assert client.post(f"{url}/parent", data=ANSWERS).status_code == 409
    assert client.get(f"{url}/student").status_code == 200  # a page saying so, not the form
    [response] = _responses(app)
    assert response.answers == {k: v for k, v in ANSWERS.items()}
    assert response.way.value == "self" and response.audience.value == "student"
    stored = [str(v) for row in db.session.execute(sa.select(SurveyResponse.__table__)) for v in row]
    stored += [str(v) for row in db.session.execute(sa.select(SurveyAddressCount.__table__)) for v in row]
    stored += [str(v) for row in db.session.execute(sa.select(AuditEntry.__table__)
                                                    .where(AuditEntry.action == "survey.response")) for v in row]
    assert not any("10.1.2.3" in v for v in stored)
    cookie = client.get_cookie(DEVICE_COOKIE, path="/s/")
    assert cookie is not None and not any(cookie.value in v for v in stored)
    assert db.session.scalar(sa.select(SurveyAddressCount.count)) == 1


def test_answers_are_checked_and_bounded(app: Flask, world: World, client: FlaskClient) -> None:
    url = _link(app, world) + "/student"
    client.get(url)
    cases = [
        {**ANSWERS, "k_who": "bogus"},
        {k: v for k, v in ANSWERS.items() if k != "k_apply"},
        {**ANSWERS, "comment": "长" * 501},
        {**ANSWERS, "s_fair": "x" * 10_000},
    ]
    for data in cases:
        page = client.post(url, data=data)
        assert page.status_code == 400, data
        assert 'class="question invalid"' in page.get_data(as_text=True)
    too_many = {**ANSWERS, **{f"extra{i}": "1" for i in range(300)}}
    assert client.post(url, data=too_many).status_code == 400
    assert _responses(app) == []
    # Kept answers come back on the page; a long comment at the bound is taken.
    page = client.post(url, data={**ANSWERS, "k_apply": ""})
    assert re.search(r'name="k_who" value="needy" checked', page.get_data(as_text=True))
    assert client.post(url, data={**ANSWERS, "comment": "长" * 500}).status_code == 200
    assert len(_responses(app)) == 1


@pytest.mark.parametrize("path", ["/s/nope", "/s/AAAAAAAAAAAAAAAA", "/s/" + "x" * 300,
                                  "/s/AAAAAAAAAAAAAAAA/student", "/s/{token}/teacher"])
def test_unknown_links_answer_404_not_500(app: Flask, world: World, client: FlaskClient, path: str) -> None:
    url = _link(app, world)
    path = path.format(token=url.rsplit("/", 1)[1])
    assert client.get(path).status_code == 404
    assert client.post(path, data=ANSWERS).status_code in (404, 405)


def test_a_closed_or_not_yet_open_round_takes_nothing(app: Flask, world: World, client: FlaskClient) -> None:
    later = _link(app, world, opens_in=3)
    page = client.get(later)
    assert page.status_code == 200 and "尚未开始" in page.get_data(as_text=True)
    survey = db.session.scalars(sa.select(SurveyRound)).one()
    survey.opens_on -= timedelta(days=20)
    survey.closes_on = survey.opens_on + timedelta(days=5)
    db.session.commit()
    closed = client.get(later + "/student")
    assert closed.status_code == 200 and "已结束" in closed.get_data(as_text=True)
    refused = client.post(later + "/student", data=ANSWERS)
    assert refused.status_code == 403 and "已结束" in refused.get_data(as_text=True)
    assert _responses(app) == []


def test_a_post_without_the_phone_cookie_is_refused(app: Flask, world: World, client: FlaskClient) -> None:
    url = _link(app, world) + "/parent"
    page = client.post(url, data=ANSWERS)
    assert page.status_code == 400 and "Cookie" in page.get_data(as_text=True)
    assert _responses(app) == []


@pytest.mark.config(SURVEY_ANSWERS_PER_ADDRESS=2)
def test_answers_from_one_address_are_bounded_per_hour(app: Flask, world: World) -> None:
    url = _link(app, world) + "/student"
    codes = []
    for _phone in range(3):
        phone = app.test_client()
        phone.get(url)
        codes.append(phone.post(url, data=ANSWERS, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code)
    other = app.test_client()
    other.get(url)
    codes.append(other.post(url, data=ANSWERS, environ_base={"REMOTE_ADDR": "10.9.9.10"}).status_code)
    assert codes == [200, 200, 429, 200]
    assert len(_responses(app)) == 3


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_the_phone_form_carries_its_csrf_token(app: Flask, world: World, client: FlaskClient) -> None:
    url = _link(app, world) + "/student"
    html = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token
    assert client.post(url, data=ANSWERS).status_code == 400
    assert client.post(url, data={**ANSWERS, "csrf_token": token.group(1)}).status_code == 200
    assert len(_responses(app)) == 1
