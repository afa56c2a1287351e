"""Province campaigns: sampled by city × level, teams mixing cities, and nobody inspects their own city.

The pure parts (the planner's city rule, the dealing of inspectors into teams) are driven by hypothesis
on random provinces; the rest goes through the services, the command line and the pages of a province
of three cities.
"""

from __future__ import annotations

import json
import typing as t
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.campaigns import auto_plan
from inspect_app.campaigns import planner
from inspect_app.campaigns import services
from inspect_app.campaigns import team_builder
from inspect_app.campaigns.lifecycle import campaign_query
from inspect_app.campaigns.models import Campaign
from inspect_app.campaigns.models import Visit
from inspect_app.campaigns.permissions import can_manage_campaign
from inspect_app.campaigns.permissions import can_view_campaign
from inspect_app.campaigns.planning.crews import Person
from inspect_app.campaigns.planning.crews import deal
from inspect_app.checklists.models import ChecklistVersion
from inspect_app.db import local_today
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.findings.models import Finding
from inspect_app.findings.permissions import finding_filter
from inspect_app.schools import regions
from inspect_app.schools import services as school_services
from inspect_app.schools.models import City
from inspect_app.schools.models import County
from inspect_app.schools.models import School
from inspect_app.schools.models import SchoolLevel
from inspect_app.visits import services as visit_services
from inspect_app.visits.permissions import visit_filter
from tests.fixtures import answer_all

# ---------------------------------------------------------------------------------------------------------
# The pure parts, on random provinces


class Prov(t.NamedTuple):
    schools: list[planner.SchoolIn]
    teams: list[planner.TeamIn]
    city_of: dict[int, int]


@st.composite
def provinces(draw: st.DrawFn) -> Prov:
    """Cities of one to three counties each, schools in them, teams whose members come from some counties."""
    n_cities = draw(st.integers(1, 4))
    city_of: dict[int, int] = {}
    county = 0
    for city in range(1, n_cities + 1):
        for _ in range(draw(st.integers(1, 3))):
            county += 1
            city_of[county] = city
    schools = [planner.SchoolIn(i + 1, c, f"{i + 1:010d}", city_id=city_of[c])
               for i, c in enumerate(draw(st.lists(st.sampled_from(sorted(city_of)), max_size=30)))]
    teams = []
    for j in range(draw(st.integers(1, 6))):
        homes = draw(st.frozensets(st.sampled_from(sorted(city_of)), min_size=1, max_size=3))
        conflicts = draw(st.frozensets(st.sampled_from([s.id for s in schools]), max_size=2)) if schools \
            else frozenset()
        teams.append(planner.TeamIn(100 + j, homes, conflicts, draw(st.integers(0, 2)), None,
                                    frozenset(city_of[c] for c in homes)))
    return Prov(schools, teams, city_of)


def allowed_by_city(prov: Prov, school: planner.SchoolIn) -> set[int]:
    """Teams without a member of the school's city and without a conflict with it: written from the rule."""
    return {team.id for team in prov.teams
            if prov.city_of[school.county_id] not in {prov.city_of[c] for c in team.home_counties}
            and school.id not in team.conflicts}


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(provinces())
def test_under_the_city_rule_no_team_inspects_a_members_city_and_refusals_are_true(prov: Prov) -> None:
    try:
        result = planner.assign(prov.schools, prov.teams, cross_county=True, cross_city=True)
    except planner.Infeasible as err:
        for reason in err.reasons:
            assert isinstance(reason, planner.NoEligibleTeam)  # no capacities: only a rule can refuse
            for school_id in reason.school_ids:
                school = next(s for s in prov.schools if s.id == school_id)
                assert not allowed_by_city(prov, school)
                assert reason.city_id == prov.city_of[school.county_id]
            for team_id in reason.by_county:
                team = next(tm for tm in prov.teams if tm.id == team_id)
                assert reason.city_id in team.home_cities
        assert any(not allowed_by_city(prov, s) for s in prov.schools)
        return
    assert set(result.team_of) == {s.id for s in prov.schools}
    for school in prov.schools:
        assert result.team_of[school.id] in allowed_by_city(prov, school)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(provinces())
def test_the_county_rule_alone_lets_a_team_into_its_own_city(prov: Prov) -> None:
    """A city campaign keeps today's rule: only the members' counties are closed to a team."""
    try:
        result = planner.assign(prov.schools, prov.teams, cross_county=True)
    except planner.Infeasible:
        assert any(all(s.county_id in tm.home_counties or s.id in tm.conflicts for tm in prov.teams)
                   for s in prov.schools)
        return
    for school in prov.schools:
        team = next(tm for tm in prov.teams if tm.id == result.team_of[school.id])
        assert school.county_id not in team.home_counties and school.id not in team.conflicts


