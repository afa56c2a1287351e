"""What the page benchmarks share: a fresh migrated database, timed requests with SQL counts, the table.

Each benchmark builds its data at a tenth of the size and at full size and prints, per page, the
median time and the number of SQL statements at both sizes; the counts must be equal (no N+1).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
import typing as t
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspect_app import create_app  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.schools import regions  # noqa: E402
from inspect_app.schools.models import County  # noqa: E402

PASSWORD = "bench-password"
# label, median milliseconds, SQL statements; and, for a download read a chunk at a time, its number of chunks
Row = tuple[str, float, int] | tuple[str, float, int, int]


def fresh_app(database_url: str, workdir: Path, name: str) -> Flask:
    """An app on an empty, migrated database: SQLite in ``workdir``, or the given URL emptied first."""
    from flask_migrate import upgrade

    url = database_url or f"sqlite:///{workdir / f'{name}.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "UPLOAD_DIR": str(workdir / "uploads"),
                      "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        if database_url:
            # Everything goes, the audit log's trigger function too.
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
    return app


def add_counties(count: int) -> tuple[int, list[int]]:
    """``count`` counties of the install's city (in an app context, bulk-inserted); its id and theirs, in order."""
    city = regions.home_city().id
    db.session.execute(sa.insert(County), [{"name": f"县{i:02d}", "position": i, "city_id": city}
                                           for i in range(count)])
    return city, list(db.session.scalars(sa.select(County.id).where(County.city_id == city).order_by(County.id)))


class Statements:
    """Counts the SQL statements the app's engine executes while active."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            self.engine = db.engine
        self.count = 0

    def _seen(self, *_args: t.Any) -> None:
        self.count += 1

    @contextlib.contextmanager
    def listening(self) -> Iterator[Statements]:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        try:
            yield self
        finally:
            event.remove(self.engine, "before_cursor_execute", self._seen)


def time_pages(app: Flask, pages: list[tuple[str, str]], repeat: int, *, label: Callable[[str, str], str]
               = lambda _user, url: url) -> list[Row]:
    """GET each (user, url) ``repeat`` times after a warm-up; the median time and the statements of one request."""
    clients = {}
    for user in dict.fromkeys(user for user, _url in pages):
        client = app.test_client()
        client.post("/auth/login", data={"username": user, "password": PASSWORD})
        clients[user] = client
    statements = Statements(app)
    rows = []
    with statements.listening():
        for user, url in pages:
            client = clients[user]
            client.get(url)
            times = []
            for _ in range(repeat):
                statements.count = 0
                start = time.perf_counter()
                response = client.get(url)
                response.get_data()  # a streamed download is read (and its statements made) as it is sent
                times.append(time.perf_counter() - start)
                assert response.status_code == 200, (url, response.status_code)
            rows.append((label(user, url), statistics.median(times) * 1000, statements.count))
    return rows


def time_call(app: Flask, name: str, call: Callable[[], t.Any], repeat: int) -> Row:
    """Time a service call in an app context, like a page."""
    statements = Statements(app)
    times = []
    with statements.listening():
        for _ in range(repeat):
            with app.app_context():
                statements.count = 0
                start = time.perf_counter()
                call()
                times.append(time.perf_counter() - start)
    return name, statistics.median(times) * 1000, statements.count


def report(small: list[Row], full: list[Row], *, width: int = 64) -> int:
    """Print both sizes side by side; return the exit status (1 when a query count grows).

    A download read a chunk at a time (a row with its number of chunks) may make more statements at
    full size, by the same number for each chunk more: a fixed count and one per chunk, never one per row.
    """
    print(f"{'page':{width}} {'ms (1/10)':>10} {'ms (full)':>10} {'SQL (1/10)':>10} {'SQL (full)':>10}")
    flat = True
    for row_small, row_full in zip(small, full, strict=True):
        label, ms_small, q_small = row_small[:3]
        _label, ms_full, q_full = row_full[:3]
        chunks_small, chunks_full = (row_small[3], row_full[3]) if len(row_small) == 4 and len(row_full) == 4 \
            else (1, 1)
        if chunks_small == chunks_full:
            ok, mark = q_small == q_full, ""
        else:
            per_chunk, rest = divmod(q_full - q_small, chunks_full - chunks_small)
            ok = rest == 0 and 0 <= per_chunk and q_small - per_chunk * chunks_small >= 0
            mark = f"  ({chunks_small} and {chunks_full} chunks, {per_chunk} statements a chunk)"
        flat &= ok
        mark = mark if ok else "  <- grows"
        print(f"{label:{width}} {ms_small:10.1f} {ms_full:10.1f} {q_small:10d} {q_full:10d}{mark}")
    print("query counts flat as data grows" if flat else "QUERY COUNTS GROW WITH THE DATA")
    return 0 if flat else 1


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options every page benchmark takes: repetitions and the database."""
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="",
                        help="Use this PostgreSQL database instead of SQLite; its public schema is dropped!")


def compare_scales(run: Callable[[float, argparse.Namespace, Path], list[Row]], args: argparse.Namespace, *,
                   width: int = 64) -> int:
    """Run at a tenth of the size and at full size, print both; the exit status of :func:`report`."""
    with tempfile.TemporaryDirectory() as tmp:
        small = run(0.1, args, Path(tmp))
        full = run(1.0, args, Path(tmp))
    return report(small, full, width=width)
