"""Telephone interviews: the stratified sample from a roster check, the call sheet, the calls and the rates."""

from __future__ import annotations

import io
import json
import random
import re
import typing as t

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask

from inspect_app.audit.models import AuditEntry
from inspect_app.campaigns.models import Campaign
from inspect_app.errors import InvalidTransition
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.rosters.models import ReconciliationRun
from inspect_app.surveys import interviews
from inspect_app.surveys.figures import round_figures
from inspect_app.surveys.interview_sample import Person
from inspect_app.surveys.interview_sample import allocate
from inspect_app.surveys.interview_sample import draw
from inspect_app.surveys.models import Audience
from inspect_app.surveys.models import CallOutcome
from inspect_app.surveys.models import InterviewCall
from inspect_app.surveys.models import SurveyResponse
from inspect_app.surveys.models import SurveyRound
from inspect_app.surveys.models import SurveyWay
from tests.fixtures import PASSWORD
from tests.fixtures import Auth
from tests.fixtures import World

from .helpers import id_number
from .helpers import open_round
from .helpers import roster_check

PARENT_ANSWERS = {"level": "junior", "k_programmes": "grants", "k_free": "free", "k_loan": "student_loan",
                  "s_overall": "satisfied", "s_fair": "satisfied", "s_publicity": "dissatisfied"}


class _Form(dict[str, t.Any]):
    def getlist(self, key: str) -> list[t.Any]:
        return [self[key]] if key in self else []


@pytest.fixture
def scene(world: World, make_campaign: t.Callable[..., Campaign]) -> tuple[SurveyRound, ReconciliationRun]:
    campaign = make_campaign(world.supervisor, schools=[world.school, world.other_school], code="T1")
    survey = open_round(campaign, world.supervisor)
    db.session.commit()
    return survey, roster_check(world)


def _calls(survey: SurveyRound) -> list[InterviewCall]:
    return list(db.session.scalars(interviews.calls_query(survey)))


# --- the draw -------------------------------------------------------------------------------------


def test_allocation_is_proportional_with_a_floor() -> None:
    sizes = {(1, "小学", True): 100, (1, "小学", False): 300, (2, "初中", True): 4, (2, "初中", False): 1}
    # The two small strata are held at their floor (3, or the one person there); the other 36 go 1:3.
    assert allocate(sizes, 40, 3) == {(1, "小学", True): 9, (1, "小学", False): 27, (2, "初中", True): 3,
                                      (2, "初中", False): 1}
    # Shares are made whole by the largest remainder: 10 × 100, 300, 5 / 405 are 2.47, 7.41 and 0.12; the one
    # person left goes to the largest remainder (.47). Without a floor a small stratum may get nobody.
    assert allocate({(1, "小学", True): 100, (1, "小学", False): 300, (2, "初中", True): 5}, 10, 0) == {
        (1, "小学", True): 3, (1, "小学", False): 7, (2, "初中", True): 0}
    assert allocate(sizes, 1000, 3) == sizes  # a census
    assert sum(allocate(sizes, 5, 3).values()) == 3 + 3 + 3 + 1  # the floors win over the size


@pytest.mark.parametrize("seed", [0, 7, 2**31 - 1])
def test_a_draw_is_the_same_whatever_the_frame_order(seed: int) -> None:
    people = [Person(school_id=s, level=level, recipient=r, key=f"id:{s}{level}{r}{i:03d}")
              for s in (1, 2) for level in ("小学", "初中") for r in (True, False) for i in range(20)]
    first, _sizes = draw(people, size=30, minimum=2, seed=seed)
    shuffled = list(people)
    random.Random(1).shuffle(shuffled)
    again, _sizes = draw(shuffled, size=30, minimum=2, seed=seed)
    assert first == again and len(first) == 30
    assert {p.stratum for p in first} == {p.stratum for p in people}


