"""Time the campaign planner: 2,000 schools to 100 teams, alone and through the service with a database.

    python bench/bench_planner.py [--schools 2000] [--teams 100] [--counties 11] [--conflicts 200]
                                  [--database-url URL]

The first part times :func:`inspect_app.campaigns.planner.assign` and the day schedule on plain
data; the second builds the same city in a database (SQLite unless a URL is given; it is emptied)
and times ``campaigns assign`` as the command runs it, loading, planning, checking every rule,
writing every visit, inspector row and audit entry. It also times a stratified sample of 2,000
schools from a city of 20,000. Prints the figures; run it by hand, it is not part of the tests.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import typing as t
from collections import Counter
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspect_app import create_app  # noqa: E402
from inspect_app.auth.models import Role  # noqa: E402
from inspect_app.auth.models import User  # noqa: E402
from inspect_app.campaigns import planner  # noqa: E402
from inspect_app.campaigns import sampling  # noqa: E402
from inspect_app.campaigns import services  # noqa: E402
from inspect_app.campaigns.models import Campaign  # noqa: E402
from inspect_app.campaigns.models import ConflictOfInterest  # noqa: E402
from inspect_app.campaigns.models import Team  # noqa: E402
from inspect_app.campaigns.models import TeamMember  # noqa: E402
from inspect_app.checklists import services as checklists  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.schools import regions  # noqa: E402
from inspect_app.schools.models import County  # noqa: E402
from inspect_app.schools.models import School  # noqa: E402
from inspect_app.visits.models import Visit  # noqa: E402

START = date(2027, 3, 1)
LEVELS = ["preschool", "primary", "junior", "senior", "vocational"]


class City:
    """A synthetic city: counties around a centre, schools scattered in them, teams of 2–3 inspectors."""

    def __init__(self, n_schools: int, n_teams: int, n_counties: int, n_conflicts: int, seed: int = 7) -> None:
        rnd = random.Random(seed)
        self.centres = {c: (34.5 + rnd.uniform(-0.6, 0.6), 109.6 + rnd.uniform(-0.8, 0.8))
                        for c in range(1, n_counties + 1)}
        self.schools = []
        for i in range(n_schools):
            county = rnd.randint(1, n_counties)
            lat, lon = self.centres[county]
            located = rnd.random() < 0.9
            self.schools.append(planner.SchoolIn(
                i + 1, county, f"{6100000000 + i}", lat + rnd.uniform(-0.12, 0.12) if located else None,
                lon + rnd.uniform(-0.12, 0.12) if located else None))
        self.members = {t: [rnd.randint(1, n_counties) for _ in range(rnd.choice((2, 2, 3)))]
                        for t in range(1, n_teams + 1)}
        self.conflicts = {t: set() for t in self.members}
        for _ in range(n_conflicts):
            self.conflicts[rnd.randint(1, n_teams)].add(rnd.randint(1, n_schools))

    def teams(self, capacity: int | None) -> list[planner.TeamIn]:
        return [planner.TeamIn(t, frozenset(homes), frozenset(self.conflicts[t]), 0, capacity)
                for t, homes in self.members.items()]


def plan_alone(city: City, per_day: int, days: list[date]) -> None:
    teams = city.teams(per_day * len(days))
    start = time.perf_counter()
    result = planner.assign(city.schools, teams, homes=city.centres)
    assigned = time.perf_counter() - start
    start = time.perf_counter()
    overflow = 0
    for team in teams:
        mine = [s for s in city.schools if result.team_of[s.id] == team.id]
        if isinstance(planner.schedule(planner.day_groups(mine, per_day), days, team_id=team.id), planner.Overflow):
            overflow += 1
    scheduled = time.perf_counter() - start
    loads = Counter(result.team_of.values())
    spread = Counter(len({s.county_id for s in city.schools if result.team_of[s.id] == t}) for t in loads)
    print(f"planner alone: {len(city.schools)} schools, {len(teams)} teams, {len(city.centres)} counties")
    print(f"  assign    {assigned * 1000:8.1f} ms   loads {min(loads.values())}–{max(loads.values())}, "
          f"{result.pairs} class–team pairs, teams by counties visited {dict(sorted(spread.items()))}")
    print(f"  schedule  {scheduled * 1000:8.1f} ms   {per_day} a day on {len(days)} working days, "
          f"{overflow} team(s) short of days")


def build(app: t.Any, city: City, per_day: int) -> int:
    """Write the city into an empty, migrated database with bulk inserts; return the campaign id."""
    now = datetime.now(UTC)
    with app.app_context():
        home = regions.home_city().id
        db.session.execute(sa.insert(County), [{"id": c, "name": f"县{c:02d}", "position": c, "city_id": home}
                                               for c in city.centres])
        db.session.execute(sa.insert(School), [
            {"id": s.id, "code": s.code, "name": f"学校{s.id:05d}", "county_id": s.county_id,
             "level": LEVELS[s.id % 5], "active": True, "created_at": now, "updated_at": now,
             "latitude": Decimal(str(round(s.lat, 6))) if s.lat is not None else None,
             "longitude": Decimal(str(round(s.lon, 6))) if s.lon is not None else None}
            for s in city.schools])
        path = Path(app.config["FORMS_DIR"]) / "student_aid_cross_check.md"
        version, _ = checklists.import_checklist(path.read_bytes(), filename=path.name, actor=None)
        campaign = Campaign(code="BENCH", name="基准测试交叉检查", term="2027年春季学期", checklist_version=version,
                            status="planning", default_due_on=START + timedelta(days=90), starts_on=START,
                            ends_on=START + timedelta(days=40), visits_per_day=per_day, city_id=home)
        db.session.add(campaign)
        db.session.flush()
        users, members, n = [], [], 0
        for t, homes in city.members.items():
            for k, county in enumerate(homes):
                n += 1
                users.append({"id": n, "username": f"bench{n}", "display_name": f"检查员{n}", "password_hash": "x",
                              "role": Role.INSPECTOR.value, "county_id": county, "active": True,
                              "session_token": f"t{n}", "created_at": now, "updated_at": now})
                members.append({"team_id": t, "campaign_id": campaign.id, "user_id": n, "is_leader": k == 0})
        db.session.execute(sa.insert(User), users)
        db.session.execute(sa.insert(Team), [{"id": t, "campaign_id": campaign.id, "name": f"第{t}组", "position": t,
                                              "created_at": now, "updated_at": now} for t in city.members])
        db.session.execute(sa.insert(TeamMember), members)
        leader = {m["team_id"]: m["user_id"] for m in members if m["is_leader"]}
        db.session.execute(sa.insert(ConflictOfInterest), [
            {"user_id": leader[t], "school_id": s, "reason": "亲属", "created_at": now, "updated_at": now}
            for t, schools in city.conflicts.items() for s in schools])
        db.session.execute(sa.insert(Visit), [
            {"uuid": f"00000000-0000-4000-8000-{s.id:012d}", "campaign_id": campaign.id, "school_id": s.id,
             "checklist_version_id": version.id, "status": "planned", "created_at": now, "updated_at": now}
            for s in city.schools])
        db.session.commit()
        return campaign.id


def plan_in_database(city: City, per_day: int, url: str, workdir: Path) -> None:
    from flask_migrate import upgrade

    app = create_app({"DATABASE_URL": url or f"sqlite:///{workdir / 'bench-planner.sqlite3'}", "SECRET_KEY": "bench",
                      "UPLOAD_DIR": str(workdir / "uploads"), "WTF_CSRF_ENABLED": False})
    with app.app_context():
        if url:
            # Everything goes, the audit log's trigger function included.
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
    campaign_id = build(app, city, per_day)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        start = time.perf_counter()
        result = services.auto_assign(campaign, actor=None)
        planned = time.perf_counter() - start
        db.session.commit()
        committed = time.perf_counter() - start
        visits = db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign_id)).all()
        assert all(v.team_id is not None and v.planned_on is not None for v in visits)
        days = max(p.days for p in result.teams)
        backend = db.engine.dialect.name
    print(f"through the service ({backend}): campaigns assign")
    print(f"  plan      {planned * 1000:8.1f} ms   {result.assigned} visits to {len(result.teams)} teams, "
          f"longest schedule {days} days")
    print(f"  + commit  {committed * 1000:8.1f} ms")


def sample_timing(n_population: int, size: int, n_counties: int) -> None:
    rnd = random.Random(3)
    units = [sampling.Unit(i, (rnd.randint(1, n_counties), rnd.choice(LEVELS)), f"{6100000000 + i}")
             for i in range(n_population)]
    start = time.perf_counter()
    sample = sampling.draw(units, size, seed=20270301, minimum=2)
    took = time.perf_counter() - start
    print(f"sampling: {size} of {n_population} schools in {len(sample.populations)} strata "
          f"{took * 1000:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=2_000)
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--counties", type=int, default=11)
    parser.add_argument("--conflicts", type=int, default=200)
    parser.add_argument("--per-day", type=int, default=2)
    parser.add_argument("--database-url", default="",
                        help="Use this PostgreSQL database instead of SQLite; its public schema is dropped!")
    args = parser.parse_args()
    city = City(args.schools, args.teams, args.counties, args.conflicts)
    days = planner.working_days(START, START + timedelta(days=40))
    plan_alone(city, args.per_day, days)
    with tempfile.TemporaryDirectory() as tmp:
        plan_in_database(city, args.per_day, args.database_url, Path(tmp))
    sample_timing(20_000, args.schools, args.counties)


if __name__ == "__main__":
    main()
