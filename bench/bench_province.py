"""Time the province's pages and lists over a whole province, count their SQL statements at two sizes,
and time the 全省学生资助交叉检查情况通报 with its peak memory.

    python bench/bench_province.py [--cities 10] [--counties-per-city 10] [--schools 10000]
                                   [--findings 100000] [--scale-down 10] [--repeat 5] [--database-url URL]

A synthetic province is built with bulk inserts (SQLAlchemy Core, no service call per row) twice: at the
size asked and with every figure divided by ``--scale-down`` (at least two cities of two counties). It has
a province cross-city campaign over every city and a campaign per city, visits in every state, confirmed
findings, rectifications in every state (some overdue, some with an extension asked), and an account at
every level: an administrator, a province supervisor (no city, no county), a city supervisor and a
county supervisor.

As the province supervisor and as the first city's supervisor, each page is fetched with the Flask test
client: the province view (cities, a city's counties, a county's schools), the overview, and the lists
(visits, findings, rectification, schools, campaigns, the 报送 by city, the read API's findings with a
token), with ``?city=`` where the list has it. The SQL statement count of each page must be the same at
both sizes (no N+1); at full size each page's median time is printed with its ratio to ``/healthz``
timed in the same run by the same client (the bare baseline: routing, the session, no query).

Then the 通报 (the ``provincial`` report of the province campaign, ``reports.services.write`` as
``inspect-app reports build provincial`` runs it) is built in a fresh process (spawn) at full size: its
time (first build, and a second one warm in the same process), the process's peak resident size, and, as
a baseline, bare python-docx writing the same paragraphs and tables (bench_reports.py's baseline).

Exits 1 when a statement count grows with the data. PostgreSQL is what the figures are for (its public
schema is dropped!); without ``--database-url`` SQLite files in a temporary folder are used for a quick run.
Run it by hand; it is not part of the tests.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import time
import typing as t
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_reports import child_baseline  # noqa: E402
from bench_reports import in_child  # noqa: E402
from bench_reports import make_app  # noqa: E402
from bench_reports import peak_rss_mb  # noqa: E402
from bench_reports import report_content  # noqa: E402
from harness import PASSWORD  # noqa: E402
from harness import Statements  # noqa: E402
from harness import fresh_app  # noqa: E402

from inspect_app.auth import services as auth_services  # noqa: E402
from inspect_app.auth.models import Role  # noqa: E402
from inspect_app.auth.models import User  # noqa: E402
from inspect_app.campaigns.models import Campaign  # noqa: E402
from inspect_app.checklists import services as checklists  # noqa: E402
from inspect_app.db import local_today  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.findings.models import Finding  # noqa: E402
from inspect_app.rectification.models import ExtensionRequest  # noqa: E402
from inspect_app.rectification.models import Rectification  # noqa: E402
from inspect_app.schools.models import City  # noqa: E402
from inspect_app.schools.models import County  # noqa: E402
from inspect_app.schools.models import Province  # noqa: E402
from inspect_app.schools.models import School  # noqa: E402
from inspect_app.visits.models import Visit  # noqa: E402
from inspect_app.visits.models import VisitInspector  # noqa: E402

LEVELS = ["preschool", "primary", "junior", "senior", "vocational", "nine_year"]
RECT_STATES = ["not_started", "in_progress", "partial", "submitted", "closed", "closed", "closed", "returned"]
# Visits with results (findings hang on these) and the others, planned or under way.
INSPECTED_STATES = ["approved", "approved", "approved", "submitted"]
OPEN_STATES = ["planned", "in_progress", "returned"]
USERS = {"admin": "bench_admin", "province": "bench_province", "city": "bench_city", "county": "bench_county"}


@dataclass(frozen=True)
class Size:
    cities: int
    counties_per_city: int
    schools: int
    findings: int

    def scaled(self, factor: int) -> Size:
        return Size(max(2, self.cities // factor), max(2, self.counties_per_city // factor),
                    max(1, self.schools // factor), max(1, self.findings // factor))

    def __str__(self) -> str:
        return (f"{self.cities} cities, {self.cities * self.counties_per_city} counties, {self.schools} schools, "
                f"{self.findings} findings")


@dataclass
class Ids:
    """The ids the pages are asked about, and the API token."""

    province_campaign: int
    city: int
    county: int
    token: str = ""


# ---------------------------------------------------------------- the data


def _regions(size: Size) -> tuple[list[int], list[int], dict[int, int]]:
    """The province, its cities and their counties: (city ids, county ids, city of each county). The
    migration made the install's province and first city; the others are added."""
    province = db.session.scalar(sa.select(Province).order_by(Province.id).limit(1))
    if province is None:
        province = Province(name="基准省", org_name="基准省学生资助管理中心", position=1)
        db.session.add(province)
        db.session.flush()
    have = db.session.scalar(sa.select(sa.func.count()).select_from(City)) or 0
    if size.cities > have:
        db.session.execute(sa.insert(City), [
            {"province_id": province.id, "name": f"基准{c:02d}市", "org_name": f"基准{c:02d}市学生资助管理中心",
             "position": c + 1} for c in range(have, size.cities)])
    cities = list(db.session.scalars(sa.select(City.id).order_by(City.position, City.id)))[:size.cities]
    db.session.execute(sa.insert(County), [
        {"city_id": city, "name": f"基准{c:02d}市{k:02d}县", "position": k}
        for c, city in enumerate(cities) for k in range(size.counties_per_city)])
    rows = db.session.execute(sa.select(County.id, County.city_id).order_by(County.id)).all()
    return cities, [r.id for r in rows], {r.id: r.city_id for r in rows}