def test_the_sample_is_stratified_reproducible_and_holds_non_recipients(
        app: Flask, world: World, scene: tuple[SurveyRound, ReconciliationRun]) -> None:
    survey, run = scene
    assert [label for run_id, label in interviews.frames(survey, world.supervisor) if run_id == run.id]
    drawn = interviews.draw_sample(survey, run_id=run.id, size=12, minimum=1, seed=20261206, actor=world.supervisor)
    db.session.commit()
    calls = _calls(survey)
    assert drawn == len(calls) == 12
    frame = survey.interview_frame
    assert frame is not None and survey.interview_seed == 20261206
    # 42 people: 14 recipients on the roster, 28 more students on the enrolment list (the one who left is not).
    assert (frame["people"], frame["recipients"], frame["non_recipients"]) == (42, 14, 28)
    assert {f["kind"] for f in frame["files"]} == {"roster", "enrolment"}
    strata = {(s["school"], s["level"], s["recipient"]): (s["population"], s["drawn"]) for s in frame["strata"]}
    assert strata[("华州第一小学", "小学", True)] == (6, 2) and strata[("临渭第二小学", "小学", False)][0] == 8
    assert len(strata) == 6 and all(d >= 1 for _p, d in strata.values())
    assert {(c.school.name, c.level, c.recipient) for c in calls} == set(strata)
    assert "转走的" not in {c.name for c in calls}
    recipient = next(c for c in calls if c.recipient)
    assert recipient.phone.startswith("1390000") and "*" in recipient.id_masked and len(recipient.id_masked) == 18
    first = [(c.name, c.school_id, c.level, c.recipient) for c in calls]

    # The same seed and roster give the same people.
    interviews.draw_sample(survey, run_id=run.id, size=12, minimum=1, seed=20261206, actor=world.supervisor)
    db.session.commit()
    assert [(c.name, c.school_id, c.level, c.recipient) for c in _calls(survey)] == first
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action == "interview.draw")).all()
    assert len(actions) == 2


def test_a_sample_cannot_be_drawn_again_once_called(app: Flask, world: World,
                                                   scene: tuple[SurveyRound, ReconciliationRun]) -> None:
    survey, run = scene
    interviews.draw_sample(survey, run_id=run.id, size=6, minimum=1, seed=1, actor=world.supervisor)
    interviews.record_call(_calls(survey)[0], outcome=CallOutcome.NO_ANSWER, actor=world.supervisor)
    with pytest.raises(InvalidTransition):
        interviews.draw_sample(survey, run_id=run.id, size=6, minimum=1, seed=2, actor=world.supervisor)
    with pytest.raises(ValidationFailed):
        interviews.draw_sample(survey, run_id=run.id, size=0, minimum=1, actor=world.supervisor)


# --- calls and rates ------------------------------------------------------------------------------


def test_outcomes_are_counted_apart_and_completed_answers_count_in_the_rates(
        app: Flask, world: World, scene: tuple[SurveyRound, ReconciliationRun]) -> None:
    survey, run = scene
    interviews.draw_sample(survey, run_id=run.id, size=6, minimum=1, seed=5, actor=world.supervisor)
    calls = _calls(survey)
    assert interviews.record_call(calls[0], outcome=CallOutcome.COMPLETED, audience=Audience.PARENT,
                                  form=_Form(PARENT_ANSWERS), note="母亲接听", actor=world.supervisor) == {}
    interviews.record_call(calls[1], outcome=CallOutcome.NO_ANSWER, actor=world.supervisor)
    interviews.record_call(calls[1], outcome=CallOutcome.REFUSED, actor=world.supervisor)
    interviews.record_call(calls[2], outcome=CallOutcome.WRONG_NUMBER, actor=world.supervisor)
    interviews.record_call(calls[3], outcome=CallOutcome.NO_ANSWER, actor=world.supervisor)
    # Answers the questionnaire refuses store nothing and name the question.
    errors = interviews.record_call(calls[4], outcome=CallOutcome.COMPLETED, audience=Audience.PARENT,
                                    form=_Form({**PARENT_ANSWERS, "k_free": "nonsense"}), actor=world.supervisor)
    assert set(errors) == {"k_free"} and calls[4].outcome == CallOutcome.PENDING
    with pytest.raises(InvalidTransition):
        interviews.record_call(calls[1], outcome=CallOutcome.COMPLETED, audience=Audience.PARENT,
                               form=_Form(PARENT_ANSWERS), actor=world.supervisor)
    db.session.commit()

    responses = db.session.scalars(sa.select(SurveyResponse).where(SurveyResponse.round_id == survey.id)).all()
    assert [(r.way, r.audience, r.school_id) for r in responses] == [
        (SurveyWay.PHONE, Audience.PARENT, calls[0].school_id)]
    figures = round_figures(survey)
    assert figures.total is not None
    rates, counts = figures.total.rates, figures.total.calls
    assert rates.respondents == 1 and rates.awareness.n == 1 and rates.satisfaction.hits == 2
    assert (counts.drawn, counts.completed, counts.no_answer, counts.refused, counts.wrong_number,
            counts.pending) == (6, 1, 1, 1, 1, 2)
    assert counts.response_rate == pytest.approx(1 / 4)
    assert calls[1].attempts == 2
    logged = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "interview.call")).all()
    assert len(logged) == 5 and all(e.object_type == "interview_calls" for e in logged)
    assert not any("学生" in json.dumps(e.after, ensure_ascii=False) for e in logged)


