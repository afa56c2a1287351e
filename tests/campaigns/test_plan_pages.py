"""The planning pages, the plan documents and the planning commands, as a supervisor uses them."""

from __future__ import annotations

import io
import re
import typing as t
from datetime import date
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from docx import Document
from docx.shared import Mm

from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.campaigns import services
from inspect_app.campaigns.models import Campaign
from inspect_app.campaigns.models import ConflictOfInterest
from inspect_app.campaigns.models import Team
from inspect_app.extensions import db
from inspect_app.schools.models import School
from inspect_app.schools.models import SchoolLevel
from inspect_app.visits.models import Visit

MONDAY = date(2027, 3, 1)


@pytest.fixture
def city(world, make_county, make_school, make_user) -> dict[str, t.Any]:
    """Three counties of five schools and two inspectors each, and a city campaign in planning."""
    counties = [world.home, world.away, make_county("潼关县")]
    for i, county in enumerate(counties):
        for k in range(5):
            make_school(county, level=SchoolLevel.PRIMARY if k % 2 else SchoolLevel.JUNIOR,
                        name=f"{county.name}第{k + 1}学校")
        for k in (1, 2):
            make_user(Role.INSPECTOR, username=f"t{i}{k}", county=county)
    campaign = services.create_campaign(
        code="JC2027C", name="2027年春季学期学生资助工作交叉检查", term="2027年春季学期",
        checklist_version=world.campaign.checklist_version, default_due_on=MONDAY + timedelta(days=60),
        starts_on=MONDAY, ends_on=MONDAY + timedelta(days=25), actor=world.supervisor)
    db.session.commit()
    return {"campaign": campaign, "counties": counties}


def user(name: str) -> User:
    found = db.session.scalar(sa.select(User).where(User.username == name))
    assert found is not None
    return found


def _three_teams(campaign: Campaign, world: t.Any) -> None:
    """Teams that each pair inspectors of two of the city's three counties."""
    for i, (lead, member) in enumerate((("t01", "t12"), ("t11", "t22"), ("t21", "t02"))):
        services.save_team(campaign, name=f"第{i + 1}检查组", leader=user(lead), members=[user(member)],
                           actor=world.supervisor)


def _plan_every_school(campaign: Campaign, world: t.Any, *, per_day: int) -> list[Visit]:
    """Every school in the campaign, three teams, and the planner's assignment and schedule."""
    visits = services.add_schools(campaign, list(db.session.scalars(sa.select(School))),
                                  actor=world.supervisor)
    _three_teams(campaign, world)
    result = services.auto_assign(campaign, actor=world.supervisor, per_day=per_day)
    db.session.commit()
    assert result.assigned == len(visits) and result.scheduled
    return visits