def _users(cities: list[int], counties: list[int]) -> dict[str, User]:
    users = {
        "admin": User(username=USERS["admin"], display_name="管理员", role=Role.ADMIN),
        "province": User(username=USERS["province"], display_name="省中心", role=Role.SUPERVISOR),
        "city": User(username=USERS["city"], display_name="市中心", role=Role.SUPERVISOR, city_id=cities[0]),
        "county": User(username=USERS["county"], display_name="县中心", role=Role.SUPERVISOR,
                       city_id=cities[0], county_id=counties[0]),
    }
    for n, city in enumerate(cities):
        users[f"inspector{n}"] = User(username=f"bench_insp{n}", display_name=f"检查员{n}", role=Role.INSPECTOR,
                                      city_id=city)
    for user in users.values():
        user.set_password(PASSWORD)
        db.session.add(user)
    db.session.flush()
    return users


def _campaigns(version_id: int, cities: list[int], today: date) -> list[Campaign]:
    """One province campaign across every city, then one campaign per city."""
    common = {"term": "2026年秋季学期", "checklist_version_id": version_id, "status": "active",
              "default_due_on": today + timedelta(days=30), "starts_on": today - timedelta(days=60),
              "ends_on": today + timedelta(days=10), "cross_county": True}
    campaigns = [Campaign(code="PROV", name="全省学生资助交叉检查", **common)]
    campaigns += [Campaign(code=f"CITY{n:02d}", name=f"基准{n:02d}市交叉检查", city_id=city, **common)
                  for n, city in enumerate(cities)]
    db.session.add_all(campaigns)
    db.session.flush()
    return campaigns


def _visits(rnd: random.Random, campaigns: list[Campaign], schools: list[tuple[int, int]],
            city_of: dict[int, int], version_id: int, now: datetime) -> None:
    """The province campaign visits a fifth of the schools, every city campaign most of its own."""
    province, by_city = campaigns[0], {c.city_id: c for c in campaigns[1:]}
    rows = []
    for n, (school, county) in enumerate(schools):
        owners = [province] if n % 5 == 0 else []
        if n % 5 != 4:
            owners.append(by_city[city_of[county]])
        for campaign in owners:
            inspected = rnd.random() < 0.85
            state = rnd.choice(INSPECTED_STATES if inspected else OPEN_STATES)
            rows.append({"uuid": f"00000000-0000-4000-8{campaign.id:03d}-{school:012d}", "campaign_id": campaign.id,
                         "school_id": school, "checklist_version_id": version_id, "status": state,
                         "planned_on": now.date(), "created_at": now, "updated_at": now})
    db.session.execute(sa.insert(Visit), rows)


