from __future__ import annotations

from datetime import timedelta

import pytest

from inspect_app.checklists.models import Severity
from inspect_app.db import local_today
from inspect_app.errors import InvalidTransition
from inspect_app.errors import ValidationFailed
from inspect_app.findings import services
from inspect_app.findings.models import FindingStatus
from inspect_app.rectification.models import RectificationStatus
from inspect_app.visits import services as visit_services

from ..fixtures import answer_all


@pytest.fixture
def raised(world, app):
    answer_all(app, world.visit, world.inspector, failing={"S1_1": "未成立领导小组。"})
    (finding,) = visit_services.submit_visit(world.visit, actor=world.inspector)
    return finding


def test_confirming_opens_a_rectification_with_the_campaign_deadline(world, raised) -> None:
    rect = services.confirm_finding(raised, actor=world.supervisor)
    assert raised.status == FindingStatus.CONFIRMED and raised.decided_by_id == world.supervisor.id
    assert rect.status == RectificationStatus.NOT_STARTED
    assert rect.due_on == world.campaign.default_due_on
    assert rect.responsible_unit == world.school.name


def test_the_reviewer_can_reword_regrade_and_set_another_deadline(world, raised) -> None:
    due = local_today() + timedelta(days=7)
    rect = services.confirm_finding(raised, due_on=due, description="学校未成立资助工作领导小组。",
                                    severity=Severity.MAJOR, actor=world.supervisor)
    assert rect.due_on == due
    assert raised.description == "学校未成立资助工作领导小组。" and raised.severity == Severity.MAJOR
    assert raised.inspector_note == "未成立领导小组。"


def test_a_deadline_in_the_past_is_refused(world, raised) -> None:
    with pytest.raises(ValidationFailed):
        services.confirm_finding(raised, due_on=local_today() - timedelta(days=1), actor=world.supervisor)
    assert raised.status == FindingStatus.RAISED


def test_dismissing_needs_a_reason_and_is_final(world, raised) -> None:
    with pytest.raises(ValidationFailed):
        services.dismiss_finding(raised, reason="  ", actor=world.supervisor)
    services.dismiss_finding(raised, reason="学校已提供文件。", actor=world.supervisor)
    assert raised.status == FindingStatus.DISMISSED and raised.rectification is None
    with pytest.raises(InvalidTransition):
        services.confirm_finding(raised, actor=world.supervisor)
    with pytest.raises(InvalidTransition):
        services.edit_finding(raised, description="x", severity=Severity.GENERAL, actor=world.supervisor)


def test_an_empty_description_is_refused(world, raised) -> None:
    with pytest.raises(ValidationFailed):
        services.edit_finding(raised, description="   ", severity=Severity.GENERAL, actor=world.supervisor)
