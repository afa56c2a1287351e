"""The audit log and each object's history read as sentences, by display names and what people call things."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.rectification import services as rect_services
from inspect_app.visits import services as visit_services

from ..fixtures import answer_all


@pytest.fixture
def rect(world, app):
    answer_all(app, world.visit, world.inspector, failing={"S1_1": "未成立领导小组。"})
    (finding,) = visit_services.submit_visit(world.visit, actor=world.inspector)
    rect = finding_services.confirm_finding(finding, due_on=local_today() + timedelta(days=10),
                                            actor=world.supervisor)
    db.session.commit()
    rect_services.set_due_on(rect, local_today() + timedelta(days=20), actor=world.supervisor)
    db.session.commit()
    return rect


def test_a_problem_history_speaks_in_sentences(world, rect, auth, client) -> None:
    world.supervisor.display_name = "张三"
    db.session.commit()
    finding = rect.finding
    name = f"{world.school.name} {finding.reference}"
    auth.login(world.county_supervisor)
    page = client.get(f"/findings/{finding.id}").get_data(as_text=True)
    timeline = page[page.index('class="timeline"'):]
    assert f"张三 确认了问题 {name}" in timeline
    assert f"张三 将 {name} 的整改时限由" in timeline
    assert "rectifications" not in timeline and "city" not in timeline
    assert "详情" not in timeline
    rect_page = client.get(f"/rectification/{rect.id}").get_data(as_text=True)
    assert f"张三 将 {name} 的整改时限由" in rect_page


def test_the_audit_log_names_people_and_things_and_keeps_the_data_for_admins(world, rect, auth, client) -> None:
    auth.login(world.supervisor)
    page = client.get("/audit/").get_data(as_text=True)
    table = page[page.index('<table class="list audit">'):]
    assert f"确认了问题 {world.school.name} {rect.finding.reference}" in table
    assert "{&#34;" not in table and "due_on" not in table and "详情" not in table
    auth.logout()
    auth.login(world.admin)
    table = client.get("/audit/").get_data(as_text=True)
    assert "<summary>详情</summary>" in table and "due_on" in table
