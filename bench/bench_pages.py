"""Time the main pages over a large synthetic data set, and count SQL queries per page.

    python bench/bench_pages.py [--schools 10000] [--visits 1000] [--findings 2000] [--database-url URL]

The data set is built twice, at a tenth of the size and at full size; the query
count of each page must be the same at both sizes (no N+1). Prints a table; run
it by hand, it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspect_app import create_app  # noqa: E402
from inspect_app.auth.models import Role  # noqa: E402
from inspect_app.auth.models import User  # noqa: E402
from inspect_app.campaigns.models import Campaign  # noqa: E402
from inspect_app.checklists import services as checklists  # noqa: E402
from inspect_app.db import local_today  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.findings.models import Finding  # noqa: E402
from inspect_app.rectification.models import Rectification  # noqa: E402
from inspect_app.schools.models import County  # noqa: E402
from inspect_app.schools.models import School  # noqa: E402
from inspect_app.visits.models import Answer  # noqa: E402
from inspect_app.visits.models import Visit  # noqa: E402
from inspect_app.visits.models import VisitInspector  # noqa: E402

PASSWORD = "bench-password"


def build(app, n_schools: int, n_visits: int, n_findings: int) -> dict[str, int]:
    """Fill an empty, migrated database with synthetic data using bulk inserts."""
    rnd = random.Random(7)
    now = datetime.now(UTC)
    today = local_today()
    with app.app_context():
        db.session.execute(sa.insert(County), [{"name": f"县{i:02d}", "position": i} for i in range(20)])
        counties = db.session.scalars(sa.select(County.id)).all()
        levels = ["preschool", "primary", "junior", "senior", "vocational"]
        db.session.execute(sa.insert(School), [
            {"code": f"{2100000000 + i}", "name": f"学校{i:05d}", "county_id": counties[i % len(counties)],
             "level": levels[i % 5], "active": True, "created_at": now, "updated_at": now}
            for i in range(n_schools)
        ])
        admin = User(username="bench_admin", display_name="bench", role=Role.ADMIN)
        supervisor = User(username="bench_sup", display_name="bench", role=Role.SUPERVISOR)
        inspector = User(username="bench_insp", display_name="bench", role=Role.INSPECTOR)
        for user in (admin, supervisor, inspector):
            user.set_password(PASSWORD)
            db.session.add(user)
        path = Path(app.config["FORMS_DIR"]) / "student_aid_cross_check.md"
        version, _ = checklists.import_checklist(path.read_bytes(), filename=path.name, actor=None, publish=True)
        campaign = Campaign(code="BENCH", name="基准测试交叉检查", term="2026年秋季学期", checklist_version=version,
                            status="active", default_due_on=today + timedelta(days=30),
                            starts_on=today - timedelta(days=30), ends_on=today)
        db.session.add(campaign)
        db.session.flush()
        school_ids = db.session.scalars(sa.select(School.id).order_by(School.id)).all()
        chosen = rnd.sample(school_ids, n_visits)
        db.session.execute(sa.insert(Visit), [
            {"uuid": f"00000000-0000-4000-8000-{i:012d}", "campaign_id": campaign.id, "school_id": sid,
             "checklist_version_id": version.id, "status": "approved", "planned_on": today,
             "created_at": now, "updated_at": now}
            for i, sid in enumerate(chosen)
        ])
        visits = db.session.execute(sa.select(Visit.id, Visit.school_id).where(Visit.campaign_id == campaign.id)).all()
        db.session.execute(sa.insert(VisitInspector),
                           [{"visit_id": v.id, "user_id": inspector.id, "is_leader": True} for v in visits])
        assessed = [i for i in version.items if i.fail_values]
        db.session.execute(sa.insert(Answer), [
            {"visit_id": v.id, "item_id": item.id, "value": "yes", "rev": 1, "updated_at": now}
            for v in visits for item in assessed[:10]
        ])
        statuses = ["not_started", "in_progress", "partial", "submitted", "closed", "returned"]
        finding_rows = []
        for k in range(n_findings):
            v = visits[k % len(visits)]
            item = assessed[(k // len(visits)) % len(assessed)]
            finding_rows.append({"visit_id": v.id, "campaign_id": campaign.id, "school_id": v.school_id,
                                 "item_id": item.id, "answer_value": "no", "description": f"问题{k}",
                                 "severity": item.severity.value, "status": "confirmed",
                                 "created_at": now, "updated_at": now})
        db.session.execute(sa.insert(Finding), finding_rows)
        finding_ids = db.session.scalars(sa.select(Finding.id).order_by(Finding.id)).all()
        db.session.execute(sa.insert(Rectification), [
            {"finding_id": fid, "status": statuses[k % 6], "due_on": today + timedelta(days=rnd.randint(-20, 40)),
             "created_at": now, "updated_at": now}
            for k, fid in enumerate(finding_ids)
        ])
        db.session.commit()
        return {"campaign": campaign.id, "visit": visits[0].id, "finding": finding_ids[0],
                "school": school_ids[0], "version": version.id}


def measure(app, ids: dict[str, int], repeat: int) -> list[tuple[str, float, int]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append(statement)

    pages = [
        ("bench_sup", "/overview"),
        ("bench_sup", "/campaigns/"),
        ("bench_sup", f"/campaigns/{ids['campaign']}"),
        ("bench_sup", "/schools/"),
        ("bench_sup", "/schools/?q=学校0"),
        ("bench_sup", "/findings/"),
        ("bench_sup", "/rectification/"),
        ("bench_sup", "/rectification/?overdue=1"),
        ("bench_sup", f"/visits/{ids['visit']}"),
        ("bench_sup", "/visits/"),
        ("bench_sup", f"/checklists/versions/{ids['version']}"),
        ("bench_sup", f"/checklists/versions/{ids['version']}/preview"),
        ("bench_sup", f"/findings/{ids['finding']}"),
        ("bench_sup", "/audit/"),
        ("bench_insp", "/visits/mine"),
    ]
    results = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    clients = {}
    for user in ("bench_sup", "bench_insp"):
        client = app.test_client()
        client.post("/auth/login", data={"username": user, "password": PASSWORD})
        clients[user] = client
    for user, url in pages:
        client = clients[user]
        client.get(url)  # warm up
        times = []
        for _ in range(repeat):
            statements.clear()
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)
        results.append((url, statistics.median(times) * 1000, len(statements)))
    # The scores of every visit of the campaign, as a report reads them.
    from inspect_app.visits.services import campaign_scores

    times = []
    for _ in range(repeat):
        with app.app_context():
            statements.clear()
            start = time.perf_counter()
            campaign_scores(ids["campaign"])
            times.append(time.perf_counter() - start)
    results.append(("campaign_scores(campaign)", statistics.median(times) * 1000, len(statements)))
    event.remove(engine, "before_cursor_execute", count)
    return results


def run(scale: float, args: argparse.Namespace, workdir: Path) -> list[tuple[str, float, int]]:
    from flask_migrate import upgrade

    url = args.database_url or f"sqlite:///{workdir / f'bench-{scale}.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "UPLOAD_DIR": str(workdir / "uploads"),
                      "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        if args.database_url:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
    start = time.perf_counter()
    ids = build(app, int(args.schools * scale), max(1, int(args.visits * scale)), int(args.findings * scale))
    print(f"  built {int(args.schools * scale)} schools, {int(args.visits * scale)} visits, "
          f"{int(args.findings * scale)} findings in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return measure(app, ids, args.repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=10_000)
    parser.add_argument("--visits", type=int, default=1_000)
    parser.add_argument("--findings", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="", help="Use this (emptied!) database instead of SQLite.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = run(0.1, args, Path(tmp))
        full = run(1.0, args, Path(tmp))
    print(f"{'page':58} {'ms (1/10)':>10} {'ms (full)':>10} {'SQL (1/10)':>10} {'SQL (full)':>10}")
    flat = True
    for (url, ms_small, q_small), (_url, ms_full, q_full) in zip(small, full, strict=True):
        mark = "" if q_small == q_full else "  <- grows"
        flat &= q_small == q_full
        print(f"{url:58} {ms_small:10.1f} {ms_full:10.1f} {q_small:10d} {q_full:10d}{mark}")
    print("query counts flat as data grows" if flat else "QUERY COUNTS GROW WITH THE DATA")
    sys.exit(0 if flat else 1)


if __name__ == "__main__":
    main()
