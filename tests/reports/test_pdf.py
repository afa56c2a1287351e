"""Every document also as PDF, converted by LibreOffice where it is installed, and said so where it is not."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
from flask import Flask

from inspect_app.core.documents import pdf
from inspect_app.extensions import db
from inspect_app.reports import jobs
from inspect_app.reports import services

from .gbt_checks import pdf_pages

needs_soffice = pytest.mark.skipif(not __import__("shutil").which("soffice"), reason="LibreOffice not installed")


def _a4(data: bytes, tmp_path: Path, name: str) -> int:
    assert data.startswith(b"%PDF-")
    path = tmp_path / name
    path.write_bytes(data)
    pages, sizes = pdf_pages(path)
    assert all(abs(w - 595.3) < 1 and abs(h - 841.9) < 1 for w, h in sizes)
    return pages


@needs_soffice
def test_a_school_document_and_a_jobs_report_download_as_pdf(app: Flask, world: t.Any, client: t.Any, auth: t.Any,
                                                             tmp_path: Path) -> None:
    job = services.request_report(services.ReportRequest("investigation", (world.campaign,)), actor=world.supervisor)
    jobs.run_inline(job)
    auth.login(world.supervisor)
    page = client.get(f"/reports/jobs/{job.id}").get_data(as_text=True)
    assert f"/reports/jobs/{job.id}/download.pdf" in page and 'id="pdf-unavailable"' not in page
    response = client.get(f"/reports/jobs/{job.id}/download.pdf")
    data = response.data
    response.close()
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert ".pdf" in response.headers["Content-Disposition"]
    assert _a4(data, tmp_path, "job.pdf") >= 1
    # Kept beside the Word file: the second download does not convert again.
    again = client.get(f"/reports/jobs/{job.id}/download.pdf")
    assert again.data == data
    again.close()

    url = f"/reports/campaigns/{world.campaign.id}/schools/{world.school.id}/notice.pdf"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert _a4(response.data, tmp_path, "notice.pdf") >= 1


def test_without_libreoffice_the_pages_say_so_and_the_pdf_is_refused(app: Flask, world: t.Any, client: t.Any,
                                                                     auth: t.Any) -> None:
    app.config["PDF_CONVERTER"] = "no-such-soffice-here"
    assert not pdf.pdf_available()
    job = services.request_report(services.ReportRequest("investigation", (world.campaign,)), actor=world.supervisor)
    jobs.run_inline(job)
    auth.login(world.supervisor)
    page = client.get(f"/reports/jobs/{job.id}").get_data(as_text=True)
    assert 'id="pdf-unavailable"' in page and "download.pdf" not in page
    for url in (f"/reports/jobs/{job.id}/download.pdf",
                f"/reports/campaigns/{world.campaign.id}/schools/{world.school.id}/notice.pdf"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert "LibreOffice" in response.get_data(as_text=True)
    assert client.get(f"/reports/campaigns/{world.campaign.id}/schools/{world.school.id}/notice.docx").status_code \
        == 200


@needs_soffice
def test_the_cli_writes_pdf_when_the_name_ends_in_pdf(app: Flask, world: t.Any, tmp_path: Path) -> None:
    db.session.commit()
    out = tmp_path / "通知书.pdf"
    result = app.test_cli_runner().invoke(args=["reports", "build", "notice", "--campaign", "W1",
                                                "--school", world.school.code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _a4(out.read_bytes(), tmp_path, "cli.pdf") >= 1
    app.config["PDF_CONVERTER"] = "no-such-soffice-here"
    refused = app.test_cli_runner().invoke(args=["reports", "build", "notice", "--campaign", "W1",
                                                 "--school", world.school.code, "--out", str(tmp_path / "x.pdf")])
    assert refused.exit_code != 0 and "LibreOffice" in refused.output
