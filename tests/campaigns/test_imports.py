"""Importing inspectors, teams and declared conflicts from .xlsx: all or nothing, errors by row."""

from __future__ import annotations

import io
import typing as t
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.campaigns import importers
from inspect_app.campaigns import services
from inspect_app.campaigns.models import ConflictOfInterest
from inspect_app.campaigns.models import Team
from inspect_app.campaigns.models import TeamMember
from inspect_app.db import local_today
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(header: t.Sequence[str], rows: t.Iterable[t.Sequence[t.Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def refused(call: t.Callable[[], t.Any]) -> list[str]:
    with pytest.raises(ValidationFailed) as err:
        call()
    return err.value.details


INSPECTOR_HEADER = ["账号", "姓名", "所属区县", "联系电话", "初始密码"]
TEAM_HEADER = ["检查组", "角色", "账号", "姓名"]
CONFLICT_HEADER = ["检查员账号", "学校标识码", "回避原因"]


# --- inspectors -------------------------------------------------------------------------------------------


def test_inspectors_are_created_and_updated_by_account(world) -> None:
    data = workbook(INSPECTOR_HEADER, [
        ["wang_jg", "王建国", "华州区", "13800000001", "initial-pass"],
        ["insp", "检查员甲（改名）", "临渭区", "", ""],
        ["city_staff", "市直人员", "市直", "", "initial-pass"],
    ])
    result = importers.import_inspectors(data, filename="inspectors.xlsx", actor=world.admin)
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    wang = db.session.scalar(sa.select(User).where(User.username == "wang_jg"))
    assert wang is not None and wang.role == Role.INSPECTOR and wang.county_id == world.away.id
    assert wang.check_password("initial-pass")
    assert db.session.scalar(sa.select(User).where(User.username == "city_staff")).county_id is None  # type: ignore[union-attr]
    assert world.inspector.display_name == "检查员甲（改名）"
    again = importers.import_inspectors(data, filename="inspectors.xlsx", actor=world.admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_bad_inspector_file_imports_nothing_and_names_every_row(world) -> None:
    before = count(User)
    details = refused(lambda: importers.import_inspectors(workbook(INSPECTOR_HEADER, [
        ["ok_user", "正常", "华州区", "", "initial-pass"],
        ["bad name!", "甲", "华州区", "", "initial-pass"],
        ["no_password", "乙", "华州区", "", "short"],
        ["boss", "领导", "华州区", "", ""],
        ["elsewhere", "丙", "西安市", "", "initial-pass"],
        ["ok_user", "重复", "华州区", "abc", "initial-pass"],
    ]), filename="inspectors.xlsx", actor=world.admin))
    assert count(User) == before
    joined = "\n".join(details)
    for row in (3, 4, 5, 6, 7):
        assert f"第{row}行" in joined
    assert any("西安市" in line for line in details) and any("初始密码" in line for line in details)


def test_the_inspector_template_imports_as_it_is(world) -> None:
    result = importers.import_inspectors(importers.inspector_template(), filename="template.xlsx", actor=world.admin)
    assert result.created == 2


# --- teams ------------------------------------------------------------------------------------------------


@pytest.fixture
def planning(world, checklist, make_user) -> t.Any:
    campaign = services.create_campaign(
        code="TP1", name="交叉检查", term="2027年春季学期", checklist_version=checklist,
        default_due_on=local_today() + timedelta(days=60), actor=world.supervisor)
    for k in range(3):
        make_user(Role.INSPECTOR, username=f"lw{k}", county=world.home)
        make_user(Role.INSPECTOR, username=f"hz{k}", county=world.away)
    return campaign


def test_teams_are_imported_one_row_per_member(world, planning) -> None:
    data = workbook(TEAM_HEADER, [
        ["第一组", "组长", "lw0", ""], ["第一组", "成员", "hz0", ""],
        ["第二组", "成员", "lw1", ""], ["第二组", "组长", "hz1", "任意姓名"],
    ])
    result = importers.import_teams(planning, data, filename="teams.xlsx", actor=world.supervisor)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    teams = {team.name: team for team in planning.teams}
    assert teams["第一组"].leader.username == "lw0"  # type: ignore[union-attr]
    assert {u.username for u in teams["第二组"].users} == {"lw1", "hz1"}
    # A second file moves lw1 from 第二组 to 第一组 and leaves teams it does not name alone.
    moved = workbook(TEAM_HEADER, [["第一组", "组长", "lw0", ""], ["第一组", "成员", "lw1", ""],
                                   ["第二组", "组长", "hz1", ""]])
    result = importers.import_teams(planning, moved, filename="teams.xlsx", actor=world.supervisor)
    assert (result.created, result.updated) == (0, 2)
    assert {u.username for u in teams["第一组"].users} == {"lw0", "lw1"}
    assert {u.username for u in teams["第二组"].users} == {"hz1"}
    # The template of a campaign lists its teams and imports back unchanged.
    back = importers.import_teams(planning, importers.team_template(planning), filename="t.xlsx",
                                  actor=world.supervisor)
    assert (back.created, back.updated, back.unchanged) == (0, 0, 2)


def test_a_bad_team_file_imports_nothing(world, planning) -> None:
    services.save_team(planning, name="既有组", leader=db.session.scalar(sa.select(User).where(User.username == "hz2")),
                       members=[], actor=world.supervisor)
    before = (count(Team), count(TeamMember))
    details = refused(lambda: importers.import_teams(planning, workbook(TEAM_HEADER, [
        ["第一组", "组长", "lw0", ""],
        ["第一组", "组长", "hz0", ""],          # two leaders
        ["第二组", "队员", "lw1", ""],          # unknown role
        ["第三组", "组长", "nobody", ""],       # no such account
        ["第三组", "成员", "boss", ""],         # not an inspector
        ["第四组", "组长", "hz2", ""],          # still in 既有组, which the file does not name
        ["", "成员", "lw2", ""],                # no team
    ]), filename="teams.xlsx", actor=world.supervisor))
    assert (count(Team), count(TeamMember)) == before
    joined = "\n".join(details)
    assert "第一组" in joined and "2、3" in joined
    for row in (4, 5, 6, 8):
        assert f"第{row}行" in joined
    assert "既有组" in joined


def test_a_team_import_may_not_put_a_member_on_a_visit_of_their_county(world, planning) -> None:
    visits = services.add_schools(planning, [world.school], actor=world.supervisor)   # 华州区
    leader = db.session.scalar(sa.select(User).where(User.username == "lw0"))
    team = services.save_team(planning, name="第一组", leader=leader, members=[], actor=world.supervisor)
    services.assign_team(visits, team, actor=world.supervisor)
    details = refused(lambda: importers.import_teams(planning, workbook(TEAM_HEADER, [
        ["第一组", "组长", "lw0", ""], ["第一组", "成员", "hz0", ""]]), filename="teams.xlsx",
        actor=world.supervisor))
    assert "华州区" in details[0] and "华州第一小学" in details[0] and "第2、3行" in details[0]


# --- conflicts --------------------------------------------------------------------------------------------


def test_conflicts_are_imported_and_known_ones_left_alone(world) -> None:
    services.declare_conflict(world.inspector, world.school, reason="已申报", actor=world.supervisor)
    data = workbook(CONFLICT_HEADER, [["insp", "2161030001", "已申报"], ["insp2", 2161020002, "配偶在该校任教"]])
    result = importers.import_conflicts(data, filename="conflicts.xlsx", actor=world.supervisor)
    assert (result.created, result.unchanged) == (1, 1)
    assert services.declared_conflicts([world.other_inspector.id]) == {
        (world.other_inspector.id, world.other_school.id): "配偶在该校任教"}


def test_a_bad_conflict_file_imports_nothing(world) -> None:
    details = refused(lambda: importers.import_conflicts(workbook(CONFLICT_HEADER, [
        ["insp", "2161030001", "亲属"], ["boss", "2161030001", "不是检查员"], ["insp", "0000000000", "无此校"],
        ["insp2", "2161030001", ""], ["insp", "2161030001", "重复"]]), filename="c.xlsx", actor=world.supervisor))
    assert count(ConflictOfInterest) == 0
    joined = "\n".join(details)
    for row in (3, 4, 5, 6):
        assert f"第{row}行" in joined


def test_a_file_without_the_columns_says_which(world) -> None:
    with pytest.raises(ValidationFailed) as err:
        importers.import_conflicts(workbook(["账号", "学校"], [["insp", "2161030001"]]), filename="c.xlsx",
                                   actor=world.supervisor)
    assert "检查员账号" in err.value.message and "回避原因" in err.value.message


# --- the upload pages -------------------------------------------------------------------------------------


def test_the_upload_pages_import_and_offer_templates(app, world, planning, auth, client) -> None:
    db.session.commit()
    auth.login("city")
    template = client.get("/campaigns/inspectors/template.xlsx")
    assert template.status_code == 200 and template.mimetype == XLSX
    response = client.post("/campaigns/inspectors", data={"file": (io.BytesIO(template.data), "检查员.xlsx")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "新增检查员2名" in response.get_data(as_text=True)
    teams = workbook(TEAM_HEADER, [["第一组", "组长", "lw0", ""]])
    response = client.post(f"/campaigns/{planning.id}/teams/import",
                           data={"file": (io.BytesIO(teams), "teams.xlsx")}, content_type="multipart/form-data",
                           follow_redirects=True)
    assert "新增检查组1个" in response.get_data(as_text=True)
    assert client.get(f"/campaigns/{planning.id}/teams/template.xlsx").mimetype == XLSX
    bad = workbook(CONFLICT_HEADER, [["nobody", "2161030001", "亲属"]])
    response = client.post("/campaigns/conflicts/import", data={"upload-file": (io.BytesIO(bad), "c.xlsx")},
                           content_type="multipart/form-data", headers={"Referer": "http://localhost/campaigns/conflicts"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "第2行" in html and "nobody" in html
