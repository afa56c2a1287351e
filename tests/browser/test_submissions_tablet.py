"""报送 on a 1024×768 tablet: the city's page with its send form, the province's table and one report fit,
and every tap target is 44 px."""

from __future__ import annotations

import typing as t
from datetime import date

import pytest

from inspect_app.extensions import db
from inspect_app.submissions import services
from inspect_app.submissions.models import SubmissionKind

from ..submissions.conftest import build_job  # noqa: F401 - fixtures of the submissions tests
from ..submissions.conftest import frozen_time
from ..submissions.conftest import local
from ..submissions.conftest import prov  # noqa: F401
from .conftest import fits_tablet
from .conftest import login
from .conftest import shot
from .test_touch_targets import MEASURE
from .test_touch_targets import MIN

pytestmark = pytest.mark.browser


def test_submission_pages_fit_a_tablet(prov: t.Any, build_job: t.Callable[..., t.Any],  # noqa: F811
                                       live_server: str, tablet: t.Any) -> None:
    with frozen_time(local(date(2026, 12, 2))):
        build_job(prov.campaign_a, prov.sup_a, month="2026-12")
        november = build_job(prov.campaign_b, prov.sup_b, month="2026-11")
        submission = services.submit(prov.b, SubmissionKind.MONTHLY, "2026-11", november, actor=prov.sup_b)
        db.session.commit()
        page = tablet
        small = {}
        for username, path, name in (
            ("sup_a", f"/submissions/cities/{prov.a.id}", "submissions-city"),
            ("prov", "/submissions/province?month=2026-11", "submissions-province"),
            ("prov", f"/submissions/{submission.id}", "submission"),
        ):
            page.context.clear_cookies()
            login(page, live_server, username)
            page.goto(live_server + path)
            page.wait_for_load_state("networkidle")
            fits_tablet(page)
            small[path] = page.evaluate(MEASURE, MIN)
            shot(page, name)
        assert small == {path: [] for path in small}
        page.fill("textarea[name=reason]", "请补充逾期问题清单")
        page.click("button:has-text('退回市')")
        page.wait_for_load_state("networkidle")
        assert "报告已退回宝鸡市" in page.inner_text("body")
