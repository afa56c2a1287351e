"""Campaign planning through the services: samples, teams, declared conflicts, the planner, the board."""

from __future__ import annotations

import itertools
import typing as t
from collections import Counter
from collections import defaultdict
from datetime import date
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import event
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from inspect_app.audit.models import AuditEntry
from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.campaigns import services
from inspect_app.campaigns.models import Campaign
from inspect_app.campaigns.models import Team
from inspect_app.db import local_today
from inspect_app.errors import InvalidTransition
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.findings.models import Finding
from inspect_app.schools.models import County
from inspect_app.schools.models import School
from inspect_app.schools.models import SchoolLevel
from inspect_app.visits import services as visit_services
from inspect_app.visits.models import Visit
from inspect_app.visits.models import VisitInspector
from inspect_app.visits.models import VisitStatus
from tests.fixtures import answer_all

_names = itertools.count(1)
MONDAY = date(2027, 3, 1)


def visits_of(campaign: Campaign) -> list[Visit]:
    return list(db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id).order_by(Visit.id)))


def planning_campaign(supervisor: User, checklist: t.Any, *, days: int = 19, per_day: int = 2,
                      cross_county: bool = True) -> Campaign:
    return services.create_campaign(
        code=f"P{next(_names)}", name="交叉检查", term="2027年春季学期", checklist_version=checklist,
        default_due_on=MONDAY + timedelta(days=60), starts_on=MONDAY, ends_on=MONDAY + timedelta(days=days),
        cross_county=cross_county, visits_per_day=per_day, actor=supervisor,
    )


def locate(school: School, lat: float, lon: float) -> School:
    school.latitude, school.longitude = Decimal(str(round(lat, 6))), Decimal(str(round(lon, 6)))
    return school


def check_rules(campaign: Campaign) -> None:
    """What every plan must satisfy, checked from the rows the rest of the app reads."""
    for visit in visits_of(campaign):
        assert visit.team is not None, visit.school.name
        team = visit.team
        assert {a.user_id for a in visit.assignments} == {m.user_id for m in team.members}
        assert [a.user_id for a in visit.assignments if a.is_leader] == [team.leader.id]  # type: ignore[union-attr]
        for user in team.users:
            if campaign.cross_county:
                assert user.county_id != visit.school.county_id, (user.display_name, visit.school.name)
        declared = services.declared_conflicts([u.id for u in team.users], [visit.school_id])
        assert not declared, (team.name, visit.school.name)
    days: dict[tuple[int, date], set[int]] = defaultdict(set)
    for visit in visits_of(campaign):
        if visit.planned_on is not None and visit.team_id is not None:
            days[(visit.team_id, visit.planned_on)].add(visit.school.county_id)
            assert visit.planned_on.weekday() < 5
            assert campaign.starts_on <= visit.planned_on  # type: ignore[operator]
            if campaign.ends_on:
                assert visit.planned_on <= campaign.ends_on
    assert all(len(counties) == 1 for counties in days.values())
    per_day = Counter((v.team_id, v.planned_on) for v in visits_of(campaign) if v.planned_on)
    assert max(per_day.values(), default=0) <= campaign.visits_per_day


# --- a small city -----------------------------------------------------------------------------------------


class City(t.NamedTuple):
    counties: list[County]
    schools: dict[str, list[School]]
    inspectors: dict[str, list[User]]


@pytest.fixture
def city(world, make_county, make_school, make_user) -> City:
    """Four counties with six schools each (two levels, located) and two inspectors per county."""
    counties = [world.home, world.away, make_county("潼关县"), make_county("大荔县")]
    schools: dict[str, list[School]] = {}
    inspectors: dict[str, list[User]] = {}
    for i, county in enumerate(counties):
        made = []
        for k in range(6):
            level = SchoolLevel.PRIMARY if k % 2 else SchoolLevel.PRESCHOOL
            made.append(locate(make_school(county, level=level, name=f"{county.name}{k + 1}号学校"),
                               34.5 + i * 0.3 + k * 0.01, 109.5 + i * 0.2 - k * 0.01))
        schools[county.name] = made
        inspectors[county.name] = [make_user(Role.INSPECTOR, username=f"c{i}i{k}", county=county) for k in (1, 2)]
    db.session.flush()
    return City(counties, schools, inspectors)


def all_schools(city: City) -> list[School]:
    return [s for made in city.schools.values() for s in made]


