"""Reconciliation runs end to end: upload, mapping, results, export, findings with evidence, the command."""

from __future__ import annotations

import io
import typing as t
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask

from inspect_app.audit.models import AuditEntry
from inspect_app.extensions import db
from inspect_app.findings.models import Finding
from inspect_app.funds import services as funds
from inspect_app.funds.programmes import Semester
from inspect_app.media.models import Attachment
from inspect_app.rosters import services
from inspect_app.rosters.fields import InputKind
from inspect_app.rosters.models import Discrepancy
from inspect_app.rosters.models import HeaderMapping
from inspect_app.rosters.models import ReconciliationRun
from inspect_app.rosters.models import RunStatus
from tests.fixtures import Auth
from tests.fixtures import World

from .helpers import JUNIOR
from .helpers import PUPIL
from .helpers import csv_bytes

pytestmark = [pytest.mark.config(ROSTER_JOBS_INLINE=True), pytest.mark.usefixtures("shipped_standards")]

HEADERS = ["姓名", "身份证号", "学校标识码", "学校名称", "资助项目", "发放金额"]
GOOD = [["王一", PUPIL, "2161030001", "华州第一小学", "小学寄宿生生活补助", "500"],
        ["王一", PUPIL, "2161030001", "华州第一小学", "小学寄宿生生活补助", "500"],
        ["李二", JUNIOR, "2161030001", "华州第一小学", "初中寄宿生生活补助", "500"]]


def upload(client: t.Any, files: dict[str, tuple[bytes, str]], **form: str) -> t.Any:
    data: dict[str, t.Any] = {"semester": "2023春", "county_id": "0", "campaign_id": "0", "special_group": "", **form}
    for field, (content, name) in files.items():
        data[field] = (io.BytesIO(content), name)
    return client.post("/rosters/new", data=data, content_type="multipart/form-data")


def only_run() -> ReconciliationRun:
    return db.session.scalars(sa.select(ReconciliationRun).order_by(ReconciliationRun.id.desc())).first()


def test_an_upload_is_checked_and_summarised(app: Flask, world: World, auth: Auth, client: t.Any) -> None:
    auth.login(world.supervisor)
    funds.install_shipped_standards(actor=None)
    db.session.commit()
    response = upload(client, {"roster": (csv_bytes(HEADERS, GOOD), "花名册.csv")})
    assert response.status_code == 302
    run = only_run()
    assert run.status == RunStatus.DONE and run.rules_version.startswith("2026.1/")
    assert run.summary["counts"] == {"DUP_SCHOOL": 1, "AMOUNT_STANDARD": 1}
    assert run.standards and run.inputs[0].rows == 3
    stored = Path(app.config["UPLOAD_DIR"]) / run.inputs[0].path
    assert stored.read_bytes() == csv_bytes(HEADERS, GOOD)
    page = client.get(f"/rosters/runs/{run.id}").get_data(as_text=True)
    assert "DUP_SCHOOL" in page and "华州第一小学" in page
    rows = client.get(f"/rosters/runs/{run.id}/discrepancies?code=AMOUNT_STANDARD").get_data(as_text=True)
    assert "李二" in rows and "王一" not in rows
    status = client.get(f"/rosters/runs/{run.id}/status").json
    assert status["status"] == "done" and status["pending"] is False


def test_the_upload_answers_json_for_the_progress_page(app: Flask, world: World, auth: Auth, client: t.Any) -> None:
    auth.login(world.supervisor)
    response = client.post("/rosters/new", headers={"Accept": "application/json"}, content_type="multipart/form-data",
                           data={"semester": "2023春", "county_id": "0", "campaign_id": "0", "special_group": "",
                                 "roster": (io.BytesIO(csv_bytes(HEADERS, GOOD)), "r.csv")})
    assert response.status_code == 200 and response.json["url"].startswith("/rosters/runs/")
    refused = client.post("/rosters/new", headers={"Accept": "application/json"}, data={"semester": "2023春"})
    assert refused.status_code == 400 and refused.json["details"]


