"""The supervisor's pages: opening a round, the rates by county and school, posters and the workbook."""

from __future__ import annotations

import io
import json
import re
import typing as t
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image

from inspect_app.audit.models import AuditEntry
from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.campaigns.models import Campaign
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.surveys import services
from inspect_app.surveys.models import Audience
from inspect_app.surveys.models import SurveyLink
from inspect_app.surveys.models import SurveyRound
from tests.fixtures import PASSWORD
from tests.fixtures import Auth
from tests.fixtures import World

from .helpers import ANSWERS
from .helpers import open_round


class _Form(dict[str, t.Any]):
    def getlist(self, key: str) -> list[t.Any]:
        return [self[key]] if key in self else []


def _answer(link: SurveyLink, n: int, *, right: bool, audience: Audience = Audience.STUDENT,
            extra: dict[str, str] | None = None) -> None:
    for i in range(n):
        answers = {**ANSWERS, "k_paid": "card" if right else "cash", "k_apply": "apply" if right else "teacher",
                   **(extra or {})}
        if audience == Audience.PARENT:
            answers = {"level": "junior", "k_programmes": "grants", "k_free": "free",
                       "k_loan": "student_loan" if right else "none", "s_overall": "satisfied",
                       "s_fair": "satisfied", "s_publicity": "dissatisfied"}
        response, errors = services.submit_response(link, audience, _Form(answers), cookie=f"phone-{link.id}-{i}-{n}",
                                                    address=f"10.0.0.{i}")
        assert response is not None, errors


def _two_county_round(world: World, make_campaign: t.Callable[..., Campaign]) -> SurveyRound:
    campaign = make_campaign(world.supervisor, schools=[world.school, world.other_school], code="S2")
    survey = open_round(campaign, world.supervisor, min_size=3)
    links = {link.school_id: link for link in survey.links}
    _answer(links[world.school.id], 4, right=True)
    _answer(links[world.school.id], 1, right=False, audience=Audience.PARENT)
    _answer(links[world.other_school.id], 2, right=False, extra={"comment": "=HYPERLINK(\"http://x\")"})
    db.session.commit()
    return survey


def test_rates_by_county_school_and_round(app: Flask, world: World,
                                          make_campaign: t.Callable[..., Campaign], auth: Auth) -> None:
    survey = _two_county_round(world, make_campaign)
    from inspect_app.surveys.figures import round_figures
    figures = round_figures(survey)
    assert figures.total is not None
    total = figures.total.rates
    # 华州: 4 students right (3 of 3: k_who, k_apply, k_paid) + 1 parent with 2 of 3 → 5 aware;
    # 临渭: 2 students with only k_who right → not aware.
    assert (total.respondents, total.awareness.hits, total.awareness.n) == (7, 5, 7)
    # Each respondent answers 3 satisfaction questions; students give 2 favourable, the parent 2.
    assert (total.satisfaction.hits, total.satisfaction.n) == (14, 21)
    assert [row.county.name for row in figures.counties if row.county] == ["华州区", "临渭区"] or \
        [row.county.name for row in figures.counties if row.county] == ["临渭区", "华州区"]
    by_county = {row.county.name: row.rates for row in figures.counties if row.county}
    assert by_county["华州区"].awareness.value == 1.0 and not by_county["华州区"].awareness.small_sample
    assert by_county["临渭区"].awareness.value == 0.0 and by_county["临渭区"].awareness.small_sample

    auth.login(world.supervisor)
    page = auth.client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "华州第一小学" in page and "临渭第二小学" in page and "colspan=\"2\">全部<" in page and "71.4%" in page
    assert "样本不足" in page and "低于90%" in page


