"""Time the supervisors' dashboard, the rectification list and the ledger export over 20,000 findings,
and count the SQL queries of each page.

    python bench/bench_dashboard.py [--findings 20000] [--schools 4000] [--campaigns 4] [--database-url URL]

The data set is built twice, at a tenth of the size and at full size; the query count of each page must
be the same at both sizes (grouped queries, no N+1). Prints a table; run it by hand, it is not part of
the test suite.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
import urllib.parse
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

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
from inspect_app.rectification import ledger  # noqa: E402
from inspect_app.rectification.models import ExtensionRequest  # noqa: E402
from inspect_app.rectification.models import Rectification  # noqa: E402
from inspect_app.rectification.services import RectFilter  # noqa: E402
from inspect_app.reminders import services as reminders  # noqa: E402
from inspect_app.schools.models import School  # noqa: E402
from inspect_app.visits.models import Visit  # noqa: E402

LEVELS = ["preschool", "primary", "junior", "senior", "vocational", "nine_year"]
STATUSES = ["not_started", "in_progress", "partial", "submitted", "closed", "closed", "closed", "returned"]


def build(app, n_schools: int, n_findings: int, n_campaigns: int) -> dict[str, int]:
    """Fill an empty, migrated database with campaigns, findings and rectifications in every state."""
    rnd = random.Random(11)
    now = datetime.now(UTC)
    today = local_today()
    with app.app_context():
        city_id, counties = add_counties(11)
        db.session.execute(sa.insert(School), [
            {"code": f"{2100000000 + i}", "name": f"学校{i:05d}", "county_id": counties[i % len(counties)],
             "level": LEVELS[i % len(LEVELS)], "active": True, "created_at": now, "updated_at": now}
            for i in range(n_schools)
        ])
        city = User(username="bench_city", display_name="bench", role=Role.SUPERVISOR, city_id=city_id)
        county = User(username="bench_county", display_name="bench", role=Role.SUPERVISOR, county_id=counties[0])
        for user in (city, county):
            user.set_password(PASSWORD)
            db.session.add(user)
        path = Path(app.config["FORMS_DIR"]) / "student_aid_cross_check.md"
        version, _ = checklists.import_checklist(path.read_bytes(), filename=path.name, actor=None)
        assessed = [i for i in version.items if i.fail_values]
        school_ids = db.session.scalars(sa.select(School.id).order_by(School.id)).all()
        county_of = {sid: cid for sid, cid in db.session.execute(sa.select(School.id, School.county_id))}
        campaign_ids = []
        per_campaign = max(1, n_findings // n_campaigns)
        for k in range(n_campaigns):
            campaign = Campaign(code=f"B{k}", name=f"基准批次{k}", term="2026年秋季学期", checklist_version=version,
                                city_id=city_id,
                                status="closed", default_due_on=today, starts_on=today - timedelta(days=90),
                                ends_on=today - timedelta(days=60), cross_county=True)
            db.session.add(campaign)
            db.session.flush()
            campaign_ids.append(campaign.id)
            visited = rnd.sample(school_ids, min(len(school_ids), max(1, per_campaign // 5)))
            db.session.execute(sa.insert(Visit), [
                {"uuid": f"00000000-0000-4000-8{k:03d}-{i:012d}", "campaign_id": campaign.id, "school_id": sid,
                 "checklist_version_id": version.id, "status": "approved", "planned_on": today,
                 "created_at": now, "updated_at": now}
                for i, sid in enumerate(visited)
            ])
            visits = db.session.execute(sa.select(Visit.id, Visit.school_id)
                                        .where(Visit.campaign_id == campaign.id)).all()
            rows = []
            for n in range(per_campaign):
                visit = visits[n % len(visits)]
                item = assessed[(n // len(visits)) % len(assessed)]
                rows.append({"visit_id": visit.id, "campaign_id": campaign.id, "school_id": visit.school_id,
                             "item_id": item.id, "answer_value": "no", "description": f"问题{k}-{n}",
                             "severity": item.severity.value, "status": "confirmed",
                             "created_at": now, "updated_at": now})
            db.session.execute(sa.insert(Finding), rows)
        findings = db.session.execute(sa.select(Finding.id, Finding.school_id).order_by(Finding.id)).all()
        rects = []
        for n, (finding_id, _school_id) in enumerate(findings):
            status = STATUSES[n % len(STATUSES)]
            opened = today - timedelta(days=rnd.randint(10, 120))
            rects.append({"finding_id": finding_id, "status": status, "opened_on": opened,
                          "due_on": today + timedelta(days=rnd.randint(-40, 40)),
                          "closed_on": opened + timedelta(days=rnd.randint(1, 60)) if status == "closed" else None,
                          "responsible_unit": "学校", "created_at": now, "updated_at": now})
        db.session.execute(sa.insert(Rectification), rects)
        rect_rows = db.session.execute(sa.select(Rectification.id, Rectification.due_on, Rectification.status)).all()
        extensions = [
            {"rectification_id": rid, "status": "pending", "reason": "需要更多时间", "current_due_on": due,
             "proposed_due_on": due + timedelta(days=14), "requested_at": now}
            for rid, due, status in rect_rows[::50] if status != "closed"
        ]
        if extensions:  # an empty list would insert one row of defaults
            db.session.execute(sa.insert(ExtensionRequest), extensions)
        db.session.commit()
        first_county = next(sid for sid in school_ids if county_of[sid] == counties[0])
        return {"campaign": campaign_ids[0], "county": counties[0], "school": first_county}


def measure(app, ids: dict[str, int], repeat: int) -> list[Row]:
    pages = [
        ("bench_city", "/overview"),
        ("bench_city", f"/overview?campaign={ids['campaign']}"),
        ("bench_county", "/overview"),
        ("bench_city", "/rectification/"),
        ("bench_city", "/rectification/?overdue=1"),
        ("bench_city", f"/rectification/?section=D&county={ids['county']}&severity=severe"),
        ("bench_city", "/rectification/?extension=pending"),
        ("bench_city", f"/rectification/ledger.csv?campaign={ids['campaign']}"),
        ("bench_city", f"/rectification/ledger.xlsx?county={ids['county']}"),
    ]
    rows = time_pages(app, pages, repeat, label=lambda user, url: f"{user[6:]:7} {url}")
    with app.app_context():  # the ledgers are read CHUNK_SIZE rectifications at a time
        city = db.session.scalar(sa.select(User).where(User.username == "bench_city"))
        for n, (_user, url) in enumerate(pages):
            if "/ledger." in url:
                args = MultiDict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
                ids_ = ledger.build_ledger(city, RectFilter.from_args(args)).ids
                rows[n] = (*rows[n][:3], math.ceil(len(ids_) / ledger.CHUNK_SIZE))
    due: list[int] = []
    label, ms, statements = time_call(app, "reminders plan", lambda: due.append(len(reminders.plan())), 1)
    return [*rows, (f"{label} ({due[-1]} due)", ms, statements)]


def run(scale: float, args: argparse.Namespace, workdir: Path) -> list[Row]:
    app = fresh_app(args.database_url, workdir, f"bench-{scale}")
    start = time.perf_counter()
    ids = build(app, int(args.schools * scale), int(args.findings * scale), args.campaigns)
    print(f"  built {int(args.schools * scale)} schools and {int(args.findings * scale)} findings "
          f"in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return measure(app, ids, args.repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=20_000)
    parser.add_argument("--schools", type=int, default=4_000)
    parser.add_argument("--campaigns", type=int, default=4)
    add_run_options(parser)
    sys.exit(compare_scales(run, parser.parse_args()))


if __name__ == "__main__":
    main()