def pair_teams(campaign: Campaign, city: City, actor: User) -> list[Team]:
    """Team i: the first inspector of county i leads, the second of county i+1 joins."""
    names = [c.name for c in city.counties]
    return [
        services.save_team(campaign, name=f"第{i + 1}组", leader=city.inspectors[name][0],
                           members=[city.inspectors[names[(i + 1) % len(names)]][1]], actor=actor)
        for i, name in enumerate(names)
    ]


# --- sampling ---------------------------------------------------------------------------------------------


def test_a_sample_is_reproducible_from_its_seed_and_kept_with_the_campaign(world, city, checklist) -> None:
    campaign = planning_campaign(world.supervisor, checklist)
    request = services.SampleRequest(seed=4242, size=12, minimum=1)
    first = services.draw_sample(campaign, request)
    again = services.draw_sample(campaign, services.SampleRequest(seed=4242, size=12, minimum=1))
    assert [s.id for s in first.schools] == [s.id for s in again.schools]
    other = services.draw_sample(campaign, services.SampleRequest(seed=4243, size=12, minimum=1))
    assert {s.id for s in other.schools} != {s.id for s in first.schools}
    # Four counties × two levels (the world's two primary schools join their counties' strata).
    assert len(first.strata) == 8 and all(row.size >= 1 for row in first.strata)
    added, removed = services.apply_sample(campaign, first, actor=world.supervisor)
    assert (added, removed) == (12, 0)
    assert {v.school_id for v in visits_of(campaign)} == {s.id for s in first.schools}
    assert campaign.sample is not None and campaign.sample["seed"] == 4242 and campaign.sample["drawn"] == 12
    # Drawing again with another seed replaces the schools; the audit log keeps both draws.
    services.apply_sample(campaign, other, actor=world.supervisor)
    assert {v.school_id for v in visits_of(campaign)} == {s.id for s in other.schools}
    draws = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "campaign.sample",
                                                           AuditEntry.campaign_id == campaign.id)).all()
    assert [d.after["seed"] for d in draws] == [4242, 4243]


def test_always_include_exclude_and_filters(world, city, checklist) -> None:
    campaign = planning_campaign(world.supervisor, checklist)
    must, never = city.schools["潼关县"][0], city.schools["大荔县"][1]
    result = services.draw_sample(campaign, services.SampleRequest(
        seed=1, size=5, minimum=0, county_ids=[city.counties[2].id, city.counties[3].id],
        levels=[SchoolLevel.PRIMARY], include=[must.code], exclude=[never.code]))
    ids = {s.id for s in result.schools}
    assert must.id in ids and never.id not in ids and len(ids) == 5
    # The preschool ``must`` is in although the filter asks for primary schools only.
    assert must.level == SchoolLevel.PRESCHOOL
    assert all(s.level == SchoolLevel.PRIMARY for s in result.schools if s.id != must.id)
    assert {s.county_id for s in result.schools} <= {city.counties[2].id, city.counties[3].id}
    with pytest.raises(ValidationFailed) as both:
        services.draw_sample(campaign, services.SampleRequest(seed=1, size=5, include=[must.code],
                                                              exclude=[must.code]))
    assert must.code in both.value.message
    with pytest.raises(ValidationFailed) as unknown:
        services.draw_sample(campaign, services.SampleRequest(seed=1, size=5, include=["9999999999"]))
    assert "9999999999" in unknown.value.message


def test_schools_with_open_problems_are_one_click_away(app, world, city, checklist) -> None:
    # W1's school gets a confirmed problem that is not closed; a later sample of one school takes it.
    answer_all(app, world.visit, world.inspector, failing={"S1_1": "领导小组未成立"})
    visit_services.submit_visit(world.visit, actor=world.inspector)
    finding = next(f for f in db.session.scalars(sa.select(Finding)))
    finding_services.confirm_finding(finding, actor=world.supervisor)
    campaign = planning_campaign(world.supervisor, checklist)
    assert services.open_problem_school_ids(campaign) == {world.school.id}
    for seed in range(1, 6):
        result = services.draw_sample(campaign, services.SampleRequest(seed=seed, size=4, minimum=0,
                                                                       include_open_problems=True))
        assert world.school.id in {s.id for s in result.schools}
        assert result.open_problem_schools == 1


