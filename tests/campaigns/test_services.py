from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from inspect_app.auth.models import Role
from inspect_app.campaigns import services
from inspect_app.campaigns.models import CampaignStatus
from inspect_app.db import local_today
from inspect_app.errors import InvalidTransition
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.visits.models import Visit


def test_an_inspector_never_inspects_their_own_county(world, make_user) -> None:
    huazhou_inspector = make_user(Role.INSPECTOR, username="huazhou_insp", county=world.away)
    with pytest.raises(ValidationFailed) as refused:
        services.assign_inspector([world.visit], huazhou_inspector, actor=world.supervisor)
    assert "华州区" in refused.value.details[0] and "华州第一小学" in refused.value.details[0]
    assert all(a.user_id != huazhou_inspector.id for a in world.visit.assignments)


def test_a_batch_with_one_bad_visit_assigns_nobody(world, make_school, make_campaign) -> None:
    home_school = make_school(world.home, name="临渭第三小学")
    campaign = make_campaign(world.supervisor, schools=[world.school, home_school])
    visits = db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id)).all()
    with pytest.raises(ValidationFailed) as refused:
        services.assign_inspector(visits, world.inspector, actor=world.supervisor)
    assert len(refused.value.details) == 1 and "临渭第三小学" in refused.value.details[0]
    assert all(not v.assignments for v in visits)


def test_the_rule_can_be_lifted_for_a_campaign_that_is_not_a_cross_inspection(world, checklist) -> None:
    campaign = services.create_campaign(
        code="LOCAL1", name="县内自查", term="2026年秋季学期", checklist_version=checklist,
        default_due_on=local_today() + timedelta(days=30), cross_county=False, actor=world.supervisor,
    )
    visits = services.add_schools(campaign, [world.other_school], actor=world.supervisor)
    assert services.assign_inspector(visits, world.inspector, actor=world.supervisor) == 1


def test_only_active_inspectors_can_be_assigned(world) -> None:
    with pytest.raises(ValidationFailed):
        services.assign_inspector([world.visit], world.viewer, actor=world.supervisor)


def test_a_campaign_starts_only_when_every_visit_has_an_inspector(world, make_school, make_campaign) -> None:
    campaign = make_campaign(world.supervisor, schools=[world.school, make_school(world.away)])
    visits = db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id)).all()
    services.assign_inspector(visits[:1], world.inspector, actor=world.supervisor)
    with pytest.raises(InvalidTransition) as refused:
        services.start_campaign(campaign, actor=world.supervisor)
    assert len(refused.value.details) == 1
    services.assign_inspector(visits[1:], world.inspector, actor=world.supervisor)
    services.start_campaign(campaign, actor=world.supervisor)
    assert campaign.status == CampaignStatus.ACTIVE


def test_a_county_supervisors_campaign_stays_in_their_county(world, checklist) -> None:
    campaign = services.create_campaign(
        code="HZ1", name="华州区专项检查", term="2026年秋季学期", checklist_version=checklist,
        default_due_on=local_today() + timedelta(days=30), actor=world.county_supervisor,
    )
    assert campaign.county_id == world.away.id
    with pytest.raises(ValidationFailed) as refused:
        services.add_schools(campaign, [world.other_school], actor=world.county_supervisor)
    assert "临渭第二小学" in refused.value.message
    assert services.add_schools(campaign, [world.school], actor=world.county_supervisor)


@pytest.mark.parametrize(("changes", "fragment"), [
    ({"code": "bad code!"}, "bad code!"),
    ({"code": "W1"}, "W1"),
    ({"ends_on_offset": -5}, ""),
])
def test_campaign_input_is_checked(world, checklist, changes, fragment) -> None:
    today = local_today()
    kwargs = dict(code="NEW1", name="检查", term="2026年秋季学期", checklist_version=checklist,
                  default_due_on=today + timedelta(days=30), starts_on=today, ends_on=today + timedelta(days=5))
    if "ends_on_offset" in changes:
        kwargs["ends_on"] = today + timedelta(days=changes.pop("ends_on_offset"))
    kwargs.update(changes)
    with pytest.raises(ValidationFailed) as refused:
        services.create_campaign(actor=world.supervisor, **kwargs)
    assert fragment in refused.value.message


def test_adding_the_same_school_twice_plans_one_visit(world) -> None:
    assert services.add_schools(world.campaign, [world.school], actor=world.supervisor) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)
                             .where(Visit.campaign_id == world.campaign.id)) == 1


def test_campaigns_list_command_prints_counts_and_json(world, runner) -> None:
    db.session.commit()
    result = runner.invoke(args=["campaigns", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows == [{"id": world.campaign.id, "code": "W1", "name": "测试交叉检查", "status": "active",
                     "schools": 1, "findings": 0, "level": "city",
                     "region": {"id": world.campaign.city_id, "name": world.campaign.city.name}}]
    table = runner.invoke(args=["campaigns", "list"])
    assert "W1\t测试交叉检查\t1\t0" in table.output
