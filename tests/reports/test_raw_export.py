"""The raw data export: a row per visit, a column per question, a sheet per repeat, photos as links,
formulas neutralised, a county's staff limited to their county, and a SQL count that grows with the
chunks read, not with the visits."""

from __future__ import annotations

import csv
import io
import typing as t
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.campaigns import services as campaign_services
from inspect_app.campaigns.models import Campaign
from inspect_app.checklists import services as checklist_services
from inspect_app.checklists.models import ChecklistVersion
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.reports import raw_export
from inspect_app.schools.models import School
from inspect_app.visits import photos
from inspect_app.visits import services as visit_services
from inspect_app.visits.models import Visit
from tests.fixtures import DATA
from tests.fixtures import PASSWORD
from tests.fixtures import World


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return out.getvalue()


class Scene(t.NamedTuple):
    code: str
    campaign: int
    visit: str        # the uuid of the answered visit, at 华州第一小学 (华州区)
    planned: str      # the uuid of the untouched one, at 临渭第二小学 (临渭区)
    entry: str
    photo: int
    entry_photo: int


@pytest.fixture
def scene(world: World, make_user: t.Callable[..., User]) -> Scene:
    """A campaign of the logic checklist over both schools: one visit answered with a list entry and photos."""
    path = DATA / "logic_checklist.md"
    version: ChecklistVersion = checklist_services.import_checklist(path.read_bytes(), filename=path.name,
                                                                    actor=None, publish=True)[0]
    today = local_today()
    campaign = campaign_services.create_campaign(
        code="RAW1", name="原始数据检查", term="2026年秋季学期", checklist_version=version,
        default_due_on=today + timedelta(days=30), starts_on=today, ends_on=today + timedelta(days=10),
        actor=world.supervisor)
    visit, planned = campaign_services.add_schools(campaign, [world.school, world.other_school],
                                                   actor=world.supervisor)
    campaign_services.assign_inspector([visit], world.inspector, actor=world.supervisor)
    campaign_services.assign_inspector([planned], make_user(Role.INSPECTOR, username="hzinsp", county=world.away),
                                       actor=world.supervisor)
    campaign_services.start_campaign(campaign, actor=world.supervisor)
    items = {i.name: i for i in version.items}
    inspector = world.inspector
    visit_services.check_in(visit, latitude=Decimal("34.5"), longitude=Decimal("109.75"),
                            accuracy_m=Decimal("12.5"), actor=inspector)
    for name, value in [("day", today.isoformat()), ("enrolled", "80"), ("aided", "20"),
                        ("programmes", "grant other"), ("other_prog", "=HYPERLINK(\"http://x\")"),
                        ("consent", "OK"), ("Q1", "no"), ("Q1_note", "未成立领导小组"), ("Q2", "yes")]:
        visit_services.save_answer(visit, items[name], value=value, note=None, actor=inspector)
    photo = photos.add_visit_photo(visit, items["Q1_photo"], jpeg(), filename="q1.jpg", actor=inspector)
    entry = visit_services.add_entry(visit, items["defects"], actor=inspector)
    for name, value in [("d_area", "money"), ("d_note", "-助学金被抵扣学费"), ("d_count", "3")]:
        visit_services.save_answer(visit, items[name], value=value, note=None, entry=entry, actor=inspector)
    entry_photo = photos.add_visit_photo(visit, items["d_photo"], jpeg(), filename="d.jpg", entry=entry,
                                        actor=inspector)
    db.session.commit()
    return Scene(campaign.code, campaign.id, visit.uuid, planned.uuid, entry.uuid, photo.id, entry_photo.id)