def test_impossible_samples_are_explained(world, city, checklist) -> None:
    campaign = planning_campaign(world.supervisor, checklist)
    with pytest.raises(ValidationFailed) as large:
        services.draw_sample(campaign, services.SampleRequest(seed=1, size=500))
    assert "500" in large.value.message and "26" in large.value.message
    with pytest.raises(ValidationFailed) as small:
        services.draw_sample(campaign, services.SampleRequest(seed=1, size=5, minimum=1))
    assert "8" in small.value.message  # four counties × two levels: eight strata need a school each


def test_only_a_campaign_in_planning_is_sampled(world, checklist) -> None:
    result = services.draw_sample(world.campaign, services.SampleRequest(seed=1, size=1, minimum=0))
    with pytest.raises(InvalidTransition):
        services.apply_sample(world.campaign, result, actor=world.supervisor)


def test_a_county_campaign_samples_its_own_county(world, city, checklist) -> None:
    campaign = services.create_campaign(
        code="HZS", name="华州区自查", term="2027年春季学期", checklist_version=checklist,
        default_due_on=MONDAY + timedelta(days=60), cross_county=False, actor=world.county_supervisor)
    result = services.draw_sample(campaign, services.SampleRequest(seed=3, size=None))
    assert {s.county_id for s in result.schools} == {world.away.id}
    with pytest.raises(ValidationFailed):
        services.draw_sample(campaign, services.SampleRequest(seed=3, size=2,
                                                              include=[city.schools["潼关县"][0].code]))


# --- teams ------------------------------------------------------------------------------------------------


def test_a_team_has_one_leader_and_an_inspector_one_team(world, city, checklist, make_user) -> None:
    campaign = planning_campaign(world.supervisor, checklist)
    a, b = city.inspectors["临渭区"]
    team = services.save_team(campaign, name="第一组", leader=a, members=[b], actor=world.supervisor)
    assert team.leader is a and {u.id for u in team.users} == {a.id, b.id}
    with pytest.raises(ValidationFailed) as taken:
        services.save_team(campaign, name="第二组", leader=b, members=[], actor=world.supervisor)
    assert "第一组" in taken.value.details[0]
    with pytest.raises(ValidationFailed) as twice:
        services.save_team(campaign, name="第一组", leader=city.inspectors["华州区"][0], members=[],
                           actor=world.supervisor)
    assert "第一组" in twice.value.details[0]
    with pytest.raises(ValidationFailed):
        services.save_team(campaign, name="第三组", leader=world.viewer, members=[], actor=world.supervisor)
    with pytest.raises(ValidationFailed):
        services.save_team(campaign, name="第三组", leader=None, members=[b], actor=world.supervisor)
    # In another campaign the same inspector may be in another team.
    other = planning_campaign(world.supervisor, checklist)
    assert services.save_team(other, name="甲组", leader=b, members=[], actor=world.supervisor).leader is b


def test_a_new_member_may_not_break_the_rules_on_the_teams_visits(world, city, checklist) -> None:
    campaign = planning_campaign(world.supervisor, checklist)
    school = city.schools["潼关县"][0]
    visits = services.add_schools(campaign, [school], actor=world.supervisor)
    team = services.save_team(campaign, name="第一组", leader=city.inspectors["临渭区"][0], members=[],
                              actor=world.supervisor)
    services.assign_team(visits, team, actor=world.supervisor)
    local = city.inspectors["潼关县"][0]
    with pytest.raises(ValidationFailed) as refused:
        services.save_team(campaign, name="第一组", leader=team.leader, members=[local], actor=world.supervisor,
                           team=team)
    assert "潼关县" in refused.value.details[0] and school.name in refused.value.details[0]
    conflicted = city.inspectors["华州区"][0]
    services.declare_conflict(conflicted, school, reason="配偶在该校任教", actor=world.supervisor)
    with pytest.raises(ValidationFailed) as conflict:
        services.save_team(campaign, name="第一组", leader=team.leader, members=[conflicted],
                           actor=world.supervisor, team=team)
    assert "配偶在该校任教" in conflict.value.details[0]
    # A member who may go joins the visit's inspectors at once; one who leaves drops off.
    fine = city.inspectors["大荔县"][0]
    services.save_team(campaign, name="第一组", leader=fine, members=[team.leader], actor=world.supervisor,
                       team=team)
    assert {(a.user_id, a.is_leader) for a in visits[0].assignments} == {(fine.id, True),
                                                                         (city.inspectors["临渭区"][0].id, False)}
    services.save_team(campaign, name="第一组", leader=fine, members=[], actor=world.supervisor, team=team)
    assert [a.user_id for a in visits[0].assignments] == [fine.id]


