"""The user guide's screenshots, taken on the demo world by walking each role's daily pages.

Each test signs in as a demo account at 1024×768 in Chinese, opens the pages its guide
(``inspect_app/help/guide/*.md``) describes, checks what a user sees there, and saves a screenshot.
Run with ``INSPECT_GUIDE_SCREENSHOTS=1`` the screenshots replace the guide's images; otherwise they
go to a temporary folder, so that an ordinary run leaves the repository as it was::

    INSPECT_GUIDE_SCREENSHOTS=1 INSPECT_REQUIRE_BROWSER=1 pytest tests/browser/test_guide_screenshots.py
"""

from __future__ import annotations

import os
import re
import threading
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from inspect_app.auth.models import User
from inspect_app.campaigns.models import Campaign
from inspect_app.campaigns.models import CampaignStatus
from inspect_app.campaigns.models import Visit
from inspect_app.campaigns.models import VisitStatus
from inspect_app.checklists.models import ChecklistVersion
from inspect_app.checklists.models import VersionStatus
from inspect_app.demo import DEMO_PASSWORD
from inspect_app.demo import load_demo
from inspect_app.extensions import db
from inspect_app.findings.models import Finding
from inspect_app.help.guides import IMAGE_DIR
from inspect_app.rectification.models import ExtensionRequest
from inspect_app.rectification.models import ExtensionStatus
from inspect_app.rectification.models import Rectification
from inspect_app.rectification.models import RectificationStatus
from inspect_app.rosters.models import ReconciliationRun

from ..conftest import PG_URL
from ..conftest import _truncate_postgres
from ..conftest import make_app

pytestmark = pytest.mark.browser

# Larger screenshots are reduced to a palette of 256 colours, which a page of text and flat colours survives.
MAX_BYTES = 150_000


@pytest.fixture(scope="module")
def demo_app(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_app(database_template, tmp_path_factory.mktemp("guide"))
    with app.app_context():
        assert load_demo()
        db.session.commit()
    yield app
    if PG_URL:
        _truncate_postgres(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def server(demo_app: Flask) -> Iterator[str]:
    httpd = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def ids(demo_app: Flask) -> dict[str, int]:
    """The demo's objects the guide shows, found by their state rather than by number."""
    with demo_app.app_context():
        def first(query: sa.Select[t.Any]) -> int:
            found = db.session.scalar(query.limit(1))
            assert found is not None, str(query)
            return int(found)

        school_id = first(sa.select(User.school_id).where(User.username == "school"))
        school_rects = (sa.select(Rectification.id).join(Finding, Finding.id == Rectification.finding_id)
                        .where(Finding.school_id == school_id).order_by(Rectification.id))
        main = first(sa.select(Campaign.id).where(Campaign.code.like("JC%")))
        return {
            "campaign": main,
            "planning": first(sa.select(Campaign.id).where(Campaign.status == CampaignStatus.PLANNING)),
            "submitted_visit": first(sa.select(Visit.id).where(Visit.status == VisitStatus.SUBMITTED)),
            "submitted_rect": first(sa.select(Rectification.id)
                                    .where(Rectification.status == RectificationStatus.SUBMITTED)
                                    .order_by(Rectification.id)),
            "extension_rect": first(sa.select(ExtensionRequest.rectification_id)
                                    .where(ExtensionRequest.status == ExtensionStatus.PENDING)
                                    .order_by(ExtensionRequest.id)),
            "school_rect": first(school_rects.where(Rectification.status.in_(
                (RectificationStatus.IN_PROGRESS, RectificationStatus.NOT_STARTED, RectificationStatus.RETURNED)))),
            "draft_checklist": first(sa.select(ChecklistVersion.id)
                                     .where(ChecklistVersion.status == VersionStatus.DRAFT)),
            "roster_run": first(sa.select(ReconciliationRun.id).order_by(ReconciliationRun.id.desc())),
        }


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    if os.environ.get("INSPECT_GUIDE_SCREENSHOTS"):
        IMAGE_DIR.mkdir(parents=True, exist_ok=True)
        return IMAGE_DIR
    return tmp_path


@pytest.fixture
def screen(browser_instance: t.Any) -> Iterator[t.Callable[..., t.Any]]:
    """A page in Chinese at the tablet's 1024×768 (or another width), touch like the tablets."""
    contexts: list[t.Any] = []

    def open_page(width: int = 1024, height: int = 768) -> t.Any:
        context = browser_instance.new_context(viewport={"width": width, "height": height}, has_touch=True,
                                               locale="zh-CN", timezone_id="Asia/Shanghai",
                                               permissions=["geolocation"],
                                               geolocation={"latitude": 34.5200, "longitude": 109.7650,
                                                            "accuracy": 15})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page: t.Any, base: str, username: str) -> None:
    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state("load")
    assert "/auth/login" not in page.url, f"{username} could not sign in"


def save(page: t.Any, folder: Path, name: str, *, top: t.Any = None) -> Path:
    """Screenshot the viewport (scrolled so that ``top`` heads it), reduced when large."""
    from PIL import Image  # noqa: PLC0415 - Pillow only for the screenshots

    if top is not None:
        top.scroll_into_view_if_needed()
        top.evaluate("element => window.scrollTo(0, element.getBoundingClientRect().top + window.scrollY - 64)")
    page.wait_for_timeout(150)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), animations="disabled", caret="hide")
    if path.stat().st_size > MAX_BYTES:
        with Image.open(path) as image:
            reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                    dither=Image.Dither.NONE)
        reduced.save(path, optimize=True)
    assert path.stat().st_size <= 2 * MAX_BYTES, f"{path.name} is {path.stat().st_size} bytes"
    return path


