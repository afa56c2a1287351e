"""The 整改台账 downloads stream: the CSV is sent as it is read, a chunk of rectifications at a time, and
the workbook is written row by row; what they hold does not depend on the size of the chunks."""

from __future__ import annotations

import io
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from inspect_app.extensions import db
from inspect_app.rectification import ledger

if t.TYPE_CHECKING:
    from tests.fixtures import Auth
    from tests.fixtures import World


def _download(app: Flask, client: FlaskClient, url: str) -> tuple[t.Any, bytes, int]:
    """The response (``streamed`` set: whether it came as a stream), its body and the SQL statements run to
    make it, the streamed part included."""
    seen: list[str] = []

    def count(*args: t.Any) -> None:
        seen.append(args[2])

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
        response.streamed = response.is_streamed
        body = response.get_data()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return response, body, len(seen)


def _sheet_rows(data: bytes) -> list[list[t.Any]]:
    return [list(row) for row in load_workbook(io.BytesIO(data))["整改台账"].iter_rows(min_row=2, values_only=True)]


@pytest.fixture
def five(world: World, make_rects: t.Any) -> None:
    make_rects(world.school, world.supervisor, items=("S1_1", "S1_2", "S2_1"))
    make_rects(world.other_school, world.supervisor, items=("S1_1", "S2_1"))
    db.session.commit()


@pytest.mark.usefixtures("five")
def test_the_rows_are_the_same_whatever_the_chunk(app: Flask, world: World, client: FlaskClient, auth: Auth,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    auth.login(world.supervisor)
    whole_csv = _download(app, client, "/rectification/ledger.csv")[1]
    whole_xlsx = _sheet_rows(_download(app, client, "/rectification/ledger.xlsx")[1])

    monkeypatch.setattr(ledger, "CHUNK_SIZE", 2)
    response, chunked_csv, _n = _download(app, client, "/rectification/ledger.csv")
    assert response.streamed and response.mimetype == "text/csv"
    assert chunked_csv == whole_csv
    assert chunked_csv.decode("utf-8-sig").count("\n") == 6  # the header and five rows
    response, data, _n = _download(app, client, "/rectification/ledger.xlsx")
    assert response.content_length == len(data)
    rows = _sheet_rows(data)
    assert rows == whole_xlsx and [row[0] for row in rows] == [1, 2, 3, 4, 5]


def test_the_statements_grow_with_chunks_not_rows(app: Flask, world: World, client: FlaskClient, auth: Auth,
                                                  make_rects: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger, "CHUNK_SIZE", 3)
    make_rects(world.school, world.supervisor, items=("S1_1", "S1_2", "S2_1"))
    db.session.commit()
    auth.login(world.supervisor)
    one_chunk = {fmt: _download(app, client, f"/rectification/ledger.{fmt}")[2] for fmt in ("csv", "xlsx")}
    make_rects(world.school, world.supervisor, items=("S1_1", "S1_2"))
    db.session.commit()
    two_chunks = {fmt: _download(app, client, f"/rectification/ledger.{fmt}")[2] for fmt in ("csv", "xlsx")}
    # One chunk more costs its three queries (the rectifications, their evidence, their extension requests).
    assert two_chunks == {fmt: n + 3 for fmt, n in one_chunk.items()}
