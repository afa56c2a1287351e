"""The questionnaire on a 360×740 phone in chromium: answer, submit, and be refused the second time."""

from __future__ import annotations

import typing as t

import pytest
from flask import Flask

from inspect_app.extensions import db
from tests.fixtures import World
from tests.surveys.helpers import open_round

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.config(WTF_CSRF_ENABLED=True)]


def test_a_phone_fills_the_questionnaire_once(app: Flask, world: World, live_server: str,
                                               browser_instance: t.Any) -> None:
    survey = open_round(world.campaign, world.supervisor)
    db.session.commit()
    url = f"{live_server}/s/{survey.links[0].token}"
    context = browser_instance.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                           is_mobile=True, has_touch=True, locale="zh-CN",
                                           timezone_id="Asia/Shanghai")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(url)
        page.get_by_text("我是学生").click()
        page.wait_for_selector("input[name=k_who]")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "survey-phone-360.png"))
        page.screenshot(path=str(ARTIFACTS / "survey-phone-360-full.png"), full_page=True)
        # Touch targets: every option row is at least 44 px high.
        heights = page.eval_on_selector_all("label.option", "els => els.map(e => e.getBoundingClientRect().height)")
        assert heights and min(heights) >= 44
        # Submitting with a question left out marks it and keeps the answers given.
        page.get_by_label("小学").check()
        page.get_by_label("家庭经济困难学生").check()
        page.get_by_role("button", name="提交").click()
        assert page.locator("fieldset.invalid").count() == 5
        assert page.get_by_label("家庭经济困难学生").is_checked()
        page.get_by_label("本人或家长自愿申请，经班级评议、学校审核并公示").check()
        page.get_by_label("通过银行卡（社保卡）直接发到学生或家长账户").check()
        for name in ("s_overall", "s_fair", "s_publicity"):
            page.locator(f"input[name={name}][value=satisfied]").check()
        page.fill("textarea[name=comment]", "宣传很到位。")
        page.get_by_role("button", name="提交").click()
        assert page.get_by_role("heading", name="谢谢您！").is_visible()
        # The same phone again: neither questionnaire is shown (the resent form is tested in test_public).
        page.goto(url + "/student")
        assert page.get_by_role("heading", name="已经填写过了").is_visible()
        page.goto(url + "/parent")
        assert page.get_by_role("heading", name="已经填写过了").is_visible()
    finally:
        context.close()
    db.session.expire_all()
    from inspect_app.surveys.models import SurveyResponse
    [response] = db.session.scalars(db.select(SurveyResponse)).all()
    assert response.answers["comment"] == "宣传很到位。" and response.answers["k_paid"] == "card"