def text(response: t.Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_a_supervisor_samples_forms_teams_assigns_and_downloads_the_plan(app, world, city, auth, client) -> None:
    campaign: Campaign = city["campaign"]
    auth.login("city")
    base = f"/campaigns/{campaign.id}"

    # Sampling: a preview shows the seed and the strata, and changes nothing until it is used.
    page = client.get(f"{base}/sample?seed=2027&size=8&minimum=1")
    assert page.status_code == 200
    assert "随机种子2027" in text(page) and "潼关县" in text(page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit).where(Visit.campaign_id == campaign.id)) == 0
    response = client.post(f"{base}/sample", data={"seed": "2027", "size": "8", "minimum": "1"},
                           follow_redirects=True)
    assert "已按随机种子2027抽取8所学校" in text(response)
    drawn = set(db.session.scalars(sa.select(Visit.school_id).where(Visit.campaign_id == campaign.id)))
    assert len(drawn) == 8
    again = client.get(f"{base}/sample?seed=2027&size=8&minimum=1")
    assert "从" in text(again)
    # The same draw through the service gives the same schools.
    result = services.draw_sample(db.session.get(Campaign, campaign.id),  # type: ignore[arg-type]
                                  services.SampleRequest(seed=2027, size=8, minimum=1))
    assert {s.id for s in result.schools} == drawn

    # Teams: each pairs two counties.
    for i, (lead, member) in enumerate((("t01", "t12"), ("t11", "t22"), ("t21", "t02"))):
        response = client.post(f"{base}/teams/new", data={
            "name": f"第{i + 1}检查组", "leader_id": str(user(lead).id), "member_ids": [str(user(member).id)]})
        assert response.status_code == 302, text(response)[:400]
    teams_page = client.get(f"{base}/teams")
    assert "第3检查组" in text(teams_page) and "8项现场检查尚未分组" in text(teams_page)

    # The planner assigns and schedules; the schedule and the board show it.
    response = client.post(f"{base}/assign-teams", data={"per_day": "2"}, follow_redirects=True)
    body = text(response)
    assert "已将8项现场检查分配给3个检查组" in body
    assert "2027-03-01" in body or "2027年3月1日" in body
    db.session.expire_all()
    visits = db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id)).all()
    assert all(v.team_id and v.planned_on and v.planned_on.weekday() < 5 for v in visits)
    for visit in visits:
        assert visit.school.county_id not in visit.team.home_county_ids  # type: ignore[union-attr]
    board = client.get(f"{base}/board")
    assert board.status_code == 200 and "按检查组" in text(board) and "按区县" in text(board)

    # The plan as a workbook: one row per visit, members with their home counties.
    xlsx = client.get(f"{base}/plan.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data))["检查安排"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:9] == ("序号", "学校标识码", "学校名称", "区县", "学段", "检查组", "组长（所属区县）",
                           "成员（所属区县）", "检查日期")
    assert len(rows) == 1 + 8
    assert all(re.search(r"（.+区|县）", str(row[6])) for row in rows[1:])

    # The Word notice, laid out to GB/T 9704.
    notice = client.get(f"{base}/plan.docx")
    assert notice.status_code == 200
    document = Document(io.BytesIO(notice.data))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.top_margin - Mm(37)) < Mm(0.5)
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert "关于开展2027年春季学期\n学生资助工作交叉检查的通知" in paragraphs  # a title in two balanced lines
    assert "随机种子2027" in paragraphs and "3个检查组" in paragraphs
    assert "附件：1.检查组人员安排表" in paragraphs
    teams_table, schedule_table = document.tables
    assert len(teams_table.rows) == 1 + 3 and len(schedule_table.rows) == 1 + 8


def test_moving_visits_by_hand_is_checked(app, world, city, auth, client) -> None:
    campaign: Campaign = city["campaign"]
    visits = services.add_schools(campaign, list(db.session.scalars(
        sa.select(School).where(School.county_id == city["counties"][2].id))),
        actor=world.supervisor)
    local = services.save_team(campaign, name="本县组", leader=user("t21"), members=[], actor=world.supervisor)
    db.session.commit()
    auth.login("city")
    response = client.post(f"/campaigns/{campaign.id}/assign", data={
        "visit_id": [str(v.id) for v in visits[:2]], "action": "team", "team_id": str(local.id)},
        headers={"Referer": f"http://localhost/campaigns/{campaign.id}"}, follow_redirects=True)
    body = text(response)
    assert "未作任何调整" in body and "按交叉检查规定不得检查本区县" in body
    db.session.expire_all()
    assert db.session.get(Visit, visits[0].id).team_id is None  # type: ignore[union-attr]


def test_inspectors_of_a_team_see_its_visits(app, world, city, auth, client) -> None:
    campaign: Campaign = city["campaign"]
    visits = services.add_schools(campaign, [world.school], actor=world.supervisor)
    team = services.save_team(campaign, name="第一组", leader=user("t01"), members=[user("t02")],
                              actor=world.supervisor)
    services.assign_team(visits, team, actor=world.supervisor, planned_on=MONDAY)
    services.start_campaign(campaign, actor=world.supervisor)
    db.session.commit()
    auth.login("t02")
    assert "华州第一小学" in text(client.get("/visits/mine"))
    assert client.get(f"/visits/{visits[0].id}").status_code == 200