def heading(page: t.Any, text: str) -> t.Any:
    from playwright.sync_api import expect  # noqa: PLC0415 - with the browser tests' other Playwright imports

    found = page.get_by_role("heading", name=text, exact=False).first
    expect(found).to_be_visible()
    return found


def visible(locator: t.Any) -> t.Any:
    from playwright.sync_api import expect  # noqa: PLC0415

    expect(locator).to_be_visible()
    return locator


def test_inspector_pages(screen: t.Callable[..., t.Any], server: str, shots: Path) -> None:
    page = screen()
    sign_in(page, server, "inspector")
    page.goto(f"{server}/visits/mine")
    heading(page, "我的检查任务")
    visible(page.get_by_role("button", name="准备离线使用"))
    save(page, shots, "inspector-visits")

    page.get_by_role("link", name=re.compile("检查中")).first.click()
    page.wait_for_load_state("load")
    visible(page.get_by_role("button", name="定位签到"))
    visible(page.get_by_role("button", name="立即同步"))
    save(page, shots, "inspector-visit")

    page.get_by_role("button", name="定位签到").click()
    visible(page.get_by_text(re.compile("签到")).first)
    section = heading(page, "A 机构与人员")
    visible(page.get_by_text("检查方式：查阅资料").first)
    save(page, shots, "inspector-checklist", top=section)

    fail = page.locator("#sec-A input[type=radio][value]").nth(1)
    fail.check()
    visible(page.get_by_text("发现的问题").first)
    visible(page.get_by_text("拍照").first)
    save(page, shots, "inspector-problem", top=section)

    signatures = heading(page, "签名")
    visible(page.get_by_role("button", name="提交检查结果"))
    save(page, shots, "inspector-submit", top=signatures)


def test_supervisor_pages(screen: t.Callable[..., t.Any], server: str, shots: Path, ids: dict[str, int]) -> None:
    page = screen()
    sign_in(page, server, "supervisor")
    page.goto(f"{server}/overview")
    heading(page, "工作概览")
    visible(page.get_by_role("heading", name="按区县"))
    save(page, shots, "supervisor-overview")

    page.goto(f"{server}/campaigns/new")
    heading(page, "新建检查批次")
    visible(page.get_by_label("默认整改时限"))
    save(page, shots, "supervisor-campaign-new")

    planning = ids["planning"]
    page.goto(f"{server}/campaigns/{planning}/sample")
    heading(page, "抽取被检学校")
    visible(page.get_by_role("button", name="预览抽样结果"))
    save(page, shots, "supervisor-sample")

    page.goto(f"{server}/campaigns/{planning}/teams")
    visible(page.get_by_role("button", name="自动分配并排期"))
    save(page, shots, "supervisor-teams")

    page.goto(f"{server}/campaigns/{planning}/schedule")
    visible(page.get_by_role("link", name="检查安排表（.xlsx）"))
    visible(page.get_by_role("link", name="检查工作安排通知（.docx）"))
    save(page, shots, "supervisor-schedule")

    page.goto(f"{server}/campaigns/{ids['campaign']}/board")
    heading(page, "按检查组")
    save(page, shots, "supervisor-board")

    page.goto(f"{server}/visits/{ids['submitted_visit']}")
    visible(page.get_by_role("button", name="审核通过"))
    visible(page.get_by_role("button", name="退回检查员"))
    found = visible(page.locator("h2", has_text="发现的问题").first)
    visible(page.get_by_role("button", name="确认问题").first)
    visible(page.get_by_role("button", name="不予认定").first)
    save(page, shots, "supervisor-findings", top=found)

    page.goto(f"{server}/rectification/?status=submitted")
    heading(page, "整改情况")
    visible(page.get_by_label("选择操作"))
    save(page, shots, "supervisor-rectification")

    page.goto(f"{server}/rectification/{ids['submitted_rect']}")
    review = heading(page, "复核")
    visible(page.get_by_role("button", name="复核销号"))
    visible(page.get_by_role("button", name="退回学校"))
    save(page, shots, "supervisor-verify", top=review)

    page.goto(f"{server}/rectification/{ids['extension_rect']}")
    decide = heading(page, "审批延期申请")
    visible(page.get_by_role("button", name="批准"))
    visible(page.get_by_role("button", name="驳回"))
    save(page, shots, "supervisor-extension", top=decide)

    page.goto(f"{server}/rosters/{'runs/'}{ids['roster_run']}")
    visible(page.get_by_role("link", name="下载差异清单（.xlsx）"))
    save(page, shots, "supervisor-roster")

    page.goto(f"{server}/funds/")
    heading(page, "资金")
    visible(page.get_by_role("heading", name="按资金项目"))
    save(page, shots, "supervisor-funds")


