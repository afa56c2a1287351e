"""On a 1024×768 tablet: the conversation on a problem, PDF evidence, the history in sentences, a refused form."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

from inspect_app.extensions import db

from ..rectification.test_evidence_pdf import _pdf
from .conftest import fits_tablet
from .conftest import login
from .conftest import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def rect(world, make_rects):
    (made,) = make_rects(world.school, world.supervisor)
    db.session.commit()
    return made


def test_school_and_supervisor_talk_and_the_history_reads_as_sentences(world, rect, live_server: str,
                                                                       tablet: t.Any, tmp_path: Path) -> None:
    page = tablet
    login(page, live_server, world.school_contact.username)
    page.goto(f"{live_server}/rectification/{rect.id}")
    scan = tmp_path / "整改报告.pdf"
    scan.write_bytes(_pdf())
    page.set_input_files("#evidence input[type=file]", str(scan))
    page.locator("#evidence button.button").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#evidence figure.thumb img").count() == 1
    assert page.evaluate("document.querySelector('#evidence figure.thumb img').naturalWidth") > 0
    page.fill("#comments textarea[name=body]", "领导小组已成立，成立文件已上传，请复核。")
    page.locator("#comments button.button").click()
    page.wait_for_url("**#comments")
    fits_tablet(page)
    assert "领导小组已成立" in page.inner_text("#comments")
    page.locator("#comments").scroll_into_view_if_needed()
    shot(page, "findings-talk-rectification-school")

    page.context.clear_cookies()
    login(page, live_server, world.supervisor.username)
    page.goto(f"{live_server}/findings/{rect.finding_id}")
    fits_tablet(page)
    page.fill("#comments textarea[name=body]", "收到，请补充会议纪要。")
    page.locator("#comments button.button").click()
    page.wait_for_url("**#comments")
    text = page.inner_text("#comments")
    assert text.index("领导小组已成立") < text.index("请补充会议纪要")
    timeline = page.inner_text("ol.timeline")
    assert "上传了佐证材料“整改报告.pdf”" in timeline and "确认了问题" in timeline
    page.locator("ol.timeline").scroll_into_view_if_needed()
    shot(page, "findings-talk-finding-supervisor")

    page.goto(f"{live_server}/audit/")
    fits_tablet(page)
    assert "rectifications" not in page.inner_text("table.audit")
    shot(page, "findings-talk-audit-log")


def test_a_refused_campaign_form_keeps_what_was_typed(world, live_server: str, tablet: t.Any) -> None:
    page = tablet
    login(page, live_server, world.supervisor.username)
    page.goto(f"{live_server}/campaigns/new")
    page.fill("input[name=name]", "2027年春季学期学生资助工作交叉检查")
    page.fill("input[name=code]", world.campaign.code)
    page.fill("input[name=term]", "2027年春季学期")
    page.fill("input[name=starts_on]", "2027-03-01")
    page.fill("input[name=ends_on]", "2027-02-20")
    page.fill("textarea[name=days_off]", "2027-04-10")
    page.fill("input[name=default_due_on]", "2027-02-01")
    page.locator("button.primary").click()
    page.wait_for_load_state("networkidle")
    fits_tablet(page)
    assert page.locator(".field.has-error").count() == 4
    assert page.input_value("input[name=name]") == "2027年春季学期学生资助工作交叉检查"
    assert page.input_value("textarea[name=days_off]") == "2027-04-10"
    page.locator(".field.has-error").first.scroll_into_view_if_needed()
    shot(page, "findings-talk-campaign-form")
