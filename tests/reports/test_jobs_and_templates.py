"""Background report jobs (claim, progress, restart, failure) and the template checks staff rely on."""

from __future__ import annotations

import shutil
import typing as t
from datetime import timedelta
from pathlib import Path

import docx
import pytest
from docx.shared import Mm
from flask import Flask

from inspect_app.db import utcnow
from inspect_app.extensions import db
from inspect_app.reports import jobs
from inspect_app.reports import services
from inspect_app.reports.models import JobStatus
from inspect_app.reports.models import ReportJob

TEMPLATES = Path(__file__).resolve().parents[2] / "report_templates"


def _job(world: t.Any, kind: str = "investigation", **extra: t.Any) -> ReportJob:
    job = services.request_report(services.ReportRequest(kind, (world.campaign,), **extra), actor=world.supervisor)
    db.session.commit()
    return job


def test_a_job_is_claimed_once_built_to_a_file_and_reports_its_progress(app: Flask, world: t.Any) -> None:
    job = _job(world)
    assert job.status == JobStatus.QUEUED and job.percent == 0
    claimed = jobs.claim(job.id)
    assert claimed is not None and claimed.id == job.id and claimed.attempts == 1
    assert jobs.claim(job.id) is None  # a second worker given the same task finds nothing to do
    jobs.run_job(claimed)
    db.session.refresh(job)
    assert job.status == JobStatus.DONE and job.percent == 100 and job.done == job.total == 1
    path = jobs.output_path(job)
    assert path is not None and path.read_bytes().startswith(b"PK")
    assert not list(path.parent.glob("*.part"))
    assert jobs.claim(job.id) is None  # a task delivered twice does not build the report again


def test_a_job_left_running_by_a_dead_worker_is_queued_again_then_given_up(app: Flask, world: t.Any) -> None:
    stuck = _job(world)
    stuck.status, stuck.attempts, stuck.heartbeat_at = JobStatus.RUNNING, jobs.MAX_ATTEMPTS, None
    job = _job(world)
    db.session.commit()
    stuck_id, job_id = stuck.id, job.id
    assert jobs.claim(job_id) is not None
    job = db.session.get(ReportJob, job_id)
    job.heartbeat_at = utcnow()
    db.session.commit()
    # A worker alive and writing is left alone.
    assert jobs.claim(job_id) is None
    job.heartbeat_at = utcnow() - timedelta(seconds=app.config["REPORT_JOB_STALE_SECONDS"] + 1)
    db.session.commit()
    jobs.recover_reports()
    db.session.expire_all()
    job, stuck = db.session.get(ReportJob, job_id), db.session.get(ReportJob, stuck_id)
    assert job.status == JobStatus.DONE and job.attempts == 2
    assert stuck.status == JobStatus.FAILED and stuck.error


def test_the_worker_command_builds_what_is_queued(app: Flask, world: t.Any) -> None:
    job_id = _job(world).id
    result = app.test_cli_runner().invoke(args=["reports", "worker", "--once"])
    assert result.exit_code == 0 and "1 report(s) built" in result.output
    assert db.session.get(ReportJob, job_id).status == JobStatus.DONE


def test_a_failing_job_is_recorded_and_the_worker_goes_on(app: Flask, world: t.Any) -> None:
    school_name = world.other_school.name
    bad_id = _job(world, "notice", school=world.other_school).id
    good_id = _job(world).id
    assert jobs.build_queued() == 2
    bad, good = db.session.get(ReportJob, bad_id), db.session.get(ReportJob, good_id)
    assert bad.status == JobStatus.FAILED and school_name in (bad.error or "")
    assert good.status == JobStatus.DONE


def test_the_job_page_polls_a_status_that_ends_with_the_download(app: Flask, world: t.Any, auth: t.Any,
                                                                 client: t.Any) -> None:
    auth.login(world.supervisor)
    response = client.post(f"/reports/campaigns/{world.campaign.id}/investigation")
    assert response.status_code == 302
    page = client.get(response.location)
    assert 'data-status-url="' in page.get_data(as_text=True)
    job_id = int(response.location.rsplit("/", 1)[1])
    status = client.get(f"/reports/jobs/{job_id}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["download"]
    download = client.get(status["download"])
    assert download.status_code == 200 and download.data.startswith(b"PK")
    download.close()


def test_the_committed_templates_pass_check_templates(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["reports", "check-templates"])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok") == 5


def _broken_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    document = docx.Document(str(folder / "notice.docx"))
    document.sections[0].left_margin = Mm(20)
    body = next(p for p in document.paragraphs if "{{ campaign_name }}" in p.text)
    body.runs[0].text = body.runs[0].text.replace("{{ campaign_name }}", "{{ campain_name }}") + "{{ “x” }}"
    document.add_paragraph("{{ school_name }")
    document.save(str(folder / "notice.docx"))
    return folder


def test_check_templates_names_what_is_wrong(app: Flask, tmp_path: Path) -> None:
    folder = _broken_copy(tmp_path)
    result = app.test_cli_runner().invoke(args=["reports", "check-templates", "--dir", str(folder)])
    assert result.exit_code != 0
    out = result.output
    assert "investigation: ok" in out and "notice: " in out and "notice: ok" not in out
    assert "left margin" in out
    assert "campain_name" in out
    assert "curly quotes" in out
    assert "broken tag" in out


def test_restore_template_writes_the_known_good_copy_and_keeps_the_old_one(app: Flask, tmp_path: Path) -> None:
    folder = _broken_copy(tmp_path)
    app.config["REPORT_TEMPLATE_DIR"] = str(folder)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "restore-template", "notice"])
    assert result.exit_code == 0, result.output
    assert (folder / "notice.bak.docx").exists()
    assert runner.invoke(args=["reports", "check-templates"]).exit_code == 0
    plain = runner.invoke(args=["reports", "restore-template", "notice", "--no-red-header",
                                "--out", str(tmp_path / "plain.docx")])
    assert plain.exit_code == 0
    assert "FF0000" not in docx.Document(str(tmp_path / "plain.docx")).element.body.xml


@pytest.mark.parametrize("kind", ["investigation", "notice", "school-report", "monthly", "provincial"])
def test_placeholders_of_each_template_are_in_its_schema(kind: str) -> None:
    from inspect_app.reports.checks import SCHEMA
    from inspect_app.reports.checks import check_template
    from inspect_app.reports.template_kinds import FILENAMES

    assert check_template(kind, TEMPLATES / FILENAMES[kind]) == []
    guide = (TEMPLATES.parent / "docs" / "report-templates.md").read_text()
    for name in SCHEMA[kind]:
        assert f"`{name}`" in guide, name