def test_a_city_every_team_comes_from_is_named_with_its_city() -> None:
    schools = [planner.SchoolIn(1, 11, "0000000001", city_id=1), planner.SchoolIn(2, 21, "0000000002", city_id=2)]
    teams = [planner.TeamIn(7, frozenset({12}), home_cities=frozenset({1}))]
    with pytest.raises(planner.Infeasible) as err:
        planner.assign(schools, teams, cross_city=True)
    [reason] = err.value.reasons
    assert isinstance(reason, planner.NoEligibleTeam)
    assert (reason.county_id, reason.school_ids, reason.by_county, reason.city_id) == (11, (1,), (7,), 1)
    # Under the county rule the same team may go to county 11: it is not its members' county.
    assert planner.assign(schools, teams).team_of == {1: 7, 2: 7}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 3)), max_size=40), st.integers(2, 5))
def test_dealing_mixes_homes_as_far_as_anyone_can(homes: list[tuple[int, int]], size: int) -> None:
    people = [Person(i, home, sub, f"u{i:03d}") for i, (home, sub) in enumerate(homes)]
    teams = deal(people, size)
    assert sorted(i for team in teams for i in team) == list(range(len(people)))
    if not people:
        return
    sizes = [len(team) for team in teams]
    assert max(sizes) - min(sizes) <= 1 and len(teams) == max(1, len(people) // size)
    home_of = {p.id: p.home for p in people}
    single = sum(1 for team in teams if len({home_of[i] for i in team}) == 1)
    largest = max(Counter(home_of.values()).values())
    # At least (teams − people outside the largest home) teams are all from one place whatever is done.
    assert single == max(0, len(teams) - (len(people) - largest))


# ---------------------------------------------------------------------------------------------------------
# A province of three cities


@dataclass
class Province:
    cities: dict[str, City]
    counties: dict[str, County]
    schools: dict[str, list[School]]          # by county name
    inspectors: list[User]
    province: User
    admin: User
    a_supervisor: User
    b_supervisor: User

    def city_of(self, school: School) -> int:
        return self.counties_by_id[school.county_id].city_id

    @property
    def counties_by_id(self) -> dict[int, County]:
        return {c.id: c for c in self.counties.values()}


CITIES = {"渭南市": ("临渭区", "华州区"), "宝鸡市": ("渭滨区", "金台区"), "咸阳市": ("秦都区",)}


@pytest.fixture
def prov(ctx: None, make_user: t.Callable[..., User], make_school: t.Callable[..., School]) -> Province:
    home = regions.home_city()
    cities = {home.name: home}
    for name in list(CITIES)[1:]:
        cities[name] = regions.create_city(home.province, name, org_name=f"{name}学生资助管理中心", actor=None)
    counties: dict[str, County] = {}
    for city_name, names in zip(cities, CITIES.values(), strict=True):
        for name in names:
            counties[name] = school_services.create_county(name, city=cities[city_name], actor=None)
    schools: dict[str, list[School]] = {}
    for name, county in counties.items():
        schools[name] = [make_school(county, level=level, name=f"{name}{level.value}{k}学校")
                         for level in (SchoolLevel.PRIMARY, SchoolLevel.JUNIOR) for k in range(3)]
    inspectors = [make_user(Role.INSPECTOR, username=f"p{n}-{k}", county=county)
                  for n, county in enumerate(counties.values()) for k in range(2)]
    world = Province(
        cities, counties, schools, inspectors,
        province=make_user(Role.SUPERVISOR, username="province"), admin=make_user(Role.ADMIN, username="root"),
        a_supervisor=make_user(Role.SUPERVISOR, username="weinan", city=cities["渭南市"]),
        b_supervisor=make_user(Role.SUPERVISOR, username="baoji", city=cities["宝鸡市"]),
    )
    db.session.commit()
    return world


def new_campaign(checklist: ChecklistVersion, actor: User | None, code: str, **kw: t.Any) -> Campaign:
    today = local_today()
    return services.create_campaign(code=code, name="全省交叉检查", term="2026年秋季学期", checklist_version=checklist,
                                    default_due_on=today + timedelta(days=60), starts_on=today,
                                    ends_on=today + timedelta(days=40), actor=actor, **kw)


def test_who_creates_a_province_campaign(prov: Province, checklist: ChecklistVersion) -> None:
    by_province = new_campaign(checklist, prov.province, "P1")
    by_admin = new_campaign(checklist, prov.admin, "P2", level="province")
    admins_default = new_campaign(checklist, prov.admin, "C1")
    baoji = new_campaign(checklist, prov.admin, "C2", level="city", city=prov.cities["宝鸡市"])
    assert [(c.level, c.city_id, c.county_id) for c in (by_province, by_admin)] == [("province", None, None)] * 2
    assert (admins_default.level, admins_default.city_id) == ("city", prov.cities["渭南市"].id)
    assert (baoji.level, baoji.region) == ("city", prov.cities["宝鸡市"])
    assert by_province.cross_city and not admins_default.cross_city
    with pytest.raises(ValidationFailed):
        new_campaign(checklist, prov.a_supervisor, "X1", level="province")
    with pytest.raises(ValidationFailed):
        new_campaign(checklist, prov.a_supervisor, "X2", level="city", city=prov.cities["宝鸡市"])
    assert can_manage_campaign(prov.province, by_province) and not can_manage_campaign(prov.a_supervisor, by_province)


def test_the_sample_is_stratified_by_city_and_level_and_reproducible(prov: Province,
                                                                    checklist: ChecklistVersion) -> None:
    campaign = new_campaign(checklist, prov.province, "P1")
    request = services.SampleRequest(seed=424242, size=12, minimum=1)
    first = services.draw_sample(campaign, request)
    again = services.draw_sample(campaign, services.SampleRequest(seed=424242, size=12, minimum=1))
    assert [s.id for s in first.schools] == [s.id for s in again.schools]
    assert first.population == 30
    # Strata are cities × levels: 渭南 and 宝鸡 have 6 schools per level, 咸阳 3. λ = 12/30 gives 2.4 and
    # 1.2; the two schools left over go to the largest remainders, ties to the city that comes first.
    strata = {(row.region, row.level): (row.population, row.size) for row in first.strata}
    assert strata == {("渭南市", SchoolLevel.PRIMARY): (6, 3), ("渭南市", SchoolLevel.JUNIOR): (6, 3),
                      ("宝鸡市", SchoolLevel.PRIMARY): (6, 2), ("宝鸡市", SchoolLevel.JUNIOR): (6, 2),
                      ("咸阳市", SchoolLevel.PRIMARY): (3, 1), ("咸阳市", SchoolLevel.JUNIOR): (3, 1)}
    drawn = Counter((prov.counties_by_id[s.county_id].city.name, s.level) for s in first.schools)
    assert drawn == Counter({key: size for key, (_n, size) in strata.items() if size})
    other = services.draw_sample(campaign, services.SampleRequest(seed=7, size=12, minimum=1))
    assert {row.region for row in other.strata} == set(CITIES)
    services.apply_sample(campaign, first, actor=prov.province)
    assert campaign.sample is not None and {row["city"] for row in campaign.sample["strata"]} == set(CITIES)
    # A city's campaign draws from its own schools only, by county × level.
    city = services.draw_sample(new_campaign(checklist, prov.b_supervisor, "C1"),
                                services.SampleRequest(seed=424242, size=4))
    assert city.population == 12 and {row.region for row in city.strata} == {"渭滨区", "金台区"}


def test_teams_mix_cities_and_the_plan_keeps_everyone_out_of_their_city(prov: Province,
                                                                        checklist: ChecklistVersion) -> None:
    campaign = new_campaign(checklist, prov.province, "P1")
    services.add_schools(campaign, [s for group in prov.schools.values() for s in group], actor=prov.province)
    teams = team_builder.form_teams(campaign, size=2, actor=prov.province)
    assert len(teams) == 5 and sorted(len(team.members) for team in teams) == [2] * 5
    for team in teams:
        assert len({m.user.city_id for m in team.members}) == 2, team.name
    result = auto_plan.auto_assign(campaign, actor=prov.province)
    assert result.assigned == 30
    visits = db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id)).all()
    for visit in visits:
        school_city = prov.city_of(visit.school)
        assert visit.assignments and all(a.user.city_id != school_city for a in visit.assignments)
    with pytest.raises(ValidationFailed):  # everyone is in a team now
        team_builder.form_teams(campaign, size=2, actor=prov.province)


