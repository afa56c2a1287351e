"""The 整改台账: the columns of the design note, the rows of the list on screen, read back as a user would."""

from __future__ import annotations

import csv
import io
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from inspect_app.db import frozen_time
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.rectification import services
from inspect_app.rectification.ledger import COLUMNS

from .test_services import _ready

EXPECTED_COLUMNS = ["序号", "检查批次", "被检单位", "问题类别（对应清单编号）", "问题描述", "整改措施", "责任单位",
                    "责任人", "整改时限", "整改进展", "完成情况/状态", "佐证材料", "复核人/复核意见", "销号日期",
                    "问题编号"]


def _sheet(data: bytes):
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["整改台账"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return workbook, rows[0], rows[1:]


def _csv(data: bytes):
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark to read UTF-8"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return rows[0], rows[1:]


@pytest.fixture
def ledger_world(world, make_rects):
    """Three problems at 华州第一小学 in every kind of state, one at 临渭第二小学."""
    closed, overdue, extended = make_rects(world.school, world.supervisor, items=("S1_1", "S1_2", "S2_1"),
                                           due_in=5, code="LEDGER")
    _ready(closed, world)
    services.submit(closed, actor=world.school_contact)
    services.close(closed, note="资料齐全，同意销号。", actor=world.supervisor)
    services.save_measures(overdue, measures="=HYPERLINK(\"http://evil\")", actor=world.school_contact)
    request = services.request_extension(extended, reason="需财政审批。", actor=world.school_contact,
                                         proposed_due_on=extended.due_on + timedelta(days=20))
    services.approve_extension(request, due_on=extended.due_on + timedelta(days=20), note=None,
                               actor=world.supervisor)
    services.set_responsible(extended, unit="学校财务室", person="王会计", actor=world.supervisor)
    (elsewhere,) = make_rects(world.other_school, world.supervisor, code="LEDGER2")
    db.session.commit()
    return closed, overdue, extended, elsewhere


def test_the_columns_are_exactly_those_of_the_design_note() -> None:
    assert list(COLUMNS) == EXPECTED_COLUMNS


def test_the_xlsx_reads_back_row_by_row(world, ledger_world, client, auth) -> None:
    closed, overdue, extended, _elsewhere = ledger_world
    auth.login(world.supervisor)
    after_deadline = datetime.combine(local_today() + timedelta(days=6), datetime.min.time(), tzinfo=UTC)
    with frozen_time(after_deadline):
        response = client.get(f"/rectification/ledger.xlsx?county={world.away.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    workbook, header, rows = _sheet(response.data)
    assert header == EXPECTED_COLUMNS
    assert len(rows) == 3, "only 华州区, as filtered on screen"
    by_ref = {r[4]: dict(zip(EXPECTED_COLUMNS, r, strict=True)) for r in rows}
    assert [r[0] for r in rows] == [1, 2, 3]

    row = by_ref[closed.finding.description]
    assert row["检查批次"] == "测试交叉检查" and row["被检单位"] == "华州第一小学"
    assert row["问题类别（对应清单编号）"] == "机构与制度（S1_1）"
    assert row["整改措施"] == "已成立领导小组。" and row["完成情况/状态"] == "已销号"
    assert row["佐证材料"] == "1件：文件.jpg"
    assert row["复核人/复核意见"].endswith("：资料齐全，同意销号。")
    assert row["销号日期"].date() == local_today() and row["整改时限"].date() == closed.due_on

    row = by_ref[overdue.finding.description]
    assert row["完成情况/状态"] == "逾期", "past its deadline on the day of export"
    assert "正在整改" in row["整改进展"] and "已逾期1天" in row["整改进展"]
    assert row["整改措施"] == "'=HYPERLINK(\"http://evil\")", "a formula is neutralised"
    assert row["销号日期"] is None and row["复核人/复核意见"] is None

    row = by_ref[extended.finding.description]
    assert row["完成情况/状态"] == "未整改"
    assert (row["责任单位"], row["责任人"]) == ("学校财务室", "王会计")
    first = (extended.due_on - timedelta(days=20)).isoformat()
    assert f"经批准延期至{extended.due_on.isoformat()}（原时限{first}）" in row["整改进展"]

    notes = {r[0]: r[1] for r in workbook["说明"].iter_rows(min_row=2, values_only=True)}
    assert notes["区县"] == "华州区" and notes["问题条数"] == 3


def test_csv_has_the_same_rows_in_utf8_with_a_bom(world, ledger_world, client, auth) -> None:
    auth.login(world.supervisor)
    xlsx = _sheet(client.get("/rectification/ledger.xlsx").data)
    response = client.get("/rectification/ledger.csv")
    assert response.mimetype == "text/csv"
    header, rows = _csv(response.data)
    assert header == EXPECTED_COLUMNS and len(rows) == len(xlsx[2]) == 4
    for sheet_row, csv_row in zip(xlsx[2], rows, strict=True):
        expected = ["" if v is None else v.date().isoformat() if isinstance(v, datetime) else str(v)
                    for v in sheet_row]
        assert csv_row == expected
    assert any(cell.startswith("'=") for row in rows for cell in row)


def test_the_export_follows_the_filters_and_the_scope(world, ledger_world, client, auth) -> None:
    closed, overdue, extended, elsewhere = ledger_world
    auth.login(world.supervisor)
    _header, rows = _csv(client.get("/rectification/ledger.csv?status=closed").data)
    assert [r[4] for r in rows] == [closed.finding.description]
    _header, rows = _csv(client.get("/rectification/ledger.csv?section=S2").data)
    assert [r[4] for r in rows] == [extended.finding.description]
    auth.logout()
    auth.login(world.other_county_supervisor)
    _header, rows = _csv(client.get("/rectification/ledger.csv").data)
    assert [r[2] for r in rows] == ["临渭第二小学"]
    assert client.get("/rectification/ledger.xlsx").status_code == 200


def test_text_that_looks_like_a_formula_is_neutralised_in_every_column(world, make_rects, client, auth) -> None:
    (rect,) = make_rects(world.school, world.supervisor)
    finding_services.edit_finding(rect.finding, description="+1+1", severity=rect.finding.severity,
                                  actor=world.supervisor)
    services.set_responsible(rect, unit="@SUM(A1)", person="-2", actor=world.supervisor)
    db.session.commit()
    auth.login(world.supervisor)
    _wb, _header, rows = _sheet(client.get("/rectification/ledger.xlsx").data)
    (row,) = rows
    assert (row[4], row[6], row[7]) == ("'+1+1", "'@SUM(A1)", "'-2")
    _header, rows = _csv(client.get("/rectification/ledger.csv").data)
    assert (rows[0][4], rows[0][6], rows[0][7]) == ("'+1+1", "'@SUM(A1)", "'-2")


def test_the_command_builds_a_campaigns_whole_ledger(world, ledger_world, runner, tmp_path) -> None:
    out = tmp_path / "台账" / "ledger.xlsx"
    result = runner.invoke(args=["reports", "build", "ledger", "--campaign", "LEDGER", "--out", str(out)])
    assert result.exit_code == 0, result.output
    _wb, header, rows = _sheet(out.read_bytes())
    assert header == EXPECTED_COLUMNS and len(rows) == 3
    assert {r[2] for r in rows} == {"华州第一小学"}
    result = runner.invoke(args=["reports", "build", "ledger", "--campaign", "NOPE", "--out", str(out)])
    assert result.exit_code != 0


def test_dates_are_real_dates_in_the_workbook(world, ledger_world, client, auth) -> None:
    auth.login(world.supervisor)
    workbook = load_workbook(io.BytesIO(client.get("/rectification/ledger.xlsx").data))
    sheet = workbook["整改台账"]
    deadline = sheet.cell(row=2, column=EXPECTED_COLUMNS.index("整改时限") + 1)
    assert isinstance(deadline.value, (date, datetime)) and deadline.number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref


def test_each_row_carries_the_problem_number_and_no_empty_fragment(world, make_rects, client, auth) -> None:
    partial, returned = make_rects(world.school, world.supervisor, items=("S1_1", "S2_1"), due_in=1, code="JC2026Q")
    for rect in (partial, returned):
        _ready(rect, world)
        services.submit(rect, actor=world.school_contact)
    services.mark_partial(partial, note="材料不全。", actor=world.supervisor)
    services.return_to_school(returned, reason="。", actor=world.supervisor)
    db.session.commit()
    auth.login(world.supervisor)
    later = datetime.combine(local_today() + timedelta(days=3), datetime.min.time(), tzinfo=UTC)
    with frozen_time(later):
        _wb, _header, rows = _sheet(client.get("/rectification/ledger.xlsx").data)
    cells = {row[-1]: dict(zip(EXPECTED_COLUMNS, row, strict=True)) for row in rows}
    assert set(cells) == {partial.finding.reference, returned.finding.reference}
    assert partial.finding.reference == f"JC2026Q-{partial.finding.id:04d}"
    assert cells[partial.finding.reference]["整改进展"] == "复核为部分整改：材料不全；已逾期2天"
    assert cells[returned.finding.reference]["整改进展"] == "退回重新整改；已逾期2天"
    _header, csv_rows = _csv(client.get("/rectification/ledger.csv").data)
    assert {row[-1] for row in csv_rows} == set(cells)
    assert not any("。；" in cell or "；；" in cell for row in csv_rows for cell in row)