def test_the_rates_command_adds_the_interviews(app: Flask, world: World, runner: t.Any,
                                               scene: tuple[SurveyRound, ReconciliationRun]) -> None:
    survey, run = scene
    interviews.draw_sample(survey, run_id=run.id, size=6, minimum=1, seed=9, actor=world.supervisor)
    interviews.record_call(_calls(survey)[0], outcome=CallOutcome.REFUSED, actor=world.supervisor)
    db.session.commit()
    result = runner.invoke(args=["surveys", "rates", "--campaign", "T1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["rounds"][0]
    assert data["total"]["respondents"] == 0  # the keys that were there stay as they were
    assert data["interviews"]["seed"] == 9 and data["interviews"]["frame"]["drawn"] == 6
    assert data["interviews"]["total"] == {"drawn": 6, "pending": 5, "completed": 0, "no_answer": 0, "refused": 1,
                                           "wrong_number": 0, "called": 1, "response_rate": 0.0}
    assert sum(s["interviews"]["drawn"] for s in data["schools"]) == 6


# --- the pages ------------------------------------------------------------------------------------


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_the_forms_carry_and_need_a_csrf_token(app: Flask, world: World,
                                               scene: tuple[SurveyRound, ReconciliationRun]) -> None:
    survey, run = scene
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/auth/login").get_data(as_text=True))
    assert token
    client.post("/auth/login", data={"username": world.supervisor.username, "password": PASSWORD,
                                     "csrf_token": token.group(1)})
    base = f"/surveys/{survey.id}/interviews"
    assert 'name="csrf_token"' in client.get(base).get_data(as_text=True)
    refused = client.post(f"{base}/draw", data={"run_id": str(run.id), "size": "8", "minimum": "1"})
    assert refused.status_code == 400 and not _calls(survey)


def test_draw_call_and_sheet_through_the_pages(app: Flask, world: World, auth: Auth,
                                               scene: tuple[SurveyRound, ReconciliationRun]) -> None:
    survey, run = scene
    auth.login(world.supervisor)
    base = f"/surveys/{survey.id}/interviews"
    page = auth.client.get(base)
    assert page.status_code == 200 and f"#{run.id}" in page.get_data(as_text=True)
    for data in ({"run_id": str(run.id), "size": "many", "minimum": "1"},
                 {"run_id": "999", "size": "8", "minimum": "1"},
                 {"run_id": str(run.id), "size": "8", "minimum": "1", "seed": "-1"},
                 {"run_id": str(run.id), "size": "9" * 30, "minimum": "1"}):
        bad = auth.client.post(f"{base}/draw", data=data)
        assert bad.status_code == 400 and not _calls(survey), data
    assert "样本量：" in auth.client.post(f"{base}/draw", data={"run_id": str(run.id), "size": "many",
                                                                     "minimum": "1"}).get_data(as_text=True)
    done = auth.client.post(f"{base}/draw", data={"run_id": str(run.id), "size": "8", "minimum": "1", "seed": "42"})
    assert done.status_code == 302 and len(_calls(survey)) == 8
    listing = auth.client.get(base).get_data(as_text=True)
    call = _calls(survey)[0]
    assert call.name in listing and call.id_masked in listing

    url = f"{base}/{call.id}"
    form = auth.client.get(url)
    assert form.status_code == 200 and "k_programmes" in form.get_data(as_text=True)
    for data in ({"outcome": "maybe"}, {"outcome": "no_answer", "note": "x" * 501},
                 {"outcome": "completed", "audience": "parent", **PARENT_ANSWERS, "k_loan": "<script>"},
                 {"outcome": "completed", "audience": "teacher"}):
        answer = auth.client.post(url, data=data)
        assert answer.status_code == 400, data
    assert db.session.get(InterviewCall, call.id).outcome == CallOutcome.PENDING  # type: ignore[union-attr]
    ok = auth.client.post(url, data={"outcome": "completed", "audience": "parent", **PARENT_ANSWERS})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(InterviewCall, call.id).outcome == CallOutcome.COMPLETED  # type: ignore[union-attr]
    shown = auth.client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "1/1 · 100.0%" in shown

    sheet = auth.client.get(f"/surveys/{survey.id}/interviews.xlsx")
    assert sheet.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(sheet.data))
    assert book.sheetnames == ["抽样说明", "电话回访"]
    rows = list(book["电话回访"].iter_rows(values_only=True))
    assert len(rows) == 1 + 8 and rows[0][8] == "身份证号（隐去）"
    ids = [r[8] for r in rows[1:]]
    assert all(len(v) == 18 and v[4:14] == "*" * 10 for v in ids)
    assert not any(id_number(n) in json.dumps(rows, ensure_ascii=False) for n in range(1, 43))
    about = dict(book["抽样说明"].iter_rows(values_only=True))
    assert about["随机种子"] == 42 and about["抽中人数"] == 8
    workbook = openpyxl.load_workbook(io.BytesIO(auth.client.get(f"/surveys/{survey.id}/export.xlsx").data))
    explained = dict(workbook["调查说明"].iter_rows(values_only=True))
    assert explained["电话回访随机种子"] == 42 and "完成访问 1，" in explained["电话回访结果"]


def test_the_sheet_neutralises_formulas(app: Flask, world: World, auth: Auth,
                                        scene: tuple[SurveyRound, ReconciliationRun]) -> None:
    survey, run = scene
    interviews.draw_sample(survey, run_id=run.id, size=3, minimum=1, seed=3, actor=world.supervisor)
    interviews.record_call(_calls(survey)[0], outcome=CallOutcome.NO_ANSWER, note="=HYPERLINK(\"http://x\")",
                           actor=world.supervisor)
    db.session.commit()
    auth.login(world.supervisor)
    book = openpyxl.load_workbook(io.BytesIO(auth.client.get(f"/surveys/{survey.id}/interviews.xlsx").data))
    assert "'=HYPERLINK(\"http://x\")" in [c for row in book["电话回访"].iter_rows(values_only=True) for c in row]


def test_only_the_campaigns_managers_see_the_calls(app: Flask, world: World, auth: Auth,
                                                  scene: tuple[SurveyRound, ReconciliationRun]) -> None:
    survey, run = scene
    interviews.draw_sample(survey, run_id=run.id, size=3, minimum=1, seed=3, actor=world.supervisor)
    db.session.commit()
    call = _calls(survey)[0]
    urls = [f"/surveys/{survey.id}/interviews", f"/surveys/{survey.id}/interviews.xlsx",
            f"/surveys/{survey.id}/interviews/{call.id}"]
    for user, status in ((world.viewer, 403), (world.inspector, 403), (world.county_supervisor, 404)):
        auth.login(user)
        for url in urls:
            assert auth.client.get(url).status_code == status, (user.username, url)
        auth.logout()
    auth.login(world.supervisor)
    assert auth.client.get(f"/surveys/{survey.id}/interviews/{call.id + 1000}").status_code == 404