def _login(client: FlaskClient, username: str) -> None:
    response = client.post("/auth/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302


def _csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _sheets(data: bytes) -> dict[str, list[dict[str, t.Any]]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    sheets = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        sheets[sheet.title] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    book.close()
    return sheets


def test_the_workbook_has_a_column_per_question_a_sheet_per_list_and_photo_links(
        scene: Scene, client: FlaskClient) -> None:
    _login(client, "city")
    response = client.get(f"/reports/campaigns/{scene.campaign}/raw.xlsx")
    assert response.status_code == 200 and response.mimetype == raw_export.XLSX_MIME
    sheets = _sheets(response.data)
    assert list(sheets) == [raw_export.VISITS_SHEET, "其他问题"]
    rows = {row["检查编号 [_uuid]"]: row for row in sheets[raw_export.VISITS_SHEET]}
    assert set(rows) == {scene.visit, scene.planned}
    row = rows[scene.visit]
    assert row["学校标识码 [school_code]"] == "2161030001" and row["学校名称 [school_name]"] == "华州第一小学"
    assert row["区县 [county]"] == "华州区" and row["检查人员 [inspectors]"] == "insp"
    assert row["状态 [status]"] == "检查中" and row["签到纬度 [checkin_latitude]"] == 34.5
    assert row["签到精度（米） [checkin_accuracy_m]"] == 12.5 and row["签到时间 [checkin_at]"]
    assert row["成立领导小组 [Q1]"] == "否" and row["无截留挪用 [Q2]"] == "是"
    assert row["在校学生数 [enrolled]"] == 80 and row["资助项目 [programmes]"] == "助学金、其他"
    assert row["发现的问题 [Q1_note]"] == "未成立领导小组"
    # Text a spreadsheet would run as a formula arrives as text.
    assert row["其他项目名称 [other_prog]"] == "'=HYPERLINK(\"http://x\")"
    assert row["问题照片 [Q1_photo]"] == f"http://localhost/media/{scene.photo}"
    # Q1 fails: 检查项目 (G2) earns Q2's share; Q2 is a veto item and passes.
    assert row["一票否决 [veto_failed]"] == "否"
    assert row["总分 [score]"] is not None and "检查项目得分 [score_G2]" in row
    assert rows[scene.planned]["总分 [score]"] is None and rows[scene.planned]["状态 [status]"] == "待检查"
    (entry,) = sheets["其他问题"]
    assert entry["检查编号 [_uuid]"] == scene.visit and entry["列表 [_repeat]"] == "defects"
    assert entry["条目序号 [_index]"] == 1 and entry["条目编号 [_entry_uuid]"] == scene.entry
    assert entry["问题方面 [d_area]"] == "资金" and entry["涉及学生数 [d_count]"] == 3
    assert entry["问题描述 [d_note]"] == "'-助学金被抵扣学费"
    assert entry["问题照片 [d_photo]"] == f"http://localhost/media/{scene.entry_photo}"


def test_the_csv_opens_in_excel_and_a_list_comes_on_request(scene: Scene, client: FlaskClient) -> None:
    _login(client, "city")
    response = client.get(f"/reports/campaigns/{scene.campaign}/raw.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    assert "RAW1-raw.csv" in response.headers["Content-Disposition"]
    rows = {row["检查编号 [_uuid]"]: row for row in _csv(response.data)}
    assert rows[scene.visit]["成立领导小组 [Q1]"] == "否" and rows[scene.visit]["在校学生数 [enrolled]"] == "80"
    assert rows[scene.visit]["其他项目名称 [other_prog]"].startswith("'=")
    (entry,) = _csv(client.get(f"/reports/campaigns/{scene.campaign}/raw.csv?list=defects").data)
    assert entry["问题方面 [d_area]"] == "资金" and entry["检查编号 [_uuid]"] == scene.visit
    assert client.get(f"/reports/campaigns/{scene.campaign}/raw.csv?list=nothing").status_code == 404


def test_a_county_supervisor_exports_only_their_countys_schools(scene: Scene, client: FlaskClient) -> None:
    _login(client, "huazhou")
    rows = _csv(client.get(f"/reports/campaigns/{scene.campaign}/raw.csv").data)
    assert [row["检查编号 [_uuid]"] for row in rows] == [scene.visit]
    sheets = _sheets(client.get(f"/reports/campaigns/{scene.campaign}/raw.xlsx").data)
    assert [row["区县 [county]"] for row in sheets[raw_export.VISITS_SHEET]] == ["华州区"]


def test_the_campaign_page_links_the_export(scene: Scene, client: FlaskClient) -> None:
    _login(client, "city")
    page = client.get(f"/campaigns/{scene.campaign}").get_data(as_text=True)
    assert f"/reports/campaigns/{scene.campaign}/raw.xlsx" in page and "导出原始数据" in page


@pytest.mark.config(BASE_URL="https://inspect.example.cn/zizhu")
def test_the_cli_writes_both_formats(scene: Scene, runner: t.Any, tmp_path: Path) -> None:
    out = tmp_path / "raw.xlsx"
    result = runner.invoke(args=["campaigns", "export", scene.code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheets = _sheets(out.read_bytes())
    assert len(sheets[raw_export.VISITS_SHEET]) == 2
    assert sheets["其他问题"][0]["问题照片 [d_photo]"] == f"https://inspect.example.cn/zizhu/media/{scene.entry_photo}"
    out = tmp_path / "raw.csv"
    result = runner.invoke(args=["campaigns", "export", scene.code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(_csv(out.read_bytes())) == 2
    assert _csv((tmp_path / "raw-defects.csv").read_bytes())[0]["条目编号 [_entry_uuid]"] == scene.entry
    result = runner.invoke(args=["campaigns", "export", scene.code, "--out", str(tmp_path / "raw.txt")])
    assert result.exit_code != 0


def test_the_statement_count_grows_with_chunks_not_visits(app: Flask, world: World, make_school: t.Any,
                                                          make_campaign: t.Any) -> None:
    schools = [make_school(world.away) for _ in range(60)]
    ids = {}
    for size in (10, 60):
        campaign = make_campaign(world.supervisor, schools=schools[:size], inspectors=[world.inspector],
                                 start=True, code=f"N{size}")
        visits = db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id)).all()
        item = next(i for i in campaign.checklist_version.items if i.name == "S1_1")
        for visit in visits:
            visit_services.save_answer(visit, item, value="yes", note=None, actor=world.inspector)
        ids[size] = campaign.id
    db.session.commit()

    def statements(campaign_id: int, chunk_size: int = 10) -> tuple[int, int]:
        db.session.expunge_all()
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign is not None
        seen: list[str] = []

        def count(*args: t.Any) -> None:
            seen.append(args[2])

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            export = raw_export.RawExport(campaign, chunk_size=chunk_size, link=str)
            lines = "".join(raw_export.csv_lines(export))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(seen), lines.count("\n") - 1

    few, rows_few = statements(ids[10])
    many, rows_many = statements(ids[60])
    assert (rows_few, rows_many) == (10, 60)
    # Five more chunks of ten visits: the same few statements per chunk, whatever the chunk holds.
    assert (many - few) % 5 == 0 and (many - few) // 5 <= 12, (few, many)
    # One chunk of sixty visits costs what one chunk of ten does.
    assert statements(ids[60], chunk_size=60) == (few, 60)


def test_numbers_and_school_positions_give_the_check_in_distance(scene: Scene, ctx: None) -> None:
    school = db.session.scalar(sa.select(School).where(School.code == "2161030001"))
    assert school is not None
    school.latitude, school.longitude = Decimal("34.5"), Decimal("109.76")
    db.session.flush()
    campaign = db.session.get(Campaign, scene.campaign)
    assert campaign is not None
    export = raw_export.RawExport(campaign, link=str)
    (rows,) = list(export.chunks())
    headers = export.visits.headers
    row = next(r for r in rows[""] if r[0] == scene.visit)
    distance = row[headers.index("签到距学校（米） [checkin_distance_m]")]
    assert 900 < distance < 930  # 0.01° of longitude at 34.5° N