def test_manual_assignment_keeps_the_rules(world, city, checklist) -> None:
    campaign = planning_campaign(world.supervisor, checklist)
    tongguan, dali = city.schools["潼关县"][0], city.schools["大荔县"][0]
    visits = services.add_schools(campaign, [tongguan, dali], actor=world.supervisor)
    team = services.save_team(campaign, name="第一组", leader=city.inspectors["潼关县"][0], members=[],
                              actor=world.supervisor)
    with pytest.raises(ValidationFailed) as refused:
        services.assign_team(visits, team, actor=world.supervisor)
    assert len(refused.value.details) == 1 and tongguan.name in refused.value.details[0]
    assert all(v.team_id is None and not v.assignments for v in visits)
    # One county a day: the team may not be in 大荔县 and 华州区 on the same day.
    services.assign_team([visits[1]], team, actor=world.supervisor, planned_on=MONDAY)
    huazhou = services.add_schools(campaign, [city.schools["华州区"][0]], actor=world.supervisor)
    with pytest.raises(ValidationFailed) as day:
        services.assign_team(huazhou, team, actor=world.supervisor, planned_on=MONDAY)
    assert "大荔县" in day.value.details[0] and "华州区" in day.value.details[0]
    services.assign_team(huazhou, team, actor=world.supervisor, planned_on=MONDAY + timedelta(days=1))
    with pytest.raises(ValidationFailed):
        services.set_planned_date(huazhou, MONDAY, actor=world.supervisor)
    # A visit of a team takes its inspectors from the team, not one by one.
    with pytest.raises(ValidationFailed):
        services.assign_inspector(huazhou, city.inspectors["临渭区"][0], actor=world.supervisor)
    with pytest.raises(ValidationFailed):
        services.unassign_inspector(huazhou[0], team.leader, actor=world.supervisor)  # type: ignore[arg-type]


def test_a_declared_conflict_also_stops_a_single_assignment(world) -> None:
    services.declare_conflict(world.other_inspector, world.school, reason="曾在该校任教", actor=world.supervisor)
    with pytest.raises(ValidationFailed) as refused:
        services.assign_inspector([world.visit], world.other_inspector, actor=world.supervisor)
    assert "曾在该校任教" in refused.value.details[0]
    with pytest.raises(ValidationFailed):
        services.declare_conflict(world.other_inspector, world.school, reason="又一次", actor=world.supervisor)
    with pytest.raises(ValidationFailed):
        services.declare_conflict(world.viewer, world.school, reason="不是检查员", actor=world.supervisor)


def test_deleting_a_team_frees_its_visits_but_not_its_record(app, world, city, checklist) -> None:
    campaign = planning_campaign(world.supervisor, checklist)
    visits = services.add_schools(campaign, city.schools["大荔县"][:2], actor=world.supervisor)
    team = services.save_team(campaign, name="第一组", leader=city.inspectors["临渭区"][0], members=[],
                              actor=world.supervisor)
    services.assign_team(visits, team, actor=world.supervisor)
    assert services.delete_team(team, actor=world.supervisor) == 2
    assert all(v.team_id is None and not v.assignments for v in visits)
    # A team whose visit was submitted stays.
    team = services.save_team(campaign, name="第二组", leader=city.inspectors["临渭区"][0], members=[],
                              actor=world.supervisor)
    services.assign_team(visits, team, actor=world.supervisor)
    services.start_campaign(campaign, actor=world.supervisor)
    answer_all(app, visits[0], team.leader)
    visit_services.submit_visit(visits[0], actor=team.leader)
    with pytest.raises(InvalidTransition):
        services.delete_team(team, actor=world.supervisor)


# --- the planner through the service ----------------------------------------------------------------------


