from __future__ import annotations

import pytest
import sqlalchemy as sa

from inspect_app.checklists.models import Severity
from inspect_app.errors import InvalidTransition
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.findings.models import Finding
from inspect_app.findings.models import FindingStatus
from inspect_app.visits import services
from inspect_app.visits.models import Visit
from inspect_app.visits.models import VisitStatus

from ..fixtures import answer_all


def _item(world, name: str):
    return next(i for i in world.visit.checklist_version.items if i.name == name)


@pytest.mark.parametrize(("name", "raw", "stored"), [
    ("S1_1", "no", "no"),
    ("S2_1", "poor", "poor"),
    ("enrolled", " 0420 ", "420"),
    ("day", "2026-11-05", "2026-11-05"),
    ("opinion", "  总体良好  ", "总体良好"),
    ("S1_1", "", None),
])
def test_answers_are_checked_and_stored_in_canonical_form(world, name, raw, stored) -> None:
    answer = services.save_answer(world.visit, _item(world, name), value=raw, note=None, actor=world.inspector)
    assert answer.value == stored


@pytest.mark.parametrize(("name", "raw"), [
    ("S1_1", "maybe"), ("enrolled", "12.5"), ("enrolled", "abc"), ("day", "2026-13-01"), ("day", "昨天"),
])
def test_answers_of_the_wrong_kind_are_refused_naming_the_item(world, name, raw) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.save_answer(world.visit, _item(world, name), value=raw, note=None, actor=world.inspector)
    assert raw in refused.value.message


def test_the_first_answer_starts_the_visit_and_each_change_is_counted(world) -> None:
    item = _item(world, "S1_1")
    services.save_answer(world.visit, item, value="yes", note=None, actor=world.inspector)
    assert world.visit.status == VisitStatus.IN_PROGRESS and world.visit.started_at is not None
    again = services.save_answer(world.visit, item, value="yes", note=None, actor=world.inspector)
    assert again.rev == 1
    changed = services.save_answer(world.visit, item, value="no", note="没有文件", actor=world.inspector)
    assert changed.rev == 2


def test_submission_lists_every_missing_answer_and_undescribed_failure(world) -> None:
    services.save_answer(world.visit, _item(world, "S1_1"), value="no", note=None, actor=world.inspector)
    with pytest.raises(ValidationFailed) as refused:
        services.submit_visit(world.visit, actor=world.inspector)
    details = "\n".join(refused.value.details)
    for name in ("day", "S1_2", "S2_1"):
        assert name in details
    assert "S1_1" in details  # failing without a note
    assert world.visit.status == VisitStatus.IN_PROGRESS
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == 0


def test_each_failing_answer_raises_one_finding_with_the_items_rules(world, app) -> None:
    answer_all(app, world.visit, world.inspector, failing={"S1_2": "发现挪用资助资金。", "S2_1": "档案混乱。"})
    raised = services.submit_visit(world.visit, actor=world.inspector)
    assert world.visit.status == VisitStatus.SUBMITTED
    by_item = {f.item.name: f for f in raised}
    assert set(by_item) == {"S1_2", "S2_1"}
    assert by_item["S1_2"].severity == Severity.SEVERE and by_item["S1_2"].description == "发现挪用资助资金。"
    assert by_item["S2_1"].severity == Severity.MAJOR and by_item["S2_1"].answer_value == "poor"
    assert all(f.status == FindingStatus.RAISED and f.school_id == world.school.id for f in raised)
    with pytest.raises(InvalidTransition):
        services.save_answer(world.visit, _item(world, "S1_1"), value="no", note="x", actor=world.inspector)


def test_a_returned_visit_can_be_corrected_and_its_unconfirmed_finding_falls_away(world, app) -> None:
    answer_all(app, world.visit, world.inspector, failing={"S1_1": "未成立领导小组。", "S2_1": "档案混乱。"})
    services.submit_visit(world.visit, actor=world.inspector)
    s1 = db.session.scalar(sa.select(Finding).join(Finding.item).where(Finding.item.has(name="S1_1")))
    finding_services.confirm_finding(s1, actor=world.supervisor)
    with pytest.raises(ValidationFailed):
        services.return_visit(world.visit, reason=" ", actor=world.supervisor)
    services.return_visit(world.visit, reason="S2_1 判定有误，请复核。", actor=world.supervisor)
    assert world.visit.status == VisitStatus.RETURNED
    services.save_answer(world.visit, _item(world, "S2_1"), value="good", note=None, actor=world.inspector)
    services.submit_visit(world.visit, actor=world.inspector)
    findings = {f.item.name: f for f in finding_services.visit_findings(world.visit.id)}
    assert findings["S1_1"].status == FindingStatus.CONFIRMED
    assert findings["S2_1"].status == FindingStatus.DISMISSED and findings["S2_1"].dismiss_reason


def test_a_visit_is_approved_only_when_every_finding_is_decided(world, app) -> None:
    answer_all(app, world.visit, world.inspector, failing={"S1_1": "未成立领导小组。"})
    (finding,) = services.submit_visit(world.visit, actor=world.inspector)
    with pytest.raises(InvalidTransition):
        services.approve_visit(world.visit, actor=world.supervisor)
    finding_services.dismiss_finding(finding, reason="已提供成立文件。", actor=world.supervisor)
    services.approve_visit(world.visit, actor=world.supervisor)
    assert world.visit.status == VisitStatus.APPROVED


def test_a_visit_cannot_be_filled_before_its_campaign_starts(world, make_campaign) -> None:
    campaign = make_campaign(world.supervisor, schools=[world.school], inspectors=[world.inspector])
    visit = db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id)).one()
    with pytest.raises(InvalidTransition):
        services.save_answer(visit, _item(world, "S1_1"), value="yes", note=None, actor=world.inspector)
    assert services.inspector_visits(world.inspector) == [world.visit]


def test_the_visit_list_shows_each_supervisor_their_own_county(world, app) -> None:
    answer_all(app, world.visit, world.inspector)
    services.submit_visit(world.visit, actor=world.inspector)

    def listed(user, **kw):
        return db.session.scalars(services.visit_list_query(user, **kw)).unique().all()

    assert listed(world.supervisor, status=VisitStatus.SUBMITTED) == [world.visit]
    assert listed(world.county_supervisor) == [world.visit]
    assert listed(world.other_county_supervisor) == []
    assert listed(world.supervisor, status=VisitStatus.APPROVED) == []