def test_the_export_has_one_row_per_discrepancy_with_code_rows_and_rule(app: Flask, world: World, auth: Auth,
                                                                         client: t.Any) -> None:
    auth.login(world.supervisor)
    upload(client, {"roster": (csv_bytes(HEADERS, GOOD), "花名册.csv")})
    run = only_run()
    response = client.get(f"/rosters/runs/{run.id}/discrepancies.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "检查代码" and rows[0][-1] == "规则"
    by_code = {r[0]: r for r in rows[1:]}
    assert set(by_code) == {"DUP_SCHOOL", "AMOUNT_STANDARD"}
    assert by_code["DUP_SCHOOL"][9] == "2,3" and "同一人同一学期" in by_code["DUP_SCHOOL"][-1]


def test_a_malformed_file_is_refused_and_nothing_is_written(app: Flask, world: World, auth: Auth,
                                                            client: t.Any) -> None:
    auth.login(world.supervisor)
    wrong = ["赵三", JUNIOR, "2161030001", "华州第一小学", "初中寄宿生生活补助", "abc"]
    bad = csv_bytes(HEADERS, [*GOOD, wrong], "gbk")
    upload(client, {"roster": (bad, "花名册.csv")})
    run = only_run()
    assert run.status == RunStatus.FAILED and run.discrepancy_count == 0
    assert "第5行" in run.errors[0]["details"][0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Discrepancy)) == 0
    assert "第5行" in client.get(f"/rosters/runs/{run.id}").get_data(as_text=True)


def test_unfamiliar_headings_are_mapped_once_and_remembered(app: Flask, world: World, auth: Auth,
                                                             client: t.Any) -> None:
    auth.login(world.supervisor)
    odd = csv_bytes(["学生", "证号", "类型", "钱"], [["王一", PUPIL, "小学寄宿生生活补助", "500"]])
    upload(client, {"roster": (odd, "odd.csv")})
    run = only_run()
    assert run.status == RunStatus.NEEDS_MAPPING and run.inputs[0].headers == ["学生", "证号", "类型", "钱"]
    page = client.get(f"/rosters/runs/{run.id}").get_data(as_text=True)
    assert 'name="map-' in page
    item = run.inputs[0].id
    response = client.post(f"/rosters/runs/{run.id}/mapping", data={
        f"map-{item}-0": "name", f"map-{item}-1": "id_number", f"map-{item}-2": "programme", f"map-{item}-3": "amount"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ReconciliationRun, run.id).status == RunStatus.DONE
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HeaderMapping)) == 4
    upload(client, {"roster": (odd, "odd-again.csv")})
    assert only_run().status == RunStatus.DONE


def test_chosen_discrepancies_become_findings_with_the_rows_attached(app: Flask, world: World, auth: Auth,
                                                                     client: t.Any) -> None:
    auth.login(world.supervisor)
    upload(client, {"roster": (csv_bytes(HEADERS, GOOD), "花名册.csv")},
           campaign_id=str(world.campaign.id))
    run = only_run()
    chosen = db.session.scalars(sa.select(Discrepancy.id).where(Discrepancy.run_id == run.id)).all()
    response = client.post(f"/rosters/runs/{run.id}/findings",
                           data={"campaign_id": str(world.campaign.id), "discrepancy": [str(i) for i in chosen]})
    assert response.status_code == 302
    findings = db.session.scalars(sa.select(Finding).where(Finding.visit_id == world.visit.id)).all()
    assert len(findings) == 2 and all(f.item_id is None for f in findings)
    dup = next(f for f in findings if "DUP_SCHOOL" in f.description)
    assert "王一" in dup.description and dup.inspector_note.startswith("同一人")
    (evidence,) = db.session.scalars(sa.select(Attachment).where(Attachment.finding_id == dup.id)).all()
    workbook = openpyxl.load_workbook(io.BytesIO((Path(app.config["UPLOAD_DIR"]) / evidence.path).read_bytes()))
    rows_sheet = workbook.worksheets[1]
    rows = list(rows_sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("行号", "姓名", "身份证号") and [r[0] for r in rows[1:]] == [2, 3]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "finding.raise", AuditEntry.object_id == dup.id)) == 1
    # The finding page offers the evidence; the discrepancy now points to its finding.
    page = client.get(f"/findings/{dup.id}").get_data(as_text=True)
    assert evidence.original_name in page
    served = client.get(f"/media/{evidence.id}")
    assert served.status_code == 200 and served.data.startswith(b"PK")
    served.close()
    again = client.post(f"/rosters/runs/{run.id}/findings",
                        data={"campaign_id": str(world.campaign.id), "discrepancy": [str(i) for i in chosen]})
    assert again.status_code == 400
    assert len(db.session.scalars(sa.select(Finding).where(Finding.visit_id == world.visit.id)).all()) == 2


