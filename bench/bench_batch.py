"""One tablet's batch of answers, timed against a bare JSON endpoint in the same run, with its SQL count.

    python bench/bench_batch.py [--repeat 15] [--database-url postgresql://…]

Builds a fresh migrated database (SQLite in a temporary folder, or the PostgreSQL database given,
whose public schema is dropped) with a started campaign of the shipped checklist and one visit
per run, each with its own inspector. Through the test client (in process, no network), each
inspector opens its visit and then, in turn:

- POSTs the batch body to a bare JSON endpoint added for the run (it reads the JSON and answers
  it back: sign-in, session and JSON cost, no work) — the baseline;
- POSTs a batch of 20 new answers to /api/v1/visits/UUID/ops;
- POSTs a batch of 20 edits of those answers (on the revision it was given back).

It prints the median of each and the ratio to the baseline (the figure to compare between runs
and machines), and the SQL statements of one batch of 5, 20 and 40 new answers and edits: they
must be the same for every size (one set-based write per batch, not one per answer). The exit
status is 1 when they are not, or when a batch is not answered 200 with every operation applied.
Run it by hand; it is not part of the tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import typing as t
import uuid
from pathlib import Path

from flask import jsonify
from flask import request

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sync import prepare  # noqa: E402
from harness import PASSWORD  # noqa: E402
from harness import Statements  # noqa: E402
from harness import fresh_app  # noqa: E402

SIZES = (5, 20, 40)


def ops(answers: list[tuple[int, str]], *, base_rev: int, edit: bool) -> list[dict[str, t.Any]]:
    """A batch answering each item (or changing each answer, for ``edit``: a note added)."""
    return [{"op_id": str(uuid.uuid4()), "type": "answer", "item_id": item, "value": value,
             "note": "复核后修改" if edit else None, "base_rev": base_rev, "client_ts": "2026-11-27T09:00:00+08:00"}
            for item, value in answers]


class Tablet:
    def __init__(self, app: t.Any, username: str, visit: str, school_id: int, version_id: int) -> None:
        self.client = app.test_client()
        response = self.client.post("/auth/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        self.headers = {"Accept": "application/json", "X-Client-Id": f"bench-{username}"}
        self.visit = visit
        opened = self.client.put(f"/api/v1/visits/{visit}", headers=self.headers, json={
            "school_id": school_id, "checklist_version_id": version_id, "started_at": "2026-11-27T08:00:00+08:00"})
        assert opened.status_code == 201, opened.get_json()

    def echo(self, body: dict[str, t.Any]) -> float:
        start = time.perf_counter()
        response = self.client.post("/bench/echo", headers=self.headers, json=body)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        return elapsed

    def batch(self, batch: list[dict[str, t.Any]]) -> float:
        start = time.perf_counter()
        response = self.client.post(f"/api/v1/visits/{self.visit}/ops", json={"ops": batch},
                                    headers={**self.headers, "Idempotency-Key": str(uuid.uuid4())})
        elapsed = time.perf_counter() - start
        body = response.get_json()
        statuses = {r["status"] for r in body["results"]} if response.status_code == 200 else set()
        if statuses != {"applied"}:
            raise SystemExit(f"batch answered {response.status_code}: {str(body)[:300]}")
        return elapsed


def run(args: argparse.Namespace, workdir: Path) -> int:
    app = fresh_app(args.database_url, workdir, "batch")

    @app.post("/bench/echo")
    def echo() -> t.Any:
        return jsonify(request.get_json())

    tablets_needed = args.repeat + len(SIZES)
    rows, answers = prepare(app, tablets_needed)
    answers = answers[1:]  # the first names the photo item
    if len(answers) < max(SIZES):
        raise SystemExit(f"the shipped checklist has only {len(answers)} items to answer")
    tablets = [Tablet(app, *row) for row in rows]
    twenty = answers[:20]
    bare, new, edits = [], [], []
    for tablet in tablets[:args.repeat]:
        first = ops(twenty, base_rev=0, edit=False)
        bare.append(tablet.echo({"ops": first}))
        new.append(tablet.batch(first))
        edits.append(tablet.batch(ops(twenty, base_rev=1, edit=True)))
    base = statistics.median(bare)
    print(f"one tablet's batch of 20 answers, {args.repeat} runs, on "
          f"{'PostgreSQL' if args.database_url else 'SQLite'} (in process, test client)")
    print(f"  {'request':36} {'median ms':>10} {'x bare':>8}")
    for label, times in (("bare JSON endpoint (baseline)", bare), ("batch of 20 new answers", new),
                         ("batch of 20 edits", edits)):
        median = statistics.median(times)
        print(f"  {label:36} {median * 1000:10.1f} {median / base:8.1f}")

    statements = Statements(app)
    counts: dict[str, list[int]] = {"new answers": [], "edits": []}
    with statements.listening():
        for size, tablet in zip(SIZES, tablets[args.repeat:], strict=True):
            for label, batch in (("new answers", ops(answers[:size], base_rev=0, edit=False)),
                                 ("edits", ops(answers[:size], base_rev=1, edit=True))):
                statements.count = 0
                tablet.batch(batch)
                counts[label].append(statements.count)
    print(f"  SQL statements of one batch of {', '.join(map(str, SIZES))} operations:")
    flat = True
    for label, seen in counts.items():
        flat &= len(set(seen)) == 1
        print(f"    {label:12} {' '.join(f'{n:4d}' for n in seen)}")
    print("  flat as the batch grows" if flat else "  STATEMENTS GROW WITH THE BATCH")
    return 0 if flat else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", default="",
                        help="Use this PostgreSQL database instead of SQLite; its public schema is dropped!")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raise SystemExit(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