def test_conflicts_are_declared_and_withdrawn_on_their_page(app, world, auth, client) -> None:
    auth.login("city")
    response = client.post("/campaigns/conflicts", data={
        "inspector_id": str(world.other_inspector.id), "school_code": "2161030001", "reason": "配偶在该校任教"},
        follow_redirects=True)
    assert "今后不会被安排检查华州第一小学" in text(response)
    conflict = db.session.scalar(sa.select(ConflictOfInterest))
    assert conflict is not None and conflict.reason == "配偶在该校任教"
    listed = client.get("/campaigns/conflicts?q=insp2")
    assert "配偶在该校任教" in text(listed)
    client.post(f"/campaigns/conflicts/{conflict.id}/delete")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConflictOfInterest)) == 0


def test_planning_pages_make_a_flat_number_of_queries(app, world, city, make_user) -> None:
    """The schedule, board, teams and visits pages do not query once per team or visit."""
    from sqlalchemy import event

    campaign: Campaign = city["campaign"]

    def plan(n_schools: int) -> None:
        schools = list(db.session.scalars(sa.select(School).order_by(School.id)))[:n_schools]
        services.add_schools(campaign, schools, actor=world.supervisor)
        if not campaign.teams:
            for i, (lead, member) in enumerate((("t01", "t12"), ("t11", "t22"), ("t21", "t02"))):
                services.save_team(campaign, name=f"第{i + 1}组", leader=user(lead), members=[user(member)],
                                   actor=world.supervisor)
        services.auto_assign(campaign, actor=world.supervisor, replan=True)
        db.session.commit()

    def queries(client: t.Any, url: str) -> int:
        counted: list[str] = []

        def count(*_args: t.Any) -> None:
            counted.append("q")

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(counted)

    client = app.test_client()
    client.post("/auth/login", data={"username": "city", "password": "password123"})
    pages = [f"/campaigns/{campaign.id}/{p}" for p in ("schedule", "board", "teams")] + [f"/campaigns/{campaign.id}"]
    plan(4)
    small = {url: queries(client, url) for url in pages}
    plan(15)
    large = {url: queries(client, url) for url in pages}
    assert small == large