def test_a_province_campaign_with_every_team_from_one_city_is_refused_naming_the_city(
        prov: Province, checklist: ChecklistVersion) -> None:
    campaign = new_campaign(checklist, prov.province, "P1")
    services.add_schools(campaign, prov.schools["临渭区"], actor=prov.province)
    weinan = [u for u in prov.inspectors if u.city_id == prov.cities["渭南市"].id]
    services.save_team(campaign, name="一组", leader=weinan[0], members=weinan[1:], actor=prov.province)
    with pytest.raises(ValidationFailed) as err:
        auto_plan.auto_assign(campaign, actor=prov.province)
    assert any("渭南市" in line and "临渭区" in line for line in err.value.details)


def test_a_city_campaign_keeps_the_county_rule(prov: Province, checklist: ChecklistVersion) -> None:
    campaign = new_campaign(checklist, prov.a_supervisor, "C1")
    services.add_schools(campaign, prov.schools["临渭区"], actor=prov.a_supervisor)
    huazhou = [u for u in prov.inspectors if u.county_id == prov.counties["华州区"].id]
    linwei = [u for u in prov.inspectors if u.county_id == prov.counties["临渭区"].id]
    services.save_team(campaign, name="华州组", leader=huazhou[0], members=huazhou[1:], actor=prov.a_supervisor)
    result = auto_plan.auto_assign(campaign, actor=prov.a_supervisor)
    assert result.assigned == 6  # 华州区's inspectors inspect their own city's 临渭区
    visit = db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id)).first()
    assert visit is not None
    linwei_team = services.save_team(campaign, name="临渭组", leader=linwei[0], members=[], actor=prov.a_supervisor)
    with pytest.raises(ValidationFailed) as err:  # but never their own county
        services.assign_team([visit], linwei_team, actor=prov.a_supervisor)
    assert any("临渭区" in line for line in err.value.details)
    # Only the city's inspectors are dealt into a city campaign's teams, mixing its counties.
    other = new_campaign(checklist, prov.a_supervisor, "C2")
    made = team_builder.form_teams(other, size=2, actor=prov.a_supervisor)
    assert {m.user.city_id for team in made for m in team.members} == {prov.cities["渭南市"].id}
    assert all(len({m.user.county_id for m in team.members}) == 2 for team in made)