def test_a_county_supervisor_sees_only_the_own_county(app: Flask, world: World, auth: Auth,
                                                      make_campaign: t.Callable[..., Campaign]) -> None:
    survey = _two_county_round(world, make_campaign)
    links = {link.school_id: link.id for link in survey.links}
    auth.login(world.county_supervisor)  # 华州区
    page = auth.client.get(f"/surveys/{survey.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "华州第一小学" in html and "临渭第二小学" not in html
    assert "colspan=\"2\">全部<" not in html
    assert auth.client.get(f"/surveys/{survey.id}/poster/{links[world.other_school.id]}.png").status_code == 404
    assert auth.client.get(f"/surveys/{survey.id}/poster/{links[world.school.id]}.png").status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(auth.client.get(f"/surveys/{survey.id}/export.xlsx").data))
    text = json.dumps([[c for c in row] for row in book["回答"].iter_rows(values_only=True)], ensure_ascii=False)
    assert "华州第一小学" in text and "临渭第二小学" not in text
    assert [r[0] for r in book["两率"].iter_rows(min_row=2, values_only=True)] == ["区县", "学校"]


def test_school_and_inspector_accounts_see_no_rates(app: Flask, world: World, auth: Auth) -> None:
    survey = open_round(world.campaign, world.supervisor)
    db.session.commit()
    for user in (world.school_contact, world.inspector):
        auth.login(user)
        for url in (f"/surveys/{survey.id}", f"/surveys/{survey.id}/export.xlsx", "/surveys/",
                    f"/surveys/{survey.id}/poster/{survey.links[0].id}.docx"):
            assert auth.client.get(url).status_code == 403, (user.username, url)
        auth.logout()


def test_the_workbook_neutralises_formulas(app: Flask, world: World, auth: Auth,
                                           make_campaign: t.Callable[..., Campaign]) -> None:
    survey = _two_county_round(world, make_campaign)
    auth.login(world.supervisor)
    response = auth.client.get(f"/surveys/{survey.id}/export.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["调查说明", "两率", "回答"]
    cells = [c for row in book["回答"].iter_rows(values_only=True) for c in row]
    assert "'=HYPERLINK(\"http://x\")" in cells
    rates = list(book["两率"].iter_rows(values_only=True))
    assert rates[1][0] == "全部" and rates[1][4] == 7 and rates[1][6] == 5
    about = dict(book["调查说明"].iter_rows(values_only=True))
    assert "student_aid_survey_students" in str(about["学生卷版本"]) and about["每校最低样本量"] == 3


def test_posters_carry_the_link(app: Flask, world: World, auth: Auth) -> None:
    survey = open_round(world.campaign, world.supervisor)
    db.session.commit()
    link = survey.links[0]
    auth.login(world.supervisor)
    png = auth.client.get(f"/surveys/{survey.id}/poster/{link.id}.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert Image.open(io.BytesIO(png.data)).size == (1240, 1754)
    docx = auth.client.get(f"/surveys/{survey.id}/poster/{link.id}.docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    import docx as python_docx
    document = python_docx.Document(io.BytesIO(docx.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert link.token in text and "华州第一小学" in text
    assert len(document.inline_shapes) == 1
    assert auth.client.get(f"/surveys/{survey.id}/poster/{link.id}.pdf").status_code == 404


def test_a_supervisor_opens_a_round_and_it_is_audited(app: Flask, world: World, auth: Auth) -> None:
    services.load_default_surveys(actor=None)
    db.session.commit()
    versions = {v.checklist.form_id: v.id for v in services.survey_versions()}
    auth.login(world.supervisor)
    form = auth.client.get(f"/surveys/new/{world.campaign.id}").get_data(as_text=True)
    assert "抽样框" in form
    today = local_today()
    data = {"title": "秋季知晓度调查", "opens_on": today.isoformat(),
            "closes_on": (today + timedelta(days=5)).isoformat(),
            "student_version_id": str(versions["student_aid_survey_students"]), "parent_version_id": "0",
            "sampling_frame": "四至六年级全体学生", "target_size": "30", "min_size": "20", "collector": "第一检查组",
            "knowledge_threshold": "2"}
    bad = auth.client.post(f"/surveys/new/{world.campaign.id}", data={**data, "knowledge_threshold": "4"})
    assert bad.status_code == 422 and "知晓标准须在1到3之间" in bad.get_data(as_text=True)
    assert "秋季知晓度调查" in bad.get_data(as_text=True)  # what was typed stays
    assert auth.client.post(f"/surveys/new/{world.campaign.id}", data={**data, "min_size": "40"}).status_code == 422
    assert auth.client.post(f"/surveys/new/{world.campaign.id}", data={**data, "title": ""}).status_code == 422
    created = auth.client.post(f"/surveys/new/{world.campaign.id}", data=data)
    assert created.status_code == 302
    survey = db.session.scalars(sa.select(SurveyRound)).one()
    assert survey.audiences == [Audience.STUDENT] and len(survey.links) == 1
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "survey_round.create")).one()
    assert entry.actor_id == world.supervisor.id and (entry.after or {})["sampling_frame"] == "四至六年级全体学生"
    moved = auth.client.post(f"/surveys/{survey.id}/dates", data={"opens_on": today.isoformat(),
                                                                  "closes_on": (today + timedelta(days=9)).isoformat()})
    assert moved.status_code == 302
    assert db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "survey_round.dates")).one()
    # A single questionnaire: the link goes straight to it.
    public = auth.client.get(f"/s/{survey.links[0].token}")
    assert public.status_code == 302 and public.location.endswith("/student")


def test_other_roles_cannot_open_rounds(app: Flask, world: World, auth: Auth,
                                        make_user: t.Callable[..., User]) -> None:
    for user in (world.school_contact, world.inspector, world.viewer):
        auth.login(user)
        assert auth.client.post(f"/surveys/new/{world.campaign.id}", data={"title": "x"}).status_code == 403
        auth.logout()
    auth.login(world.county_supervisor)  # the campaign is the city's
    assert auth.client.post(f"/surveys/new/{world.campaign.id}", data={"title": "x"}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyRound)) == 0
    assert make_user(Role.SUPERVISOR).role == Role.SUPERVISOR