def test_assigning_a_city_keeps_every_rule_and_evens_out_the_work(world, city, checklist) -> None:
    campaign = planning_campaign(world.supervisor, checklist)
    services.add_schools(campaign, all_schools(city), actor=world.supervisor)
    pair_teams(campaign, city, world.supervisor)
    conflicted = city.inspectors["华州区"][1]   # member of the 临渭区 team
    services.declare_conflict(conflicted, city.schools["大荔县"][2], reason="亲属任教", actor=world.supervisor)
    result = services.auto_assign(campaign, actor=world.supervisor)
    assert result.assigned == 24 and result.scheduled
    check_rules(campaign)
    loads = Counter(v.team_id for v in visits_of(campaign))
    assert sorted(loads.values()) == [6, 6, 6, 6]
    # Each team keeps to few counties (a forest: at most counties + teams − 1 pairs).
    pairs = {(v.team_id, v.school.county_id) for v in visits_of(campaign)}
    assert len(pairs) <= 4 + 4 - 1
    # The rest of the app sees the plan: the inspectors' own visits, the audit log.
    leader = city.inspectors["临渭区"][0]
    mine = db.session.scalars(sa.select(VisitInspector).where(VisitInspector.user_id == leader.id)).all()
    assert len(mine) == loads[next(t.id for t in campaign.teams if t.leader is leader)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "visit.team", AuditEntry.campaign_id == campaign.id)) == 24


def test_visits_under_way_keep_their_team_and_replan_moves_the_rest(app, world, city, checklist) -> None:
    campaign = planning_campaign(world.supervisor, checklist)
    services.add_schools(campaign, all_schools(city), actor=world.supervisor)
    pair_teams(campaign, city, world.supervisor)
    services.auto_assign(campaign, actor=world.supervisor)
    services.start_campaign(campaign, actor=world.supervisor)
    started = visits_of(campaign)[0]
    team_before, day_before = started.team_id, started.planned_on
    answer_all(app, started, started.team.leader)  # type: ignore[union-attr]
    assert started.status == VisitStatus.IN_PROGRESS
    with pytest.raises(ValidationFailed):
        services.auto_assign(campaign, actor=world.supervisor)   # nothing without a team
    result = services.auto_assign(campaign, actor=world.supervisor, replan=True, per_day=3)
    assert result.assigned == 23
    assert (started.team_id, started.planned_on) == (team_before, day_before)
    assert campaign.visits_per_day == 3
    check_rules(campaign)


def test_a_county_every_team_comes_from_is_named(world, city, checklist) -> None:
    campaign = planning_campaign(world.supervisor, checklist)
    services.add_schools(campaign, city.schools["潼关县"][:3] + city.schools["大荔县"][:1], actor=world.supervisor)
    for i, user in enumerate(city.inspectors["潼关县"]):
        services.save_team(campaign, name=f"第{i + 1}组", leader=user, members=[], actor=world.supervisor)
    with pytest.raises(ValidationFailed) as refused:
        services.auto_assign(campaign, actor=world.supervisor)
    (line,) = refused.value.details
    assert "潼关县" in line and "3" in line
    assert all(v.team_id is None for v in visits_of(campaign))


def test_a_conflict_that_leaves_no_team_is_named(world, city, checklist) -> None:
    campaign = planning_campaign(world.supervisor, checklist)
    school = city.schools["大荔县"][0]
    services.add_schools(campaign, [school], actor=world.supervisor)
    leader = city.inspectors["临渭区"][0]
    services.save_team(campaign, name="唯一组", leader=leader, members=[], actor=world.supervisor)
    services.declare_conflict(leader, school, reason="子女就读", actor=world.supervisor)
    with pytest.raises(ValidationFailed) as refused:
        services.auto_assign(campaign, actor=world.supervisor)
    (line,) = refused.value.details
    assert school.name in line and "唯一组" in line and leader.display_name in line


def test_too_few_days_for_the_teams_is_explained(world, city, checklist) -> None:
    # Four working days, one school a day: the only team that may inspect 潼关县 cannot make six visits.
    campaign = planning_campaign(world.supervisor, checklist, days=3, per_day=1)
    services.add_schools(campaign, city.schools["潼关县"], actor=world.supervisor)
    services.save_team(campaign, name="甲组", leader=city.inspectors["临渭区"][0], members=[],
                       actor=world.supervisor)
    services.save_team(campaign, name="乙组", leader=city.inspectors["潼关县"][0], members=[],
                       actor=world.supervisor)
    with pytest.raises(ValidationFailed) as refused:
        services.auto_assign(campaign, actor=world.supervisor)
    (line,) = refused.value.details
    assert "潼关县" in line and "甲组" in line and "乙组" not in line and "6" in line and "4" in line


