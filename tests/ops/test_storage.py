"""Stored files: the local folder and an S3-compatible bucket behave alike; files follow the
transaction; downloads stream or redirect to a short-lived link; an install moves to a bucket."""

from __future__ import annotations

import io
import typing as t
import urllib.request
from pathlib import Path

import pytest
from flask import Flask

from inspect_app.core import storage
from inspect_app.extensions import db


@pytest.fixture(params=["folder", "s3"])
def store_app(request: pytest.FixtureRequest, app: Flask) -> Flask:
    if request.param == "s3":
        url = request.getfixturevalue("s3_bucket")(f"b-{request.node.name[-40:].lower().replace('_', '-')}"
                                                     .replace("[", "-").replace("]", ""))
        app.config.update(STORAGE_URL=url, S3_ENDPOINT_URL=request.getfixturevalue("s3_endpoint"))
    return app


def test_save_open_list_and_delete(store_app: Flask) -> None:
    with store_app.app_context():
        store = storage.area("uploads")
        store.save("photos/2026/a.jpg", b"\xff\xd8 first")
        store.save("photos/2026/b.jpg", io.BytesIO(b"second" * 100_000))
        assert store.exists("photos/2026/a.jpg") and not store.exists("photos/2026/c.jpg")
        assert storage.read("uploads", "photos/2026/a.jpg") == b"\xff\xd8 first"
        assert store.size("photos/2026/b.jpg") == 600_000
        assert sorted(store.keys("photos/")) == ["photos/2026/a.jpg", "photos/2026/b.jpg"]
        # Areas do not see each other's files.
        assert list(storage.area("reports").keys()) == []
        store.delete("photos/2026/a.jpg")
        assert not store.exists("photos/2026/a.jpg")
        with pytest.raises(storage.StorageError):
            store.open("photos/2026/a.jpg")
        with pytest.raises(storage.StorageError):
            store.save("../escape", b"x")


def test_files_follow_the_transaction(store_app: Flask) -> None:
    with store_app.app_context():
        store = storage.area("uploads")
        db.session.execute(db.select(1))
        storage.keep("uploads", "kept.bin", b"1")
        db.session.rollback()
        assert not store.exists("kept.bin")  # its row never existed
        db.session.execute(db.select(1))
        storage.keep("uploads", "kept.bin", b"2")
        db.session.commit()
        assert store.exists("kept.bin")
        db.session.execute(db.select(1))
        storage.discard("uploads", "kept.bin")
        db.session.rollback()
        assert store.exists("kept.bin")  # the deletion was undone
        db.session.execute(db.select(1))
        storage.discard("uploads", "kept.bin")
        assert store.exists("kept.bin")
        db.session.commit()
        assert not store.exists("kept.bin")
        # A savepoint rolled back takes back only its own files.
        db.session.execute(db.select(1))
        storage.keep("uploads", "outer.bin", b"o")
        savepoint = db.session.begin_nested()
        storage.keep("uploads", "inner.bin", b"i")
        savepoint.rollback()
        db.session.commit()
        assert store.exists("outer.bin") and not store.exists("inner.bin")
        # A savepoint released is not the transaction committed: its files still follow the transaction.
        db.session.execute(db.select(1))
        with db.session.begin_nested():
            storage.keep("uploads", "released.bin", b"r")
            storage.discard("uploads", "outer.bin")
        assert store.exists("outer.bin")  # not deleted before the transaction commits
        db.session.rollback()
        assert store.exists("outer.bin") and not store.exists("released.bin")


def test_downloads_stream_from_a_folder_and_redirect_to_the_bucket(store_app: Flask) -> None:
    with store_app.app_context():
        storage.area("reports").save("7.docx", b"PK report bytes")
    with store_app.test_request_context():
        response = storage.serve("reports", "7.docx", filename="督导检查情况报告.docx",
                                 mimetype="application/octet-stream")
        if store_app.config["STORAGE_URL"]:
            assert response.status_code == 302
            # A short-lived signed link that gives the file with its Chinese name.
            with urllib.request.urlopen(response.location) as fetched:
                assert fetched.read() == b"PK report bytes"
                assert "%E7%9D%A3" in fetched.headers["Content-Disposition"]
            assert "X-Amz-Expires=300" in response.location
        else:
            response.direct_passthrough = False
            assert response.status_code == 200 and response.get_data() == b"PK report bytes"
            assert "attachment" in response.headers["Content-Disposition"]
            response.close()


def test_migrate_copies_an_install_to_a_bucket_and_verifies_it(app: Flask, s3_bucket: t.Callable[[str], str],
                                                              s3_endpoint: str, tmp_path: Path) -> None:
    app.config["S3_ENDPOINT_URL"] = s3_endpoint
    with app.app_context():
        storage.area("uploads").save("photos/a.jpg", b"photo")
        storage.area("uploads").save("rosters/3/roster.xlsx", b"roster" * 1000)
        storage.area("reports").save("5.docx", b"report")
    url = s3_bucket("migrate-target")
    result = app.test_cli_runner().invoke(args=["storage", "migrate", "--to", url])
    assert result.exit_code == 0, result.output
    assert "3 file(s), 6011 bytes copied" in result.output
    app.config["STORAGE_URL"] = url
    app.extensions.pop("inspect_storage", None)
    with app.app_context():
        assert storage.read("uploads", "rosters/3/roster.xlsx") == b"roster" * 1000
        assert storage.read("reports", "5.docx") == b"report"


def test_readyz_reports_an_unreachable_bucket(app: Flask, client: t.Any) -> None:
    app.config.update(STORAGE_URL="s3://nowhere/x", S3_ENDPOINT_URL="http://127.0.0.1:9")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["storage"].startswith("storage not writable")


def test_a_report_built_into_the_bucket_downloads_through_a_signed_link(
        app: Flask, world: t.Any, auth: t.Any, client: t.Any, s3_bucket: t.Callable[[str], str],
        s3_endpoint: str) -> None:
    app.config.update(STORAGE_URL=s3_bucket("reports-built"), S3_ENDPOINT_URL=s3_endpoint)
    auth.login(world.supervisor)
    response = client.post(f"/reports/campaigns/{world.campaign.id}/investigation")
    status = client.get(response.location + "/status").get_json()
    assert status["status"] == "done" and status["download"]
    download = client.get(status["download"])
    assert download.status_code == 302
    with urllib.request.urlopen(download.location) as fetched:
        assert fetched.read().startswith(b"PK")
    # Nothing was written to this host's folder.
    local = Path(app.config["REPORT_OUTPUT_DIR"])
    assert not local.exists() or not any(local.iterdir())