def test_an_inspector_of_the_schools_city_is_flagged(prov: Province, checklist: ChecklistVersion) -> None:
    campaign = new_campaign(checklist, prov.province, "P1")
    [visit] = services.add_schools(campaign, prov.schools["临渭区"][:1], actor=prov.province)
    huazhou = next(u for u in prov.inspectors if u.county_id == prov.counties["华州区"].id)
    baoji = next(u for u in prov.inspectors if u.city_id == prov.cities["宝鸡市"].id)
    problem = services.assignment_problem(campaign, visit.school, huazhou)
    assert problem is not None and "渭南市" in problem
    assert services.assignment_problem(campaign, visit.school, baoji) is None
    assert len(services.team_problems(campaign, visit.school, [baoji, huazhou])) == 1
    with pytest.raises(ValidationFailed) as err:
        services.assign_inspector([visit], huazhou, actor=prov.province)
    assert any("渭南市" in line for line in err.value.details)
    team = services.save_team(campaign, name="混合组", leader=baoji, members=[huazhou], actor=prov.province)
    with pytest.raises(ValidationFailed):
        services.assign_team([visit], team, actor=prov.province)
    assert services.assign_inspector([visit], baoji, actor=prov.province) == 1


def test_campaigns_list_json_gives_level_and_region(prov: Province, checklist: ChecklistVersion, runner: t.Any,
                                                    make_user: t.Callable[..., User]) -> None:
    province = new_campaign(checklist, prov.province, "P1")
    city = new_campaign(checklist, prov.b_supervisor, "C1")
    county_boss = make_user(Role.SUPERVISOR, username="jintai", county=prov.counties["金台区"])
    county = new_campaign(checklist, county_boss, "K1")
    db.session.commit()
    result = runner.invoke(args=["campaigns", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["code"]: row for row in json.loads(result.output)}
    assert {k: (rows[k]["level"], rows[k]["region"]) for k in rows} == {
        "P1": ("province", None),
        "C1": ("city", {"id": prov.cities["宝鸡市"].id, "name": "宝鸡市"}),
        "K1": ("county", {"id": prov.counties["金台区"].id, "name": "金台区"}),
    }
    assert set(rows["P1"]) == {"id", "code", "name", "status", "schools", "findings", "level", "region"}
    assert (province.level, city.level, county.level) == ("province", "city", "county")


def test_create_command_makes_a_province_or_a_chosen_citys_campaign(prov: Province, checklist: ChecklistVersion,
                                                                   runner: t.Any) -> None:
    result = runner.invoke(args=["campaigns", "create", "全省交叉检查", "--code", "P9", "--level", "province"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["campaigns", "create", "宝鸡交叉检查", "--code", "C9", "--city", "宝鸡市"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["campaigns", "create", "默认", "--code", "C8"])
    assert result.exit_code == 0, result.output
    levels = {c.code: (c.level, c.city_id) for c in db.session.scalars(sa.select(Campaign))}
    assert levels == {"P9": ("province", None), "C9": ("city", prov.cities["宝鸡市"].id),
                      "C8": ("city", prov.cities["渭南市"].id)}
    result = runner.invoke(args=["campaigns", "plan", "--campaign", "P9", "--sample", "6", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "city\tlevel" in result.output and "咸阳市" in result.output
    result = runner.invoke(args=["campaigns", "form-teams", "--campaign", "P9", "--size", "3"])
    assert result.exit_code == 0, result.output
    assert "3 team(s) formed" in result.output


def _submit_with_a_problem(app: Flask, visit: Visit, inspector: User) -> None:
    answer_all(app, visit, inspector, failing={"S1_1": "资助政策未公示"})
    visit_services.submit_visit(visit, actor=inspector)


def test_city_staff_see_the_province_campaign_at_their_own_schools_only(
        app: Flask, prov: Province, checklist: ChecklistVersion, auth: t.Any) -> None:
    campaign = new_campaign(checklist, prov.province, "P1")
    weinan_school, baoji_school = prov.schools["临渭区"][0], prov.schools["渭滨区"][0]
    weinan_visit, baoji_visit = services.add_schools(campaign, [weinan_school, baoji_school], actor=prov.province)
    xianyang = next(u for u in prov.inspectors if u.city_id == prov.cities["咸阳市"].id)
    services.assign_inspector([weinan_visit, baoji_visit], xianyang, actor=prov.province)
    services.start_campaign(campaign, actor=prov.province)
    _submit_with_a_problem(app, weinan_visit, xianyang)
    _submit_with_a_problem(app, baoji_visit, xianyang)
    db.session.commit()

    a, b = prov.a_supervisor, prov.b_supervisor
    assert can_view_campaign(a, campaign) and can_view_campaign(b, campaign)
    assert not can_manage_campaign(a, campaign)
    assert campaign in db.session.scalars(campaign_query(a)).all()

    def seen(user: User) -> tuple[set[int], set[int]]:
        visits = set(db.session.scalars(sa.select(Visit.school_id).join(School, School.id == Visit.school_id)
                                        .where(Visit.campaign_id == campaign.id,
                                               visit_filter(user, School.county_id))))
        findings = set(db.session.scalars(sa.select(Finding.school_id).join(School, School.id == Finding.school_id)
                                          .where(finding_filter(user, School.county_id))))
        return visits, findings

    assert seen(a) == ({weinan_school.id}, {weinan_school.id})
    assert seen(b) == ({baoji_school.id}, {baoji_school.id})
    assert seen(prov.province) == ({weinan_school.id, baoji_school.id},) * 2

    auth.login(a)
    page = auth.client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert weinan_school.name in page and baoji_school.name not in page
    assert "全省" in page or "Province" in page
    listing = auth.client.get("/campaigns/").get_data(as_text=True)
    assert "P1" in listing
    auth.logout()
    auth.login(prov.province)
    narrowed = auth.client.get(f"/campaigns/?city={prov.cities['咸阳市'].id}").get_data(as_text=True)
    assert ">P1</a>" not in narrowed
    narrowed = auth.client.get(f"/campaigns/?city={prov.cities['宝鸡市'].id}").get_data(as_text=True)
    assert ">P1</a>" in narrowed and 'name="city"' in narrowed


def test_the_new_campaign_form_offers_the_level_above_the_cities_only(
        prov: Province, checklist: ChecklistVersion, auth: t.Any) -> None:
    db.session.commit()
    auth.login(prov.admin)
    form = auth.client.get("/campaigns/new").get_data(as_text=True)
    assert 'name="region"' in form and 'value="province"' in form and "宝鸡市" in form
    today = local_today()
    response = auth.client.post("/campaigns/new", data={
        "code": "P5", "name": "全省交叉检查", "term": "2026年秋季学期", "checklist_version_id": str(checklist.id),
        "default_due_on": (today + timedelta(days=30)).isoformat(), "visits_per_day": "2", "cross_county": "y",
        "region": "province"})
    assert response.status_code == 302, response.get_data(as_text=True)
    campaign = db.session.scalars(sa.select(Campaign).where(Campaign.code == "P5")).one()
    assert campaign.level == "province"
    auth.logout()
    auth.login(prov.a_supervisor)
    assert 'name="region"' not in auth.client.get("/campaigns/new").get_data(as_text=True)