def test_a_plan_without_dates_assigns_teams_only(world, city, checklist) -> None:
    campaign = services.create_campaign(code="ND1", name="不定日期", term="2027年春季学期",
                                        checklist_version=checklist, default_due_on=MONDAY, actor=world.supervisor)
    services.add_schools(campaign, all_schools(city), actor=world.supervisor)
    pair_teams(campaign, city, world.supervisor)
    result = services.auto_assign(campaign, actor=world.supervisor)
    assert not result.scheduled and all(v.planned_on is None for v in visits_of(campaign))
    check_rules(campaign)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_cities_never_break_the_rules(world, checklist, make_county, make_school, make_user, data) -> None:
    """Random counties, schools, teams and conflicts through the real services and database."""
    n = next(_names)
    counties = [make_county(f"随机{n}县{i}") for i in range(data.draw(st.integers(2, 5), label="counties"))]
    schools = []
    for county in counties:
        for _k in range(data.draw(st.integers(1, 5), label="schools")):
            school = make_school(county, level=data.draw(st.sampled_from(list(SchoolLevel))))
            if data.draw(st.booleans(), label="located"):
                locate(school, 34 + data.draw(st.floats(0, 1)), 109 + data.draw(st.floats(0, 1)))
            schools.append(school)
    users = [make_user(Role.INSPECTOR, username=f"r{n}u{i}", county=data.draw(st.sampled_from(counties)))
             for i in range(data.draw(st.integers(1, 6), label="inspectors"))]
    for user in users:
        for school in data.draw(st.lists(st.sampled_from(schools), max_size=2, unique_by=lambda s: s.id)
                                if schools else st.just([])):
            services.declare_conflict(user, school, reason="亲属", actor=world.supervisor)
    campaign = planning_campaign(world.supervisor, checklist, days=data.draw(st.integers(2, 25), label="days"),
                                 per_day=data.draw(st.integers(1, 3), label="per day"),
                                 cross_county=data.draw(st.booleans(), label="cross"))
    services.add_schools(campaign, schools, actor=world.supervisor)
    free = list(users)
    while free:
        size = data.draw(st.integers(1, len(free)), label="team size")
        members, free = free[:size], free[size:]
        services.save_team(campaign, name=f"第{len(campaign.teams) + 1}组", leader=members[0], members=members,
                           actor=world.supervisor)
    details: list[str] = []
    try:
        services.auto_assign(campaign, actor=world.supervisor)
    except ValidationFailed as err:
        details = err.details or ["(none)"]
    if details:
        event("refused")
        assert details != ["(none)"], "a refusal without reasons"
        assert all(v.team_id is None for v in visits_of(campaign))
        return
    event("assigned")
    check_rules(campaign)


# --- board and exports ------------------------------------------------------------------------------------


def test_the_board_counts_by_team_and_county(app, world, city, checklist) -> None:
    campaign = planning_campaign(world.supervisor, checklist)
    services.add_schools(campaign, all_schools(city), actor=world.supervisor)
    pair_teams(campaign, city, world.supervisor)
    services.auto_assign(campaign, actor=world.supervisor)
    services.start_campaign(campaign, actor=world.supervisor)
    first, second = visits_of(campaign)[:2]
    answer_all(app, first, first.team.leader)  # type: ignore[union-attr]
    visit_services.submit_visit(first, actor=first.team.leader)  # type: ignore[union-attr]
    answer_all(app, second, second.team.leader)  # type: ignore[union-attr]
    board = services.progress_board(campaign, world.supervisor)
    assert board.total.total == 24
    assert board.total.counts[VisitStatus.SUBMITTED] == 1 and board.total.counts[VisitStatus.IN_PROGRESS] == 1
    assert sum(row.total for row in board.teams) == 24 and len(board.teams) == 4
    assert [row.label for row in board.counties] == [c.name for c in city.counties]
    # A county supervisor sees their county's visits only.
    mine = services.progress_board(campaign, world.county_supervisor)
    assert mine.total.total == 6 and [row.label for row in mine.counties] == ["华州区"]


def test_late_visits_are_those_whose_day_has_passed(world, city, checklist) -> None:
    campaign = services.create_campaign(
        code="LATE", name="逾期", term="2027年春季学期", checklist_version=checklist,
        default_due_on=local_today() + timedelta(days=30), starts_on=local_today() - timedelta(days=10),
        ends_on=local_today() + timedelta(days=10), actor=world.supervisor)
    visits = services.add_schools(campaign, city.schools["大荔县"][:2], actor=world.supervisor)
    services.set_planned_date(visits[:1], local_today() - timedelta(days=2), actor=world.supervisor)
    services.set_planned_date(visits[1:], local_today() + timedelta(days=2), actor=world.supervisor)
    assert services.progress_board(campaign, world.supervisor).total.late == 1
