"""Face-to-face answers (way ``face``): taken on the tablet during a visit, sent as ``survey_response``
operations through the sync API, checked as the phone page checks them, stored once, audited per batch."""

from __future__ import annotations

import json
import typing as t
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from inspect_app.audit.models import AuditEntry
from inspect_app.auth.models import Role
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.surveys import face
from inspect_app.surveys.models import SurveyFaceCollection
from inspect_app.surveys.models import SurveyResponse
from inspect_app.surveys.models import SurveyRound
from inspect_app.sync.models import SyncOp
from tests.api.conftest import Api
from tests.fixtures import World

from .helpers import ANSWERS
from .helpers import add_responses
from .helpers import open_round


@pytest.fixture
def api(app: Flask, world: World) -> Api:
    return Api(app, world.inspector.username)


@pytest.fixture
def survey(world: World) -> SurveyRound:
    survey = open_round(world.campaign, world.supervisor, days=3)  # type: ignore[arg-type]
    db.session.commit()
    return survey


def op(survey: SurveyRound, answers: dict[str, t.Any] | None = None, **fields: t.Any) -> dict[str, t.Any]:
    return {"op_id": str(uuid.uuid4()), "type": "survey_response", "round_id": survey.id, "audience": "student",
            "version_id": survey.student_version_id, "answers": dict(ANSWERS if answers is None else answers),
            "client_ts": "2026-01-01T00:00:00Z" if fields.pop("old", False) else None, **fields}


def send(api: Api, world: World, *ops: dict[str, t.Any], key: str | None = None) -> t.Any:
    response = api.post(f"/api/v1/visits/{world.visit.uuid}/ops", json={"ops": list(ops)},
                        headers={"Idempotency-Key": key or str(uuid.uuid4())})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def responses() -> list[SurveyResponse]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(SurveyResponse).order_by(SurveyResponse.id)))


def test_an_answer_taken_face_to_face_is_stored_once_with_the_visit_and_its_collector(
        world: World, api: Api, survey: SurveyRound) -> None:
    first = op(survey, {**ANSWERS, "comment": "希望多宣传", "k_who": "needy"})
    [result] = send(api, world, first)
    assert result["status"] == "applied" and "message" not in result
    [response] = responses()
    assert response.way.value == "face" and response.audience.value == "student" and response.device is None
    assert response.version_id == survey.student_version_id and response.submitted_on == local_today()
    assert response.answers["comment"] == "希望多宣传" and response.school_id == world.visit.school_id
    taken = db.session.scalars(sa.select(SurveyFaceCollection)).one()
    assert (taken.response_id, taken.visit_id, taken.collected_by_id, taken.uuid) == (
        response.id, world.visit.id, world.inspector.id, first["op_id"])
    # Sent again, alone or in a new batch with another: the first is not stored twice.
    [again] = send(api, world, first)
    assert again["status"] == "duplicate"
    results = send(api, world, first, op(survey))
    assert [r["status"] for r in results] == ["duplicate", "applied"]
    assert len(responses()) == 2
    # The same batch under the same key is answered from the stored answer.
    key = str(uuid.uuid4())
    third = op(survey)
    assert send(api, world, third, key=key) == send(api, world, third, key=key)
    assert len(responses()) == 3
    # The sync history keeps what was stored, not the answers.
    stored = db.session.scalars(sa.select(SyncOp).where(SyncOp.op_id == first["op_id"])).one()
    assert stored.value == {"round_id": survey.id, "audience": "student", "version_id": survey.student_version_id,
                            "response_id": response.id}


def test_one_audit_entry_per_batch_by_the_inspector(world: World, api: Api, survey: SurveyRound) -> None:
    parent = {"level": "primary", "k_programmes": "grants", "k_free": "free", "k_loan": "student_loan",
              "s_overall": "satisfied", "s_fair": "satisfied", "s_publicity": "satisfied"}
    send(api, world, op(survey), op(survey), op(survey, parent, audience="parent", version_id=survey.parent_version_id))
    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == face.AUDIT_ACTION)).all()
    assert entry.actor_id == world.inspector.id and entry.object_type == "visits" and entry.object_id == world.visit.id
    assert entry.after["count"] == 3 and entry.after["way"] == "face"
    assert sorted(r["audience"] for r in entry.after["responses"]) == ["parent", "student", "student"]
    assert {r["response_id"] for r in entry.after["responses"]} == {r.id for r in responses()}