def _findings(n_findings: int, assessed: list[t.Any], now: datetime) -> None:
    """Confirmed findings spread over the inspected visits, at most one per checklist item and visit."""
    visits = db.session.execute(sa.select(Visit.id, Visit.campaign_id, Visit.school_id)
                                .where(Visit.status.in_(["approved", "submitted"])).order_by(Visit.id)).all()
    if n_findings > len(visits) * len(assessed):
        raise SystemExit(f"{n_findings} findings do not fit on {len(visits)} visits")
    rows = []
    for n in range(n_findings):
        visit = visits[n % len(visits)]
        item = assessed[(n // len(visits)) % len(assessed)]
        rows.append({"visit_id": visit.id, "campaign_id": visit.campaign_id, "school_id": visit.school_id,
                     "item_id": item.id, "answer_value": "no", "description": f"问题{n}：{item.name}不符合要求",
                     "severity": item.severity.value, "status": "confirmed", "created_at": now, "updated_at": now})
        if len(rows) == 20_000:
            db.session.execute(sa.insert(Finding), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Finding), rows)


def _rectifications(rnd: random.Random, now: datetime, today: date) -> None:
    """A rectification per finding in every state, some overdue; an extension asked on every 50th open one."""
    findings = db.session.scalars(sa.select(Finding.id).order_by(Finding.id)).all()
    rows = []
    for n, finding in enumerate(findings):
        state = RECT_STATES[n % len(RECT_STATES)]
        opened = today - timedelta(days=rnd.randint(10, 120))
        rows.append({"finding_id": finding, "status": state, "opened_on": opened,
                     "due_on": today + timedelta(days=rnd.randint(-40, 40)),
                     "closed_on": opened + timedelta(days=rnd.randint(1, 60)) if state == "closed" else None,
                     "responsible_unit": "学校", "created_at": now, "updated_at": now})
    for start in range(0, len(rows), 20_000):
        db.session.execute(sa.insert(Rectification), rows[start:start + 20_000])
    open_rects = db.session.execute(sa.select(Rectification.id, Rectification.due_on)
                                    .where(Rectification.status != "closed").order_by(Rectification.id)).all()
    extensions = [{"rectification_id": rid, "status": "pending", "reason": "需要更多时间", "current_due_on": due,
                   "proposed_due_on": due + timedelta(days=14), "requested_at": now} for rid, due in open_rects[::50]]
    if extensions:  # an empty list would insert one row of defaults
        db.session.execute(sa.insert(ExtensionRequest), extensions)


def build(app: Flask, size: Size) -> Ids:
    """Fill an empty, migrated database with a province of ``size``."""
    rnd = random.Random(19)
    now = datetime.now(UTC)
    today = local_today()
    with app.app_context():
        cities, counties, city_of = _regions(size)
        db.session.execute(sa.insert(School), [
            {"code": f"{6100000000 + i}", "name": f"学校{i:05d}", "county_id": counties[i % len(counties)],
             "level": LEVELS[i % len(LEVELS)], "active": True, "created_at": now, "updated_at": now}
            for i in range(size.schools)])
        users = _users(cities, counties)
        path = Path(app.config["FORMS_DIR"]) / "student_aid_cross_check.md"
        version, _ = checklists.import_checklist(path.read_bytes(), filename=path.name, actor=None, publish=True)
        assessed = [i for i in version.items if i.fail_values]
        campaigns = _campaigns(version.id, cities, today)
        schools = db.session.execute(sa.select(School.id, School.county_id).order_by(School.id)).all()
        _visits(rnd, campaigns, [(s.id, s.county_id) for s in schools], city_of, version.id, now)
        visits = db.session.execute(sa.select(Visit.id, School.county_id).join(School)).all()
        # Each city's visits are led by an inspector of the next city: nobody inspects their own city.
        leader = {city: users[f"inspector{(n + 1) % len(cities)}"].id for n, city in enumerate(cities)}
        db.session.execute(sa.insert(VisitInspector), [
            {"visit_id": v.id, "user_id": leader[city_of[v.county_id]], "is_leader": True} for v in visits])
        _findings(size.findings, assessed, now)
        _rectifications(rnd, now, today)
        _, token = auth_services.issue_token(users["province"], name="bench", actor=None)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # The planner's statistics, as autovacuum gathers them soon after a bulk load.
            with db.engine.connect() as conn:
                conn.execute(sa.text("ANALYZE"))
        return Ids(province_campaign=campaigns[0].id, city=cities[0], county=counties[0], token=token)


# ---------------------------------------------------------------- the pages

Page = tuple[str, str, str]  # who, label, url


def pages(ids: Ids) -> list[Page]:
    city, county = ids.city, ids.county
    lists = ["/visits/", "/findings/", "/rectification/", "/schools/", "/campaigns/"]
    return [
        ("province", "", "/overview/regions"),
        ("province", "", f"/overview/regions?city={city}"),
        ("province", "", f"/overview/regions?county={county}"),
        ("province", "", f"/overview/regions?campaign={ids.province_campaign}"),
        ("province", "", "/overview"),
        *[("province", "", url) for url in lists],
        ("province", "", f"/visits/?city={city}"),
        ("province", "", f"/findings/?city={city}"),
        ("province", "", f"/rectification/?city={city}"),
        ("province", "", f"/rectification/?city={city}&overdue=1"),
        ("province", "", f"/campaigns/?city={city}"),
        ("province", "", "/submissions/province"),
        ("province", "", "/submissions/province?kind=investigation"),
        ("province", "token", "/api/v1/data/findings?limit=100"),
        ("city", "", "/overview/regions"),
        ("city", "", f"/overview/regions?county={county}"),
        ("city", "", "/overview"),
        *[("city", "", url) for url in lists],
        ("city", "", "/rectification/?overdue=1"),
        ("city", "", f"/submissions/cities/{city}"),
    ]


Row = tuple[str, int, float]  # label, statements, median seconds


def measure(app: Flask, ids: Ids, repeat: int) -> tuple[list[Row], float]:
    """Each page's statements and median time, and the median time of ``/healthz`` by the same clients."""
    clients = {}
    for who in ("province", "city"):
        client = app.test_client()
        response = client.post("/auth/login", data={"username": USERS[who], "password": PASSWORD})
        assert response.status_code == 302, (who, response.status_code)
        clients[who] = client
    clients["token"] = app.test_client()  # another system: the token alone, no session
    logging.getLogger("inspect_app.requests").setLevel(logging.WARNING)
    statements = Statements(app)
    bearer = {"Authorization": f"Bearer {ids.token}", "Accept": "application/json"}

    def timed(who: str, url: str, headers: dict[str, str] | None = None) -> tuple[int, float]:
        client = clients[who]
        warm = client.get(url, headers=headers)  # warm-up
        assert warm.status_code == 200, (who, url, warm.status_code, warm.text[:300])
        times, count = [], 0
        for _ in range(repeat):
            statements.count = 0
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append(time.perf_counter() - start)
            count = statements.count
            assert response.status_code == 200, (who, url, response.status_code)
        return count, statistics.median(times)

    rows = []
    with statements.listening():
        baseline = statistics.median(timed(who, "/healthz")[1] for who in ("province", "city"))
        for who, how, url in pages(ids):
            count, seconds = timed(how or who, url, bearer if how == "token" else None)
            rows.append((f"{who:8} {url}", count, seconds))
    return rows, baseline


# ---------------------------------------------------------------- the 通报


def child_provincial(config: dict[str, str], out: str) -> dict[str, float]:
    """Build the province campaign's 通报 into ``out`` twice in this fresh process (cold, then warm)."""
    from inspect_app.reports import services

    app = make_app(config)
    times = []
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code == "PROV"))
        request = services.ReportRequest("provincial", (campaign,))
        rss_before = peak_rss_mb()
        for _run in range(2):
            start = time.perf_counter()
            with open(out, "wb") as fh:
                services.write(request, fh, issue=False)
            times.append(time.perf_counter() - start)
    return {"seconds": times[0], "warm": times[1], "rss": peak_rss_mb(), "rss_before": rss_before}


