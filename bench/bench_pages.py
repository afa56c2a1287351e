"""Time the main pages over a large synthetic data set, and count SQL queries per page.

    python bench/bench_pages.py [--schools 10000] [--visits 1000] [--findings 2000] [--database-url URL]

The data set is built twice, at a tenth of the size and at full size; the query
count of each page must be the same at both sizes (no N+1). Prints a table; run
it by hand, it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import PASSWORD  # noqa: E402
from harness import Row  # noqa: E402
from harness import add_counties  # noqa: E402
from harness import add_run_options  # noqa: E402
from harness import compare_scales  # noqa: E402
from harness import fresh_app  # noqa: E402
from harness import time_call  # noqa: E402
from harness import time_pages  # noqa: E402

from inspect_app.auth.models import Role  # noqa: E402
from inspect_app.auth.models import User  # noqa: E402
from inspect_app.campaigns.models import Campaign  # noqa: E402
from inspect_app.checklists import services as checklists  # noqa: E402
from inspect_app.db import local_today  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.findings.models import Finding  # noqa: E402
from inspect_app.rectification.models import Rectification  # noqa: E402
from inspect_app.schools.models import School  # noqa: E402
from inspect_app.visits.models import Answer  # noqa: E402
from inspect_app.visits.models import Visit  # noqa: E402
from inspect_app.visits.models import VisitInspector  # noqa: E402


def build(app, n_schools: int, n_visits: int, n_findings: int) -> dict[str, int]:
    """Fill an empty, migrated database with synthetic data using bulk inserts."""
    rnd = random.Random(7)
    now = datetime.now(UTC)
    today = local_today()
    with app.app_context():
        city, counties = add_counties(20)
        levels = ["preschool", "primary", "junior", "senior", "vocational"]
        db.session.execute(sa.insert(School), [
            {"code": f"{2100000000 + i}", "name": f"学校{i:05d}", "county_id": counties[i % len(counties)],
             "level": levels[i % 5], "active": True, "created_at": now, "updated_at": now}
            for i in range(n_schools)
        ])
        admin = User(username="bench_admin", display_name="bench", role=Role.ADMIN)
        supervisor = User(username="bench_sup", display_name="bench", role=Role.SUPERVISOR, city_id=city)
        inspector = User(username="bench_insp", display_name="bench", role=Role.INSPECTOR)
        for user in (admin, supervisor, inspector):
            user.set_password(PASSWORD)
            db.session.add(user)
        path = Path(app.config["FORMS_DIR"]) / "student_aid_cross_check.md"
        version, _ = checklists.import_checklist(path.read_bytes(), filename=path.name, actor=None, publish=True)
        campaign = Campaign(code="BENCH", name="基准测试交叉检查", term="2026年秋季学期", checklist_version=version,
                            city_id=city,
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


def measure(app, ids: dict[str, int], repeat: int) -> list[Row]:
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
    from inspect_app.visits.figures import campaign_scores

    return [*time_pages(app, pages, repeat),
            # The scores of every visit of the campaign, as a report reads them.
            time_call(app, "campaign_scores(campaign)", lambda: campaign_scores(ids["campaign"]), repeat)]


def run(scale: float, args: argparse.Namespace, workdir: Path) -> list[Row]:
    app = fresh_app(args.database_url, workdir, f"bench-{scale}")
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
    add_run_options(parser)
    sys.exit(compare_scales(run, parser.parse_args(), width=58))


if __name__ == "__main__":
    main()
