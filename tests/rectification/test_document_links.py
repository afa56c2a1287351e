"""The rectification pages offer the school's 整改通知书 and 整改情况报告 as Word, and as PDF where the server
can convert."""

from __future__ import annotations

import typing as t

import pytest
from flask import Flask

from inspect_app.extensions import db


@pytest.fixture
def rect(world: t.Any, make_rects: t.Any) -> t.Any:
    (rect,) = make_rects(world.school, world.supervisor, due_in=10)
    db.session.commit()
    return rect


def _documents(rect: t.Any, fmt: str) -> list[str]:
    base = f"/reports/campaigns/{rect.finding.campaign_id}/schools/{rect.finding.school_id}"
    return [f"{base}/notice.{fmt}", f"{base}/school-report.{fmt}"]


@pytest.mark.parametrize("converter", ["sh", "no-such-soffice-here"], ids=["pdf", "no-pdf"])
def test_word_always_and_pdf_when_it_can_be_made(app: Flask, world: t.Any, rect: t.Any, client: t.Any, auth: t.Any,
                                                 converter: str) -> None:
    # Any program on PATH counts as the converter for the offer; no conversion runs here.
    app.config["PDF_CONVERTER"] = converter
    for user, url in ((world.supervisor, f"/rectification/{rect.id}"), (world.school_contact, "/rectification/mine"),
                      (world.school_contact, f"/rectification/{rect.id}")):
        auth.login(user)
        page = client.get(url).get_data(as_text=True)
        for href in _documents(rect, "docx"):
            assert f'href="{href}"' in page, (user.username, url)
        for href in _documents(rect, "pdf"):
            assert (f'href="{href}"' in page) == (converter == "sh"), (user.username, url, href)
        if converter == "sh":
            assert "整改通知书（.pdf）" in page and "整改情况报告（.pdf）" in page
        auth.logout()