def test_the_rates_command_prints_json(app: Flask, world: World, runner: t.Any,
                                       make_campaign: t.Callable[..., Campaign]) -> None:
    survey = _two_county_round(world, make_campaign)
    result = runner.invoke(args=["surveys", "rates", "--campaign", "S2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["campaign"] == "S2" and len(data["rounds"]) == 1
    round_ = data["rounds"][0]
    assert round_["round"] == survey.id and round_["knowledge_threshold"] == 2 and round_["min_size"] == 3
    assert set(round_["versions"]) == {"student", "parent"}
    assert round_["versions"]["student"]["form_id"] == "student_aid_survey_students"
    assert round_["total"]["awareness"] == {"rate": 0.7143, "hits": 5, "n": 7, "respondents": 7,
                                            "ci95": [0.3589, 0.9178], "small_sample": False, "below_target": True}
    assert [c["county"] for c in round_["counties"]] and {"county", "respondents", "awareness", "satisfaction"} \
        <= set(round_["counties"][0])
    assert {s["school_code"] for s in round_["schools"]} == {"2161030001", "2161020002"}
    text = runner.invoke(args=["surveys", "rates", "--campaign", "S2"])
    assert text.exit_code == 0 and "知晓率=71.4%" in text.output
    missing = runner.invoke(args=["surveys", "rates", "--campaign", "NOPE", "--json"])
    assert missing.exit_code != 0


def test_the_audit_log_names_the_round(app: Flask, world: World, auth: Auth) -> None:
    survey = open_round(world.campaign, world.supervisor)
    db.session.commit()
    from inspect_app.audit import sentences
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "survey_rounds")).all()
    assert sentences.object_names(entries) == {("survey_rounds", survey.id): survey.title}


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_the_round_form_renders_with_csrf_on(app: Flask, world: World) -> None:
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    client.post("/auth/login", data={"username": world.supervisor.username, "password": PASSWORD,
                                     "csrf_token": token.group(1)})
    form = client.get(f"/surveys/new/{world.campaign.id}")
    assert form.status_code == 200 and 'name="csrf_token"' in form.get_data(as_text=True)
