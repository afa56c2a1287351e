"""Every document kind built from the database: GB/T 9704 read back, content from the data, A4 PDFs."""

from __future__ import annotations

import io
import typing as t
from pathlib import Path

import openpyxl
import pytest
from flask import Flask

from inspect_app.audit import services as audit_services
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.findings.models import Finding
from inspect_app.reports import services
from inspect_app.schools.models import School
from tests.test_permissions import build_scene

from .gbt_checks import body_lines
from .gbt_checks import check_document
from .gbt_checks import pdf_pages
from .gbt_checks import to_pdf

KINDS = {"investigation": {}, "notice": {"red_header": True, "banji": True}, "school-report": {},
         "monthly": {}}


@pytest.fixture
def built(app: Flask, world: t.Any, make_user: t.Callable[..., t.Any],
          make_campaign: t.Callable[..., t.Any]) -> dict[str, bytes]:
    scene = build_scene(app, world, make_user, make_campaign)
    campaign, school = world.campaign, db.session.get(School, scene.school)
    return {
        "investigation": services.build("investigation", campaign).data,
        "notice": services.build("notice", campaign, school=school).data,
        "school-report": services.build("school-report", campaign, school=school).data,
        "monthly": services.build("monthly", campaign).data,
    }


def test_every_kind_follows_gbt9704_and_says_what_the_data_say(built: dict[str, bytes], world: t.Any) -> None:
    texts = {kind: check_document(blob, **KINDS[kind]) for kind, blob in built.items()}
    school = world.school.name
    assert "对1个县（市、区）的1所学校（幼儿园）进行了督导检查" in texts["investigation"]
    assert "本次检查共发现并确认问题1个" in texts["investigation"]
    assert "附件4" in texts["investigation"] and "检查发现问题照片" in texts["investigation"]
    assert f"关于{school}学生资助工作" in texts["notice"]
    assert "本次检查共发现问题1个" in texts["notice"]
    assert "领导小组" in texts["notice"] or "1." in texts["notice"]
    assert "抄送：华州区教育局。" in texts["notice"]
    assert "1.整改措施。已成立领导小组。" in texts["school-report"]
    assert "已在资助督查系统上传佐证材料1份" in texts["school-report"]
    assert school in texts["school-report"].splitlines()
    assert "累计确认问题1个" in texts["monthly"]
    # The 月报 anchors the audit log: its head hash, which `inspect-app audit verify` prints too.
    head = audit_services.head()
    assert f"系统操作日志共{head.count}条，末条记录校验值（SHA-256）为{head.hash}" in texts["monthly"].replace("\n", "")


def test_photos_go_into_the_package_as_bounded_jpegs(built: dict[str, bytes]) -> None:
    import zipfile

    from PIL import Image

    for kind in ("investigation", "notice", "school-report"):
        package = zipfile.ZipFile(io.BytesIO(built[kind]))
        photos = [n for n in package.namelist() if n.startswith("word/media/report-photo-")]
        assert len(photos) == 1, kind
        with Image.open(io.BytesIO(package.read(photos[0]))) as image:
            assert image.format == "JPEG" and max(image.size) <= 480


def test_the_inspection_photo_appears_as_the_copy_stamped_with_school_time_and_place(
        built: dict[str, bytes]) -> None:
    import zipfile

    from PIL import Image

    for kind in ("investigation", "notice"):
        package = zipfile.ZipFile(io.BytesIO(built[kind]))
        [name] = [n for n in package.namelist() if n.startswith("word/media/report-photo-")]
        with Image.open(io.BytesIO(package.read(name))) as image:
            rgb = image.convert("RGB")
            width, height = rgb.size
            # The 40×30 red photo sits above the dark band the stamp writes its lines on.
            assert height > width
            top, bottom = rgb.getpixel((width // 2, 2)), rgb.getpixel((1, height - 2))
            assert top[0] > 200 and top[1] < 60 and top[2] < 60, kind
            assert max(bottom) < 60, kind


def test_text_changes_when_the_data_change(app: Flask, world: t.Any, make_user: t.Callable[..., t.Any],
                                           make_campaign: t.Callable[..., t.Any]) -> None:
    scene = build_scene(app, world, make_user, make_campaign)
    school = db.session.get(School, scene.school)
    before = check_document(services.build("school-report", world.campaign, school=school).data)
    assert "1个问题中，已整改销号0个" in before
    raised = db.session.get(Finding, scene.raised_finding)
    finding_services.confirm_finding(raised, actor=world.supervisor)
    db.session.commit()
    after = check_document(services.build("school-report", world.campaign, school=school).data)
    assert "反馈问题2个" in after and "2个问题中，已整改销号0个" in after
    notice = check_document(services.build("notice", world.campaign, school=school).data,
                            red_header=True, banji=True)
    assert "本次检查共发现问题2个" in notice


def test_every_kind_converts_to_a4_pdf_with_the_expected_pages(built: dict[str, bytes], tmp_path: Path) -> None:
    files = []
    for kind, blob in built.items():
        path = tmp_path / f"{kind}.docx"
        path.write_bytes(blob)
        files.append(path)
    pdfs = to_pdf(files, tmp_path)
    pages, lines = {}, {}
    for path, pdf in pdfs.items():
        count, sizes = pdf_pages(pdf)
        assert all(abs(w - 595.3) < 1 and abs(h - 841.9) < 1 for w, h in sizes), path.name
        pages[path.stem] = count
        lines[path.stem] = body_lines(pdf)
    assert pages == EXPECTED_PAGES
    # No page holds more than the 22 lines of the grid (one either way for rounding); full pages hold 22.
    assert all(max(counts) <= 23 for counts in lines.values()), lines
    assert 21 <= max(lines["investigation"]), lines


# Pages with the 公文 fonts mapped onto Noto CJK: the text (with its 两率一度 under 数据情况), then each
# attachment on its own page(s).
EXPECTED_PAGES = {"investigation": 8, "notice": 4, "school-report": 3, "monthly": 4}


def test_a_school_outside_the_campaign_is_refused(app: Flask, world: t.Any) -> None:
    from inspect_app.errors import ServiceError

    with pytest.raises(ServiceError, match="不在检查批次|not part of"):
        services.build("notice", world.campaign, school=world.other_school)


def test_the_cli_builds_every_kind(app: Flask, world: t.Any, make_user: t.Callable[..., t.Any],
                                   make_campaign: t.Callable[..., t.Any], tmp_path: Path) -> None:
    build_scene(app, world, make_user, make_campaign)
    runner = app.test_cli_runner()
    for args in (["investigation"], ["notice", "--school", world.school.code],
                 ["school-report", "--school", world.school.name], ["monthly", "--month", "2026-11"]):
        out = tmp_path / f"{args[0]}.docx"
        result = runner.invoke(args=["reports", "build", args[0], "--campaign", "W1", *args[1:], "--out", str(out)])
        assert result.exit_code == 0, result.output
        check_document(out.read_bytes(), **KINDS[args[0]])
    missing = runner.invoke(args=["reports", "build", "notice", "--campaign", "W1", "--out", str(tmp_path / "x")])
    assert missing.exit_code != 0 and "--school" in missing.output
    ledger = runner.invoke(args=["reports", "build", "ledger", "--campaign", "W1",
                                 "--out", str(tmp_path / "ledger.xlsx")])
    assert ledger.exit_code == 0, ledger.output
    header = next(openpyxl.load_workbook(tmp_path / "ledger.xlsx").worksheets[0].iter_rows(values_only=True))
    assert header[:3] == ("序号", "检查批次", "被检单位")

