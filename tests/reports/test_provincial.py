"""The 全省学生资助交叉检查情况通报: the cities' figures from the data, GB/T 9704, the job, the command."""

from __future__ import annotations

import shutil
import subprocess
import typing as t
from pathlib import Path

import pytest
from flask import Flask

from inspect_app.extensions import db
from inspect_app.reports import jobs
from inspect_app.reports import services
from inspect_app.reports.collect import build_provincial_data
from inspect_app.reports.docx_provincial import ranked
from inspect_app.schools.models import Province as ProvinceRow

from ..dashboard.province import Province
from ..dashboard.province import build_province
from .gbt_checks import check_document
from .gbt_checks import pdf_pages
from .gbt_checks import to_pdf

TOOLS = Path("/work/shared/tools")
needs_soffice = pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")


@pytest.fixture
def province(app: Flask, world: t.Any, make_user: t.Any, make_campaign: t.Any) -> Province:
    return build_province(app, world, make_user, make_campaign)


@pytest.fixture
def built(province: Province) -> bytes:
    return services.build("provincial", province.campaign).data


def test_the_figures_are_the_cities(province: Province) -> None:
    data = build_provincial_data(province.campaign)
    assert data.org_name == "陕西省学生资助管理中心" and data.area_word == "市"
    rows = {row.name: row for row in data.rows}
    assert (rows["渭南市"].findings, rows["渭南市"].closed, rows["渭南市"].closed_rate) == (2, 1, 50.0)
    assert (rows["宝鸡市"].findings, rows["宝鸡市"].closed, rows["宝鸡市"].closed_rate) == (3, 0, 0.0)
    assert [label for _name, label in data.sections] == ["机构与制度", "档案"]
    assert [(rank, row.name) for rank, row, _v in ranked(data.rows, lambda r: r.closed_rate)] == [
        (1, "渭南市"), (2, "宝鸡市")]


def test_the_circular_says_what_the_data_say_and_follows_gbt9704(built: bytes) -> None:
    text = check_document(built, red_header=True, banji=True)
    flat = text.replace("\n", "")
    assert "关于全省学生资助交叉检查情况的通报" in flat
    assert "各市（区）学生资助管理中心：" in flat
    assert "对2个市的4所学校（幼儿园）进行了交叉检查" in flat
    assert "共发现并确认问题5个，其中严重1个、较重2个、一般2个" in flat
    assert "已整改销号1个，销号率20.0%" in flat
    assert ("1.渭南市。计划检查学校（幼儿园）2所，已检查2所；发现问题2个（严重1个、一般1个），"
            "已整改销号1个，销号率50.0%") in flat
    assert "2.宝鸡市。计划检查学校（幼儿园）2所，已检查2所；发现问题3个" in flat
    assert "（二）档案方面。共发现问题2个，其中宝鸡市2个。典型问题如：宝鸡市渭滨第一小学S2_1不符合要求" in flat
    assert "（一）按整改销号率排名。第1名渭南市（50.0%）；第2名宝鸡市（0.0%）。" in flat
    assert "政策知晓率、资助精准率、群众满意度尚无测评数据，未作排名" in flat
    assert "陕资助〔" in flat and "陕西省学生资助管理中心文件" in flat
    assert "陕西省学生资助管理中心2026年" in flat
    # The table of the attachment: one row per city and the total.
    assert "合计" in flat and "各市检查情况统计表" in flat


def test_the_issuing_office_comes_from_the_regions(province: Province) -> None:
    row = db.session.get_one(ProvinceRow, province.weinan.province_id)
    row.org_name = "某某省学生资助管理中心"
    db.session.commit()
    text = check_document(services.build("provincial", province.campaign).data, red_header=True, banji=True)
    assert "某某省学生资助管理中心于" in text.replace("\n", "")


def test_a_county_campaign_is_refused(world: t.Any, province: Province, make_campaign: t.Any) -> None:
    from inspect_app.errors import ValidationFailed

    campaign = make_campaign(world.county_supervisor, schools=[world.school])
    assert campaign.county_id is not None
    with pytest.raises(ValidationFailed):
        services.build("provincial", campaign)


def test_a_job_builds_it_from_the_campaign_page(world: t.Any, province: Province, client: t.Any, auth: t.Any) -> None:
    auth.login(province.centre)
    page = client.get(f"/campaigns/{province.campaign.id}").text
    assert f"/reports/campaigns/{province.campaign.id}/provincial" in page
    response = client.post(f"/reports/campaigns/{province.campaign.id}/provincial")
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    jobs.build_queued()
    download = client.get(f"/reports/jobs/{job_id}/download")
    assert download.status_code == 200
    check_document(download.data, red_header=True, banji=True)
    download.close()


def test_the_cli_writes_the_file(app: Flask, province: Province, tmp_path: Path) -> None:
    out = tmp_path / "通报.docx"
    result = app.test_cli_runner().invoke(args=["reports", "build", "provincial", "--campaign", "P1",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "宝鸡市" in check_document(out.read_bytes(), red_header=True, banji=True)


@needs_soffice
def test_the_pdf_is_a4_and_the_shared_checkers_pass(built: bytes, tmp_path: Path) -> None:
    path = tmp_path / "provincial.docx"
    path.write_bytes(built)
    pdf = to_pdf([path], tmp_path)[path]
    pages, sizes = pdf_pages(pdf)
    assert pages >= 2 and all(abs(w - 595.3) < 1 and abs(h - 841.9) < 1 for w, h in sizes)
    for tool in ("gbt9704-docx-check", "gbt9704-pdf-check"):
        if (TOOLS / tool).exists():
            done = subprocess.run([str(TOOLS / tool), str(path)], capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr


def test_a_city_campaign_is_told_by_county_in_the_citys_name(province: Province, make_campaign: t.Any) -> None:
    schools = [s for s in province.schools if s.county_id == province.weibin.id]
    campaign = make_campaign(province.baoji_supervisor, schools=schools, code="BJ1")
    assert campaign.city_id == province.baoji.id and campaign.county_id is None
    data = build_provincial_data(campaign)
    assert data.org_name == "宝鸡市学生资助管理中心" and data.area_word == "县（市、区）"
    assert [(row.name, row.visits, row.findings) for row in data.rows] == [("渭滨区", 2, 0)]
    text = check_document(services.build("provincial", campaign).data, red_header=True, banji=True)
    assert "各县（市、区）学生资助管理中心：" in text and "宝鸡市学生资助管理中心" in text