def test_the_cli_creates_samples_assigns_and_exports(app, world, city, runner, tmp_path: Path) -> None:
    result = runner.invoke(args=["campaigns", "create", "2027年秋季学期学生资助工作交叉检查", "--code", "JC2027Q",
                                 "--checklist", str(world.campaign.checklist_version_id), "--starts", "2027-09-06",
                                 "--ends", "2027-09-30"])
    assert result.exit_code == 0, result.output
    assert "created campaign" in result.output and "JC2027Q" in result.output
    result = runner.invoke(args=["campaigns", "plan", "--campaign", "JC2027Q", "--sample", "9", "--seed", "77"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("seed 77: 9 of 17 schools")
    first = result.output
    again = runner.invoke(args=["campaigns", "plan", "--campaign", "JC2027Q", "--sample", "9", "--seed", "77"])
    assert again.output.splitlines()[1:] == first.splitlines()[1:] and "0 added, 0 removed" in again.output

    refused = runner.invoke(args=["campaigns", "assign", "--campaign", "JC2027Q"])
    assert refused.exit_code == 1 and "请先组建检查组" in refused.output

    teams = tmp_path / "teams.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["检查组", "角色", "账号"], ["第一组", "组长", "t01"], ["第一组", "成员", "t12"],
                ["第二组", "组长", "t11"], ["第二组", "成员", "t22"], ["第三组", "组长", "t21"]):
        sheet.append(row)
    book.save(teams)
    result = runner.invoke(args=["campaigns", "import-teams", "--campaign", "JC2027Q", str(teams)])
    assert result.exit_code == 0 and "created 3" in result.output, result.output
    result = runner.invoke(args=["campaigns", "assign", "--campaign", "JC2027Q"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("9 visit(s) assigned to 3 team(s)")
    shares = dict(re.findall(r"^(第.组)\t(\d+)\t", result.output, re.M))
    assert sorted(shares) == ["第一组", "第三组", "第二组"] and sum(map(int, shares.values())) == 9

    out = tmp_path / "plan.xlsx"
    result = runner.invoke(args=["campaigns", "export-plan", "--campaign", "JC2027Q", "--out", str(out)])
    assert result.exit_code == 0 and "9 visit(s)" in result.output
    rows = list(openpyxl.load_workbook(out)["检查安排"].iter_rows(values_only=True))
    assert len(rows) == 10 and all(row[5] and row[8] for row in rows[1:])


def test_the_cli_explains_an_infeasible_plan(app, world, city, runner, tmp_path: Path) -> None:
    campaign: Campaign = city["campaign"]
    services.add_schools(campaign, list(db.session.scalars(
        sa.select(School).where(School.county_id == city["counties"][2].id))),
        actor=world.supervisor)
    services.save_team(campaign, name="本县组", leader=user("t21"), members=[user("t22")], actor=world.supervisor)
    db.session.commit()
    result = runner.invoke(args=["campaigns", "assign", "--campaign", str(campaign.id)])
    assert result.exit_code == 1
    assert "潼关县" in result.output and "不存在符合规则的分配方案" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Team)) == 1


def test_the_plan_notice_keeps_its_schedule_on_the_22_line_page(app, world, city, make_school, tmp_path) -> None:
    from tests.reports.gbt_checks import body_lines
    from tests.reports.gbt_checks import check_document
    from tests.reports.gbt_checks import to_pdf

    campaign: Campaign = city["campaign"]
    for county in city["counties"]:
        for k in range(5, 12):
            make_school(county, level=SchoolLevel.PRIMARY, name=f"{county.name}第{k + 1}学校")
    _plan_every_school(campaign, world, per_day=3)

    blob = services.plan_notice(campaign)
    text_of = check_document(blob)
    assert "检查日期" in text_of and "星期" in text_of and "周一" in text_of
    path = tmp_path / "plan.docx"
    path.write_bytes(blob)
    lines = body_lines(to_pdf([path], tmp_path)[path])
    # A team's day spans three rows; its merged date, weekday, team and county stay on their rows' lines,
    # so a full page of the schedule holds 22 lines like the text pages, never more.
    assert len(lines) >= 4 and max(lines) <= 23 and max(lines) >= 21, lines


def test_days_without_visits_are_kept_free_by_the_planner_and_by_hand(app, world, city, auth, client) -> None:
    from inspect_app.audit.models import AuditEntry
    from inspect_app.errors import ValidationFailed

    campaign: Campaign = city["campaign"]
    base = f"/campaigns/{campaign.id}"
    auth.login("city")
    page = client.get(f"{base}/edit")
    assert page.status_code == 200 and "不安排检查的日期" in text(page)
    assert f'value="{campaign.name}"' in page.get_data(as_text=True)

    # An entry that is no date is refused on its field, with the input kept; nothing is saved.
    form = {"name": "2027年春季学期学生资助工作交叉检查（调整）", "term": campaign.term,
            "starts_on": "2027-03-01", "ends_on": "2027-03-26", "default_due_on": "2027-05-31",
            "visits_per_day": "2", "days_off": "2027-03-02\n2027-03-3x"}
    refused = client.post(f"{base}/edit", data=form)
    assert refused.status_code == 200 and "“2027-03-3x”不是日期或日期段" in text(refused)
    assert "2027-03-02" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).days_off == []  # type: ignore[union-attr]

    # A day and a range; the header of every planning page names them.
    form["days_off"] = "2027-03-02\n2027年3月4日至2027年3月5日"
    saved = client.post(f"{base}/edit", data=form, follow_redirects=True)
    assert "检查批次JC2027C已保存" in text(saved)
    assert "不安排检查：2027-03-02、2027-03-04 – 2027-03-05" in text(saved)
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)  # type: ignore[assignment]
    assert campaign.days_off == ["2027-03-02", "2027-03-04", "2027-03-05"]
    assert campaign.name == form["name"] and campaign.default_due_on == date(2027, 5, 31)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "campaign.update"))
    assert entry is not None and entry.before["days_off"] == [] and entry.after["days_off"] == campaign.days_off
    assert "2027-03-04 至 2027-03-05" in client.get(f"{base}/edit").get_data(as_text=True)

    # The planner schedules around them.
    visits = _plan_every_school(campaign, world, per_day=1)
    days = {v.planned_on for v in visits}
    assert date(2027, 3, 1) in days and date(2027, 3, 3) in days and date(2027, 3, 8) in days
    assert not days & campaign.off_days
    notice = "\n".join(p.text for p in Document(io.BytesIO(services.plan_notice(campaign))).paragraphs)
    assert "2027年3月1日至3月26日。其间2027年3月2日、2027年3月4日至3月5日不安排检查。" in notice

    # By hand, a visit cannot be moved onto a day off.
    with pytest.raises(ValidationFailed, match="2027-03-04"):
        services.set_planned_date([visits[0]], date(2027, 3, 4), actor=world.supervisor)
    db.session.rollback()

    # A new day off on which a visit is planned is refused, naming the school; nothing changes.
    planned = next(v for v in visits if v.planned_on == date(2027, 3, 3))
    school = planned.school.name
    form["days_off"] = "2027-03-02 至 2027-03-05"
    response = client.post(f"{base}/edit", data=form, follow_redirects=True)
    assert "未作任何修改：有" in text(response) and f"{school} 2027-03-03" in text(response)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).days_off == ["2027-03-02", "2027-03-04", "2027-03-05"]  # type: ignore[union-attr]