def time_report(url: str, workdir: Path) -> None:
    import json

    config = {"url": url, "uploads": str(workdir / "uploads")}
    out = workdir / "provincial.docx"
    run = in_child(child_provincial, config, str(out))
    content = workdir / "content.json"
    content.write_text(json.dumps({"blocks": report_content(out), "photos": []}))
    bare = in_child(child_baseline, str(content), str(workdir / "bare.docx"))
    print(f"\n通报 (provincial, province campaign): {run['seconds']:.2f} s cold, {run['warm']:.2f} s warm, "
          f"peak RSS {run['rss']:.0f} MB (at start {run['rss_before']:.0f} MB), {out.stat().st_size // 1024} KB")
    print(f"bare python-docx, same paragraphs and tables: {bare['seconds']:.3f} s cold, {bare['warm']:.3f} s warm, "
          f"peak RSS {bare['rss']:.0f} MB -> 通报 / bare = {run['seconds'] / bare['seconds']:.0f}× cold, "
          f"{run['warm'] / bare['warm']:.0f}× warm")
    verdict = "under" if run["seconds"] < 60 and run["rss"] < 500 else "OVER"
    print(f"通报 {verdict} 60 s and 500 MB")


# ---------------------------------------------------------------- the run


def run(size: Size, args: argparse.Namespace, workdir: Path, name: str, repeat: int) -> tuple[list[Row], float]:
    app = fresh_app(args.database_url, workdir, name)
    start = time.perf_counter()
    ids = build(app, size)
    print(f"  built {size} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return measure(app, ids, repeat)


def table(small: list[Row], full: list[Row], baseline: float, sizes: tuple[Size, Size]) -> bool:
    width = max(len(label) for label, _n, _s in full)
    print(f"small: {sizes[0]}\nfull:  {sizes[1]}\nbaseline /healthz: {baseline * 1000:.2f} ms (median, same run)\n")
    print(f"{'page':{width}} {'SQL small':>9} {'SQL full':>8} {'flat':>5} {'s (full)':>9} {'× healthz':>10}")
    flat = slow = True
    for (label, q_small, _s), (_label, q_full, seconds) in zip(small, full, strict=True):
        flat &= q_small == q_full
        slow &= seconds < 1
        print(f"{label:{width}} {q_small:9d} {q_full:8d} {'yes' if q_small == q_full else 'NO':>5} "
              f"{seconds:9.3f} {seconds / baseline:10.0f}{'' if seconds < 1 else '  <- over 1 s'}")
    print("\nSQL statement counts flat as the data grows" if flat else "\nSQL STATEMENT COUNTS GROW WITH THE DATA")
    print("every page under 1 s at full size" if slow else "SOME PAGES TAKE OVER 1 s AT FULL SIZE")
    return flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=10)
    parser.add_argument("--counties-per-city", type=int, default=10)
    parser.add_argument("--schools", type=int, default=10_000)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--scale-down", type=int, default=10, help="The small data set: every figure divided by this.")
    parser.add_argument("--repeat", type=int, default=5, help="Timed requests per page at full size (the median).")
    parser.add_argument("--no-report", action="store_true", help="Do not build the 通报.")
    parser.add_argument("--database-url", default="",
                        help="Use this PostgreSQL database instead of SQLite; its public schema is dropped!")
    args = parser.parse_args()
    full = Size(args.cities, args.counties_per_city, args.schools, args.findings)
    small = full.scaled(args.scale_down)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        small_rows, _ = run(small, args, workdir, "province-small", 1)
        full_rows, baseline = run(full, args, workdir, "province-full", args.repeat)
        flat = table(small_rows, full_rows, baseline, (small, full))
        if not args.no_report:
            time_report(args.database_url or f"sqlite:///{workdir / 'province-full.sqlite3'}", workdir)
    sys.exit(0 if flat else 1)


if __name__ == "__main__":
    main()
