"""A live server per test and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("INSPECT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[t.Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        message = f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("INSPECT_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser_instance(playwright_instance: t.Any) -> Iterator[object]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    yield browser
    browser.close()


def ipad(playwright: t.Any) -> dict[str, t.Any]:
    """Playwright's iPad (gen 7) in portrait, 810×1080 with touch, driven by chromium."""
    device = dict(playwright.devices["iPad (gen 7)"])
    device.pop("default_browser_type", None)
    return device


@pytest.fixture
def browser_profile(playwright_instance: t.Any, tmp_path: Path) -> Iterator[t.Callable[..., t.Any]]:
    """Start chromium on a profile kept on disk (``name``): closing and starting it again keeps the
    service worker, its caches and IndexedDB, as a tablet does. Chinese, an iPad's screen, a position."""
    opened: list[t.Any] = []

    def start(name: str = "tablet") -> t.Any:
        context = playwright_instance.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{name}"), executable_path=CHROMIUM, args=LAUNCH_ARGS,
            **ipad(playwright_instance), locale="zh-CN", timezone_id="Asia/Shanghai", service_workers="allow",
            permissions=["geolocation", "background-sync"],
            geolocation={"latitude": 34.5200, "longitude": 109.7650, "accuracy": 15},
        )
        context.set_default_timeout(15_000)
        opened.append(context)
        return context

    yield start
    for context in opened:
        try:
            context.close()
        except Exception:  # noqa: BLE001 - already closed by the test
            pass


@pytest.fixture
def tablet(browser_instance: t.Any) -> Iterator[t.Any]:
    """A page in a 1024×768 touch context, in Chinese."""
    context = browser_instance.new_context(viewport={"width": 1024, "height": 768}, has_touch=True,
                                           locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def shot(page: t.Any, name: str) -> Path:
    """Save a screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def login(page: t.Any, base: str, username: str) -> None:
    """Log in through the login page, as a person would."""
    from ..fixtures import PASSWORD

    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state("networkidle")


def fits_tablet(page: t.Any) -> None:
    """The page does not scroll sideways on a 1024-pixel-wide screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024, f"{page.url} is {width}px wide on a 1024px screen"