@pytest.mark.parametrize(("entry", "message"), [
    ("2027-02-30", "“2027-02-30” is not a date"),
    ("2027-03-05 至 2027-03-01", "“2027-03-05 至 2027-03-01”: the range ends before it starts"),
    ("2027-01-01 至 2028-06-01", "at most a year"),
    ("2027-03-01至2027-03-02至2027-03-03", "is not a date or a range"),
])
def test_a_wrong_day_off_is_named(app, entry: str, message: str) -> None:
    from inspect_app.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match=message):
        services.parse_days_off(f"2027-03-08\n{entry}")


def test_days_off_are_read_in_the_usual_ways(app) -> None:
    assert services.parse_days_off("2027-04-05，2027/05/01～2027/05/03、2027.06.14；2027年9月1日\n\n") == [
        date(2027, 4, 5), date(2027, 5, 1), date(2027, 5, 2), date(2027, 5, 3), date(2027, 6, 14), date(2027, 9, 1)]
    assert services.parse_days_off("  ") == []


def test_the_cli_creates_a_campaign_with_days_off(app, world, runner) -> None:
    result = runner.invoke(args=["campaigns", "create", "2027年春季学期专项检查", "--code", "ZX2027C",
                                 "--starts", "2027-03-01", "--ends", "2027-04-30",
                                 "--day-off", "2027-04-05", "--day-off", "2027-04-28至2027-04-30"])
    assert result.exit_code == 0, result.output
    assert "no visits on 2027-04-05, 2027-04-28, 2027-04-29, 2027-04-30" in result.output
    refused = runner.invoke(args=["campaigns", "create", "2027年春季学期专项检查", "--code", "ZX2027D",
                                  "--starts", "2027-03-01", "--ends", "2027-04-30", "--day-off", "2027-05-01"])
    assert refused.exit_code != 0 and "2027-05-01" in refused.output
    assert db.session.scalar(sa.select(Campaign).where(Campaign.code == "ZX2027D")) is None
