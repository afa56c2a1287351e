"""The raw data export over the API with a personal token (each answer checked against the OpenAPI document)."""

from __future__ import annotations

import csv
import io
import typing as t

import openpyxl
from flask import Flask

from inspect_app.extensions import db
from inspect_app.visits import services as visit_services
from tests.fixtures import World
from tests.fixtures import answer_all


def _token(runner: t.Any, username: str) -> dict[str, str]:
    printed = runner.invoke(args=["users", "token", username])
    assert printed.exit_code == 0, printed.output
    return {"Authorization": f"Bearer {printed.output.strip()}"}


def test_staff_export_a_campaign_with_a_token(world: World, app: Flask, runner: t.Any) -> None:
    answer_all(app, world.visit, world.inspector, failing={"S1_1": "资助政策未公示"})
    visit_services.submit_visit(world.visit, actor=world.inspector)
    db.session.commit()
    client = app.test_client()
    headers = _token(runner, world.county_supervisor.username)
    response = client.get("/api/v1/campaigns/W1/export.csv", headers=headers)
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    (row,) = csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")))
    assert row["检查编号 [_uuid]"] == world.visit.uuid and row["成立领导小组 [S1_1]"] == "否"
    assert row["状态 [status]"] == "已提交" and row["检查日期 [day]"]
    workbook = client.get("/api/v1/campaigns/W1/export.xlsx", headers=headers)
    assert workbook.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(workbook.data), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert len(rows) == 2 and rows[1][0] == world.visit.uuid

    assert client.get("/api/v1/campaigns/NOPE/export.csv", headers=headers).status_code == 404
    assert client.get("/api/v1/campaigns/W1/export.csv?list=nothing", headers=headers).status_code == 404
    # 临渭区's supervisor does not see the campaign, whose one school lies in 华州区.
    other = _token(runner, world.other_county_supervisor.username)
    assert client.get("/api/v1/campaigns/W1/export.xlsx", headers=other).status_code == 404
    inspector = _token(runner, world.inspector.username)
    assert client.get("/api/v1/campaigns/W1/export.csv", headers=inspector).status_code == 403
    assert client.get("/api/v1/campaigns/W1/export.csv").status_code == 401