def test_findings_need_a_visit_of_the_school_in_the_campaign(ctx: None, world: World) -> None:
    run = services.create_run(semester="2023春", actor=world.supervisor, uploads=[services.Upload(
        InputKind.ROSTER, "r.csv", csv_bytes(HEADERS, [[*GOOD[0][:2], "2161020002", "临渭第二小学",
                                                       *GOOD[0][4:]]] * 2))])
    services.execute_run(run)
    chosen = db.session.scalars(sa.select(Discrepancy).where(Discrepancy.run_id == run.id)).all()
    from inspect_app.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        services.make_findings(run, chosen, campaign=world.campaign, actor=world.supervisor)
    assert "临渭第二小学" in err.value.details[0]


def test_a_run_recorded_as_payments_feeds_the_funds_ledger(ctx: None, world: World) -> None:
    run = services.create_run(semester="2023春", actor=world.supervisor,
                              uploads=[services.Upload(InputKind.ROSTER, "r.csv", csv_bytes(HEADERS, GOOD))])
    services.execute_run(run)
    assert services.record_payments(run, actor=world.supervisor) == 2
    figures = funds.term_figures(Semester(2023, False))
    assert figures.total("headcount") == 3 and figures.total("paid") == 1500
    # A later check of the same school is compared with what was recorded.
    again = services.create_run(semester="2023春", actor=world.supervisor,
                                uploads=[services.Upload(InputKind.ROSTER, "r.csv", csv_bytes(HEADERS, GOOD[:2]))])
    services.execute_run(again)
    assert {"REPORTED_COUNT", "REPORTED_TOTAL"} <= set(again.summary["counts"])


def test_the_command_writes_the_discrepancies_and_refuses_bad_files(app: Flask, runner: t.Any,
                                                                    tmp_path: Path) -> None:
    roster = tmp_path / "花名册.csv"
    roster.write_bytes(csv_bytes(HEADERS, GOOD, "gbk"))
    system = tmp_path / "system.csv"
    system.write_bytes(csv_bytes(["学生姓名", "身份证件号", "项目名称", "资助金额"],
                                 [["王一", PUPIL, "小学寄宿生生活补助", "500"]]))
    out = tmp_path / "out" / "差异.xlsx"
    result = runner.invoke(args=["rosters", "check", "--roster", str(roster), "--system", str(system),
                                 "--semester", "2023春", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "SYS_MISSING" in result.output and "DUP_SCHOOL" in result.output
    rows = list(openpyxl.load_workbook(io.BytesIO(out.read_bytes())).worksheets[0].iter_rows(values_only=True))
    codes = [r[0] for r in rows[1:]]
    assert {"DUP_SCHOOL", "AMOUNT_STANDARD", "SYS_MISSING", "SYS_AMOUNT"} <= set(codes)
    assert all(r[-1] for r in rows[1:])
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(HEADERS, [["王一", PUPIL, "", "", "小学寄宿生生活补助", "x"]]))
    out2 = tmp_path / "never.xlsx"
    failed = runner.invoke(args=["rosters", "check", "--roster", str(bad), "--semester", "2023春",
                                 "--out", str(out2)])
    assert failed.exit_code != 0 and "第2行" in failed.output and not out2.exists()