@pytest.mark.parametrize(("change", "field"), [
    ({"answers": {**ANSWERS, "k_who": "nobody"}}, "k_who"),
    ({"answers": {k: v for k, v in ANSWERS.items() if k != "s_fair"}}, "s_fair"),
    ({"answers": {**ANSWERS, "comment": "长" * 501}}, "comment"),
    ({"answers": {**ANSWERS, "name": "张三"}}, "name"),
    ({"answers": {**ANSWERS, "k_who": ["needy", "all"]}}, "k_who"),
    ({"answers": {**ANSWERS, "k_who": {"x": 1}}}, "k_who"),
    ({"answers": ["k_who"]}, "answers"),
    ({"audience": "teacher"}, "audience"),
    ({"version_id": 999_999}, "version_id"),
    ({"version_id": "1"}, "version_id"),
    ({"round_id": None}, "round_id"),
    ({"round_id": 999_999}, "round_id"),
])
def test_bad_input_is_refused_naming_the_field(world: World, api: Api, survey: SurveyRound,
                                               change: dict[str, t.Any], field: str) -> None:
    [result] = send(api, world, {**op(survey), **change})
    assert result["status"] == "refused" and field in result["message"], result
    assert responses() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyFaceCollection)) == 0


def test_a_closed_round_is_refused_but_an_answer_taken_while_open_counts(
        world: World, api: Api, survey: SurveyRound) -> None:
    survey.opens_on, survey.closes_on = local_today() - timedelta(days=5), local_today() - timedelta(days=1)
    db.session.commit()
    [late] = send(api, world, op(survey))
    assert late["status"] == "refused" and "round_id" in late["message"]
    # Taken on the last day (the tablet's time) and synced today: it counts, on the day it was taken.
    taken = (local_today() - timedelta(days=1)).isoformat() + "T10:00:00+08:00"
    [kept] = send(api, world, op(survey, client_ts=taken))
    assert kept["status"] == "applied"
    assert [r.submitted_on for r in responses()] == [local_today() - timedelta(days=1)]
    # A round not open yet is refused too; a tablet's clock in the future counts as now.
    survey.opens_on, survey.closes_on = local_today() + timedelta(days=1), local_today() + timedelta(days=3)
    db.session.commit()
    [early] = send(api, world, op(survey, client_ts="2099-01-01T00:00:00Z"))
    assert early["status"] == "refused"


def test_a_round_of_another_campaign_is_refused(world: World, api: Api, make_campaign: t.Callable[..., t.Any],
                                                make_user: t.Callable[..., t.Any]) -> None:
    away = make_user(Role.INSPECTOR, username="insp3", county=world.away)
    other = make_campaign(world.supervisor, schools=[world.other_school], inspectors=[away], start=True, code="W2")
    elsewhere = open_round(other, world.supervisor)  # type: ignore[arg-type]
    db.session.commit()
    [result] = send(api, world, op(elsewhere))
    assert result["status"] == "refused" and "round_id" in result["message"]
    assert responses() == []


def test_face_answers_count_in_the_rates_with_the_phone_ones(world: World, api: Api, survey: SurveyRound,
                                                             runner: t.Any) -> None:
    add_responses(survey, world.school, 2)
    db.session.commit()
    send(api, world, op(survey), op(survey, {**ANSWERS, "k_who": "dont_know", "k_apply": "dont_know"}))
    result = runner.invoke(args=["surveys", "rates", "--campaign", "W1", "--json"])
    assert result.exit_code == 0, result.output
    [data] = json.loads(result.output)["rounds"]
    assert data["total"]["respondents"] == 4 and data["ways"] == {"self": 2, "face": 2, "phone": 0}
    [school] = data["schools"]
    assert school["respondents"] == 4 and school["ways"] == {"self": 2, "face": 2, "phone": 0}
    assert data["total"]["awareness"]["hits"] == 3 and data["counties"][0]["ways"]["face"] == 2


def test_the_round_page_shows_the_answers_by_way(world: World, api: Api, survey: SurveyRound, app: Flask) -> None:
    send(api, world, op(survey))
    page = Api(app, world.supervisor.username).get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "当面访谈 1" in page and "手机扫码自填 0" in page


def test_the_visit_page_offers_the_open_rounds_questionnaires(world: World, api: Api, survey: SurveyRound,
                                                              app: Flask) -> None:
    html = api.get(f"/visits/{world.visit.id}").get_data(as_text=True)
    assert 'data-face-survey' in html and f'data-face-form="{survey.id}-student"' in html
    assert 'name="k_who" value="needy"' in html
    # Not to a supervisor, and not once the round has closed.
    assert "data-face-survey" not in Api(app, world.supervisor.username).get(
        f"/visits/{world.visit.id}").get_data(as_text=True)
    survey.closes_on = survey.opens_on = local_today() - timedelta(days=1)
    db.session.commit()
    assert "data-face-survey" not in api.get(f"/visits/{world.visit.id}").get_data(as_text=True)