def test_school_pages(screen: t.Callable[..., t.Any], server: str, shots: Path, ids: dict[str, int]) -> None:
    page = screen()
    sign_in(page, server, "school")
    page.goto(f"{server}/rectification/mine")
    heading(page, "本校整改")
    visible(page.get_by_role("link", name="整改通知书（.docx）").first)
    save(page, shots, "school-mine")

    page.goto(f"{server}/rectification/{ids['school_rect']}")
    measures = heading(page, "整改措施")
    visible(page.get_by_role("heading", name="佐证材料"))
    visible(page.get_by_text("照片或PDF扫描件"))
    save(page, shots, "school-rectification", top=measures)

    extension = heading(page, "延期申请")
    visible(page.get_by_role("button", name="提交申请"))
    save(page, shots, "school-extension", top=extension)


def test_admin_pages(screen: t.Callable[..., t.Any], server: str, shots: Path, ids: dict[str, int]) -> None:
    page = screen()
    sign_in(page, server, "admin")
    page.goto(f"{server}/auth/users")
    heading(page, "账号管理")
    visible(page.get_by_role("link", name="新建账号"))
    save(page, shots, "admin-users")

    page.goto(f"{server}/auth/users/new")
    heading(page, "新建账号")
    visible(page.get_by_label("角色"))
    save(page, shots, "admin-user-new")

    page.goto(f"{server}/checklists/")
    heading(page, "检查表")
    visible(page.get_by_role("heading", name="导入XLSForm检查表"))
    save(page, shots, "admin-checklists")

    page.goto(f"{server}/checklists/versions/{ids['draft_checklist']}/changes")
    visible(page.get_by_text(re.compile(r"新增\d+项，删除\d+项，修改\d+项")).first)
    save(page, shots, "admin-checklist-changes")

    page.goto(f"{server}/audit/")
    heading(page, "操作日志")
    visible(page.get_by_text("以哈希链封存").first)
    save(page, shots, "admin-audit")


def test_report_writer_pages(screen: t.Callable[..., t.Any], server: str, shots: Path, ids: dict[str, int]) -> None:
    page = screen()
    sign_in(page, server, "supervisor")
    page.goto(f"{server}/campaigns/{ids['campaign']}")
    visible(page.get_by_role("button", name="督导检查情况报告（.docx）"))
    visible(page.get_by_role("button", name="督导检查月报（.docx）"))
    visible(page.get_by_role("link", name=".xlsx").first)
    save(page, shots, "reports-campaign")

    page.get_by_role("button", name="督导检查情况报告（.docx）").click()
    page.wait_for_load_state("load")
    visible(page.get_by_text("发文字号：").first)
    visible(page.locator("#job-pdf, #pdf-unavailable").first)
    save(page, shots, "reports-job")

    page.goto(f"{server}/rectification/")
    visible(page.get_by_role("link", name="整改台账（.xlsx）"))
    visible(page.get_by_role("link", name="整改台账（.csv）"))
    save(page, shots, "reports-ledger")

    page.goto(f"{server}/rectification/{ids['submitted_rect']}")
    visible(page.get_by_role("link", name="整改通知书（.docx）"))
    visible(page.get_by_role("link", name="整改情况报告（.docx）"))
    save(page, shots, "reports-school-documents")


@pytest.mark.parametrize(("username", "guide", "title"), [
    ("inspector", "inspector", "检查员使用指南"),
    ("supervisor", "supervisor", "市/县资助中心使用指南"),
    ("school", "school", "学校使用指南"),
    ("admin", "admin", "管理员使用指南"),
    ("viewer", "reports", "报告撰写使用指南"),
])
def test_the_help_menu_opens_the_roles_guide(screen: t.Callable[..., t.Any], server: str, shots: Path,
                                              username: str, guide: str, title: str) -> None:
    page = screen()
    sign_in(page, server, username)
    page.get_by_text("帮助", exact=True).click()
    own = visible(page.locator("#help-own"))
    assert own.inner_text().strip() == title
    if username == "supervisor":
        save(page, shots, "help-menu")
    own.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/help/{guide}")
    heading(page, title)
    # Every screenshot the guide shows is served and drawn.
    for image in page.locator("article.guide img").all():
        image.scroll_into_view_if_needed()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0"), image.get_attribute("src")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024

    # On a phone (360 px) the guide is read without scrolling sideways.
    phone = screen(360, 740)
    sign_in(phone, server, username)
    phone.goto(f"{server}/help/{guide}")
    heading(phone, title)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    if username == "school":
        save(phone, shots, "help-phone")
