"""两率一度 in the 督导检查情况报告 and the 月报: the rates measured, with their n, or a sentence saying none was."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Flask

from inspect_app.extensions import db
from inspect_app.reports import services
from inspect_app.surveys.models import SurveyRound
from tests.test_permissions import build_scene

from ..rosters.test_precision import make_run
from ..surveys.helpers import add_responses
from .gbt_checks import check_document


def _texts(campaign: t.Any) -> tuple[str, str]:
    investigation = check_document(services.build("investigation", campaign).data)
    monthly = check_document(services.build("monthly", campaign).data)
    return investigation.replace("\n", ""), monthly.replace("\n", "")


def test_without_a_survey_or_a_roster_check_the_reports_say_so(
        app: Flask, world: t.Any, make_user: t.Callable[..., t.Any], make_campaign: t.Callable[..., t.Any]) -> None:
    build_scene(app, world, make_user, make_campaign)
    # The scene's campaign has a survey round nobody has answered yet: no figure, and the reason.
    investigation, monthly = _texts(world.campaign)
    assert ("共收回问卷0份，政策知晓率无有效样本，未计算；群众满意度无有效回答，未计算。"
            "受访人数少于最低样本量20人，结果仅供参考。") in investigation
    assert "两率一度：政策知晓率未计算，群众满意度未计算，" in monthly
    campaign = make_campaign(world.supervisor, schools=[world.school], inspectors=[world.inspector], start=True,
                             code="R2")
    investigation, monthly = _texts(campaign)
    assert "两率一度。本次检查未开展政策知晓率和群众满意度测评。" in investigation
    assert f"{campaign.term}尚无资助名单核对结果，未计算资助精准率。" in investigation
    assert "两率一度：未开展满意度测评，资助精准率未计算（无名单核对结果）。" in monthly
    for text in (investigation, monthly):
        assert "知晓率9" not in text and "满意度6" not in text and "精准率5" not in text


def test_the_rates_with_their_sample_sizes_come_from_the_data(
        app: Flask, world: t.Any, make_user: t.Callable[..., t.Any], make_campaign: t.Callable[..., t.Any]) -> None:
    build_scene(app, world, make_user, make_campaign)
    world.campaign.term = "2023春"
    # The scene's round (a minimum of 20 answers per school) and three students' answers to it.
    survey = db.session.scalars(sa.select(SurveyRound).where(SurveyRound.campaign_id == world.campaign.id)).one()
    add_responses(survey, world.school, 3)
    make_run(world)
    db.session.commit()
    investigation, monthly = _texts(world.campaign)
    # 3 students: all know the policies; 6 of their 9 satisfaction answers favourable.
    assert (f"{survey.title}共收回问卷3份，政策知晓率100.0%（有效样本3人，95%置信区间43.9%～100.0%）；"
            "群众满意度66.7%（有效回答9个，95%置信区间35.4%～87.9%）。群众满意度低于90%。"
            "受访人数少于最低样本量20人，结果仅供参考。") in investigation
    # The campaign is city-wide: every county's roster counts (7 paid people checked, 5 correct).
    assert ("据2023年春季学期资助名单核对，抽查受助对象7人，核实准确5人，资助精准率71.4%；"
            "特殊群体应助4人，未获资助2人，漏助率50.0%。资助精准率低于90%。") in investigation
    assert ("两率一度：政策知晓率100.0%（n=3），群众满意度66.7%（n=9），资助精准率71.4%（抽查7人）。"
            in monthly)
