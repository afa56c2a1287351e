from __future__ import annotations

import json
import typing as t
from datetime import date

from flask import Flask

from inspect_app.extensions import db
from inspect_app.reports.models import ReportJob
from inspect_app.submissions import services
from inspect_app.submissions.models import SubmissionKind

from .conftest import Province
from .conftest import frozen_time
from .conftest import local


def test_list_json(app: Flask, prov: Province, build_job: t.Callable[..., ReportJob]) -> None:
    with frozen_time(local(date(2026, 11, 29))):
        job = build_job(prov.campaign_a, prov.sup_a, month="2026-11")
        services.submit(prov.a, SubmissionKind.MONTHLY, "2026-11", job, actor=prov.sup_a)
    db.session.commit()
    runner = app.test_cli_runner()
    with frozen_time(local(date(2026, 12, 2))):
        result = runner.invoke(args=["submissions", "list", "--period", "2026-11", "--json"])
        assert result.exit_code == 0, result.output
        rows = json.loads(result.output)
        assert [(r["city"], r["kind"], r["period"], r["due_on"], r["state"], r["late"], r["overdue"])
                for r in rows] == [("渭南市", "monthly", "2026-11", "2026-11-30", "submitted", False, False),
                                   ("宝鸡市", "monthly", "2026-11", "2026-11-30", "missing", False, True)]
        assert rows[0]["arrived_at"].startswith("2026-11-29T02:00") and rows[0]["document"] == job.filename
        december = json.loads(runner.invoke(args=["submissions", "list", "--period", "2026-12", "--json"]).output)
        assert [(r["city"], r["kind"], r["campaign"], r["due_on"]) for r in december if r["kind"] != "monthly"] == [
            ("渭南市", "investigation", "A1", "2026-12-15"), ("宝鸡市", "investigation", "B1", "2026-12-15")]
        text = runner.invoke(args=["submissions", "list", "--period", "2026-11"])
        assert text.exit_code == 0 and "missing overdue" in text.output
        bad = runner.invoke(args=["submissions", "list", "--period", "2026-13"])
        assert bad.exit_code == 2 and "2026-13" in bad.output
