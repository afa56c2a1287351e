"""Personal data: ID numbers masked in one way everywhere; roster files purged after their retention."""

from __future__ import annotations

import logging
import os
import time
import typing as t
from pathlib import Path

from flask import Flask
from flask import render_template_string

from inspect_app.core.privacy import MaskIdNumbers
from inspect_app.core.privacy import mask_id_number
from inspect_app.core.privacy import mask_id_numbers
from inspect_app.core.privacy import mask_id_numbers_in
from inspect_app.core.privacy import purge_files_older_than


def test_an_id_number_keeps_its_first_and_last_four_characters() -> None:
    assert mask_id_number("610502200801014309") == "6105**********4309"
    assert mask_id_number("61050220080101430X") == "6105**********430X"
    assert mask_id_number("610502080101430") == "6105*******1430"
    assert mask_id_number("12345") == "*****" and mask_id_number(None) == ""


def test_id_numbers_in_text_are_masked_and_nothing_else() -> None:
    sha = "a" * 20 + "610502200801014309" + "b" * 26
    text = f"张三：610502200801014309，李四 61050220080101430x; 文件 {sha}; 电话 13800138000"
    assert mask_id_numbers(text) == (f"张三：6105**********4309，李四 6105**********430x; 文件 {sha}; "
                                     "电话 13800138000")
    assert mask_id_numbers_in({"rows": [{"id": "610502200801014309", "n": 3}]}) == {
        "rows": [{"id": "6105**********4309", "n": 3}]}


def test_the_template_filter(app: Flask) -> None:
    with app.test_request_context():
        assert render_template_string("{{ n|mask_id }}", n="610502200801014309") == "6105**********4309"


def test_files_older_than_the_retention_are_purged(tmp_path: Path) -> None:
    now = time.time()
    old, recent = tmp_path / "runs/1/roster.xlsx", tmp_path / "runs/2/roster.xlsx"
    for path in (old, recent):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"x")
    os.utime(old, (now - 181 * 86400, now - 181 * 86400))
    os.utime(recent, (now - 179 * 86400, now - 179 * 86400))
    assert purge_files_older_than(tmp_path, 180, now=now) == [old]
    assert not old.parent.exists() and recent.exists() and tmp_path.exists()
    assert purge_files_older_than(tmp_path / "missing", 180) == []


def test_the_retention_is_configured(app: Flask) -> None:
    assert app.config["ROSTER_RETENTION_DAYS"] == 180


def test_log_lines_are_masked(caplog: t.Any) -> None:
    log = logging.getLogger("inspect_app.test_privacy")
    log.addFilter(MaskIdNumbers())
    try:
        with caplog.at_level(logging.ERROR, logger=log.name):
            try:
                raise ValueError("bad cell 610502200801014309")
            except ValueError:
                log.exception("row %s: %s", 7, "610502200801014309")
    finally:
        log.filters.clear()
    text = caplog.text
    assert "610502200801014309" not in text
    assert "row 7: 6105**********4309" in text and "bad cell 6105**********4309" in text
