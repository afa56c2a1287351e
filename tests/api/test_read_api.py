"""The read API for other systems (/api/v1/data/…): scope per role, pages that walk every row once,
``updated_since``, a change bringing a row back after the cursor, parameters refused as JSON, and a page
read in as many SQL statements whatever its size. Every answer is checked against the OpenAPI document
(conftest.py)."""

from __future__ import annotations

import typing as t
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from inspect_app.api import openapi
from inspect_app.auth import services as auth_services
from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.campaigns.models import Campaign
from inspect_app.campaigns.models import CampaignStatus
from inspect_app.checklists.models import Severity
from inspect_app.db import LOCAL_TZ
from inspect_app.db import frozen_time
from inspect_app.db import utcnow
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.findings.models import Finding
from inspect_app.findings.models import FindingStatus
from inspect_app.findings.permissions import can_view_finding
from inspect_app.findings.permissions import finding_filter
from inspect_app.rectification import services as rect_services
from inspect_app.rectification.models import Rectification
from inspect_app.rectification.models import RectificationStatus
from inspect_app.schools.models import School
from inspect_app.schools.models import SchoolLevel
from inspect_app.visits import services as visit_services
from inspect_app.visits.models import Visit
from inspect_app.visits.models import VisitStatus
from inspect_app.visits.permissions import can_view_visit
from inspect_app.visits.permissions import visit_filter
from tests.fixtures import World
from tests.fixtures import answer_all

COLLECTIONS = ("campaigns", "schools", "visits", "findings", "rectifications")


class Reader:
    """A system reading the API with a personal token of ``user``."""

    def __init__(self, app: Flask, user: User) -> None:
        _, self.token = auth_services.issue_token(user, name="province", actor=None)
        db.session.commit()
        self.client: FlaskClient = app.test_client()

    def get(self, url: str) -> t.Any:
        return self.client.get(url, headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"})

    def rows(self, collection: str, query: str = "") -> list[dict[str, t.Any]]:
        """Every row of a collection, following ``next`` to the end."""
        url: str | None = f"/api/v1/data/{collection}?{query}"
        rows = []
        while url:
            response = self.get(url)
            assert response.status_code == 200, response.json
            rows += response.json["items"]
            url = response.json["next"]
        return rows

    def ids(self, collection: str, query: str = "") -> list[int]:
        return [r["id"] for r in self.rows(collection, query)]


def _inspected(app: Flask, visit: Visit, inspector: User, failing: t.Sequence[str]) -> list[Finding]:
    answer_all(app, visit, inspector, failing={name: f"{name}不符合要求。" for name in failing})
    return visit_services.submit_visit(visit, actor=inspector)


@pytest.fixture
def both_sides(app: Flask, world: World, make_user: t.Callable[..., User],
               make_campaign: t.Callable[..., Campaign]) -> dict[str, t.Any]:
    """A campaign in each county, inspected: at 华州第一小学 (华州区) two findings, one confirmed (with its
    rectification) and one awaiting review; at 临渭第二小学 (临渭区) one confirmed."""
    city_inspector = make_user(Role.INSPECTOR, username="cityinsp")
    due = world.campaign.default_due_on
    first = make_campaign(world.supervisor, schools=[world.school], inspectors=[city_inspector], start=True,
                          code="R1")
    second = make_campaign(world.supervisor, schools=[world.other_school], inspectors=[city_inspector], start=True,
                           code="R2")
    visits = [db.session.scalars(sa.select(Visit).where(Visit.campaign_id == c.id)).one() for c in (first, second)]
    confirmed, raised = _inspected(app, visits[0], city_inspector, ("S1_1", "S2_1"))
    confirmed2, = _inspected(app, visits[1], city_inspector, ("S1_1",))
    rect = finding_services.confirm_finding(confirmed, due_on=due, actor=world.supervisor)
    rect2 = finding_services.confirm_finding(confirmed2, due_on=due, actor=world.supervisor)
    db.session.commit()
    return {"campaigns": (first.id, second.id), "visits": (visits[0].id, visits[1].id),
            "findings": (confirmed.id, raised.id, confirmed2.id), "rects": (rect.id, rect2.id),
            "city_inspector": city_inspector}


def test_each_role_reads_what_the_pages_show_it(app: Flask, world: World, both_sides: dict[str, t.Any]) -> None:
    c1, c2 = both_sides["campaigns"]
    v1, v2 = both_sides["visits"]
    f1, raised, f2 = both_sides["findings"]
    r1, r2 = both_sides["rects"]
    w1 = world.visit.id

    city = Reader(app, world.supervisor)
    assert {c1, c2, world.campaign.id} <= set(city.ids("campaigns"))
    assert set(city.ids("schools")) == {world.school.id, world.other_school.id}
    assert set(city.ids("visits")) == {w1, v1, v2}
    assert set(city.ids("findings")) == {f1, raised, f2}
    assert set(city.ids("rectifications")) == {r1, r2}

    huazhou = Reader(app, world.county_supervisor)
    assert set(huazhou.ids("campaigns")) == {world.campaign.id, c1}
    assert huazhou.ids("schools") == [world.school.id]
    assert set(huazhou.ids("visits")) == {w1, v1}
    assert set(huazhou.ids("findings")) == {f1, raised}
    assert huazhou.ids("rectifications") == [r1]
    assert huazhou.ids("findings", "school=2161020002") == []  # 临渭第二小学: out of scope, not revealed

    linwei = Reader(app, world.other_county_supervisor)
    assert linwei.ids("schools") == [world.other_school.id]
    assert linwei.ids("visits") == [v2] and linwei.ids("findings") == [f2] and linwei.ids("rectifications") == [r2]

    # A school's contact: their school, its confirmed findings and their rectifications; no visits, no campaigns.
    school = Reader(app, world.school_contact)
    assert school.ids("schools") == [world.school.id]
    assert school.ids("findings") == [f1] and school.ids("rectifications") == [r1]
    for forbidden in ("visits", "campaigns"):
        refused = school.get(f"/api/v1/data/{forbidden}")
        assert refused.status_code == 403 and refused.json["code"] == "forbidden"

    # An inspector: the visits assigned to them and what was found there.
    assert Reader(app, world.inspector).ids("visits") == [w1]
    assert Reader(app, world.inspector).ids("findings") == []
    inspector = Reader(app, both_sides["city_inspector"])
    assert set(inspector.ids("visits")) == {v1, v2} and set(inspector.ids("findings")) == {f1, raised, f2}
    assert set(inspector.ids("rectifications")) == {r1, r2}
    for forbidden in ("schools", "campaigns"):
        assert inspector.get(f"/api/v1/data/{forbidden}").status_code == 403

    assert app.test_client().get("/api/v1/data/visits").status_code == 401


def test_the_sql_filters_agree_with_the_checks_on_one_object(world: World, both_sides: dict[str, t.Any]) -> None:
    """visit_filter and finding_filter are the SQL twins of can_view_visit and can_view_finding."""
    users = [u for u in world.by_role().values() if u is not None] + [both_sides["city_inspector"]]
    visits = db.session.scalars(sa.select(Visit)).all()
    findings = db.session.scalars(sa.select(Finding)).all()
    for user in users:
        seen = set(db.session.scalars(sa.select(Visit.id).join(School, School.id == Visit.school_id)
                                      .where(visit_filter(user, School.county_id))))
        assert seen == {v.id for v in visits if can_view_visit(user, v)}, user.username
        seen = set(db.session.scalars(sa.select(Finding.id).join(School, School.id == Finding.school_id)
                                      .where(finding_filter(user, School.county_id))))
        assert seen == {f.id for f in findings if can_view_finding(user, f)}, user.username


def test_rows_carry_states_dates_scores_and_references(app: Flask, world: World,
                                                       both_sides: dict[str, t.Any]) -> None:
    reader = Reader(app, world.admin)
    f1, raised, _f2 = both_sides["findings"]
    r1, _r2 = both_sides["rects"]
    visit = next(v for v in reader.rows("visits") if v["id"] == both_sides["visits"][0])
    assert visit["status"] == {"code": "submitted", "label": VisitStatus.SUBMITTED.label}
    assert visit["submitted_at"].endswith("Z") and visit["score"]["full_marks"]
    assert visit["score"]["failed"] == 2 and visit["score"]["sections"]
    finding = next(f for f in reader.rows("findings") if f["id"] == f1)
    assert finding["status"]["code"] == "confirmed" and finding["severity"]["code"] in {s.value for s in Severity}
    assert finding["school"]["code"] == "2161030001" and finding["campaign"]["code"] == "R1"
    assert finding["item"] == "S1_1" and finding["section"]["name"] and finding["rectification_id"] == r1
    assert reader.ids("findings", "status=raised") == [raised]
    assert reader.ids("findings", "campaign=R2&status=confirmed") == [both_sides["findings"][2]]
    rect = next(r for r in reader.rows("rectifications") if r["id"] == r1)
    assert rect["status"]["code"] == "not_started" and rect["overdue"] is False and rect["closed_on"] is None
    assert rect["due_on"] == world.campaign.default_due_on.isoformat()
    assert datetime.fromisoformat(rect["updated_at"]).tzinfo is not None

    # Overdue is the model's own rule (Rectification.overdue_on), in the rows and in the filter alike.
    row = db.session.get(Rectification, r1)
    assert row is not None
    row.due_on = row.due_on - timedelta(days=365)
    db.session.commit()
    assert reader.ids("rectifications", "overdue=true") == [r1]
    assert r1 not in reader.ids("rectifications", "overdue=false")
    assert next(r for r in reader.rows("rectifications") if r["id"] == r1)["overdue"] is True

    # A resident ID number written into a finding never leaves masked only in part.
    row_finding = db.session.get(Finding, f1)
    assert row_finding is not None
    row_finding.description = "学生610502200801014309未享受资助"
    db.session.commit()
    text = str(reader.get("/api/v1/data/findings").json)
    assert "610502200801014309" not in text and "6105**********4309" in text


def test_pages_walk_every_row_once_and_updated_since_keeps_the_later_ones(
        app: Flask, world: World, make_school: t.Callable[..., School]) -> None:
    # Later than the world's own rows (which the clock made just now), on the minute.
    start = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
    made = []
    for n in range(7):
        # Three schools share each moment: the id orders rows with the same updated_at.
        with frozen_time(start + timedelta(minutes=n // 3)):
            made.append(make_school(world.away, level=SchoolLevel.JUNIOR).id)
    db.session.commit()
    reader = Reader(app, world.admin)
    every = [world.school.id, world.other_school.id, *made]
    for limit in (1, 2, 3, 100):
        walked = reader.ids("schools", f"limit={limit}")
        assert sorted(walked) == sorted(every) and len(walked) == len(set(walked)), limit
    first = reader.get("/api/v1/data/schools?limit=2").json
    assert len(first["items"]) == 2 and first["limit"] == 2 and "cursor=" in first["next"]
    assert "limit=2" in first["next"]

    since = (start + timedelta(minutes=1)).isoformat()
    later = reader.ids("schools", f"updated_since={since.replace('+00:00', 'Z')}&limit=2")
    assert later == made[3:]
    shanghai = (start + timedelta(minutes=1)).astimezone(LOCAL_TZ).isoformat()
    assert "+08:00" in shanghai
    assert reader.ids("schools", f"updated_since={shanghai.replace('+', '%2B')}") == made[3:]
    last = reader.get("/api/v1/data/schools?updated_since=2099-01-01T00:00:00Z").json
    assert last == {"items": [], "limit": 100, "next_cursor": None, "next": None}


def test_a_change_bumps_updated_at_and_the_row_comes_again_after_the_cursor(
        app: Flask, world: World, both_sides: dict[str, t.Any]) -> None:
    r1, r2 = both_sides["rects"]
    reader = Reader(app, world.admin)
    page = reader.get("/api/v1/data/rectifications?limit=1").json
    walked = [r["id"] for r in page["items"]]
    page = reader.get(page["next"]).json
    walked += [r["id"] for r in page["items"]]
    assert sorted(walked) == sorted((r1, r2)) and page["next"] is None
    # A client keeps the last row it saw: its updated_at and a cursor made from it, as any page gives.
    stamp = page["items"][-1]["updated_at"]
    until_now = reader.get(f"/api/v1/data/rectifications?updated_since={stamp}").json["items"]
    assert [r["id"] for r in until_now] == [walked[-1]]

    first = db.session.get(Rectification, walked[0])
    assert first is not None
    before = first.updated_at
    rect_services.save_measures(first, measures="已成立领导小组", actor=world.school_contact)
    db.session.commit()
    assert first.status == RectificationStatus.IN_PROGRESS and first.updated_at > before
    again = reader.rows("rectifications", f"updated_since={stamp}")
    assert [r["id"] for r in again][-1] == walked[0]
    assert again[-1]["status"]["code"] == "in_progress" and again[-1]["updated_at"] > stamp


@pytest.mark.parametrize(("query", "parameter"), [
    ("limit=0", "limit"), ("limit=501", "limit"), ("limit=abc", "limit"), ("limit=99999999999999999999", "limit"),
    ("cursor=not-a-cursor", "cursor"), ("cursor=" + "A" * 300, "cursor"),
    ("updated_since=yesterday", "updated_since"), ("updated_since=2026-11-27T08:00:00", "updated_since"),
    ("updated_since=0001-01-01T00:00:00%2B14:00", "updated_since"),
    ("status=lost", "status"), ("overdue=maybe", "overdue"), ("campaign=" + "x" * 65, "campaign"),
    ("school=", "school"),
])
def test_bad_parameters_get_400_json_naming_them(app: Flask, world: World, query: str, parameter: str) -> None:
    reader = Reader(app, world.admin)
    response = reader.get(f"/api/v1/data/rectifications?{query}&lang=en")
    assert response.status_code == 400
    assert response.json["code"] == "invalid" and response.json["details"] == [parameter]
    assert f"“{parameter}”" in response.json["error"]


def test_errors_and_labels_come_in_the_callers_language(app: Flask, world: World) -> None:
    reader = Reader(app, world.admin)
    refused = reader.get("/api/v1/data/visits?updated_since=yesterday")  # Chinese is the default language
    assert refused.status_code == 400 and "“updated_since”" in refused.json["error"]
    assert "不是" in refused.json["error"]
    visit = reader.get("/api/v1/data/visits").json["items"][0]
    assert visit["status"] == {"code": "planned", "label": "待检查"}
    english = reader.get("/api/v1/data/visits?lang=en").json["items"][0]
    assert english["status"] == {"code": "planned", "label": "Planned"}


def _statements(app: Flask, reader: Reader, url: str) -> int:
    seen: list[str] = []

    def count(*args: t.Any) -> None:
        seen.append(args[2])

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = reader.get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.json
    return len(seen)


def test_a_page_takes_as_many_statements_for_10_rows_as_for_50(
        app: Flask, world: World, make_school: t.Callable[..., School], make_user: t.Callable[..., User],
        make_campaign: t.Callable[..., Campaign]) -> None:
    schools = [make_school(world.away if n % 2 else world.home) for n in range(50)]
    inspector = make_user(Role.INSPECTOR, username="manyinsp")
    campaign = make_campaign(world.supervisor, schools=schools, inspectors=[inspector], start=True, code="BIG")
    visits = db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id).order_by(Visit.id)).all()
    for visit in visits[:17]:
        for finding in _inspected(app, visit, inspector, ("S1_1", "S1_2", "S2_1")):
            finding_services.confirm_finding(finding, due_on=campaign.default_due_on, actor=world.supervisor)
    db.session.commit()
    more = [make_campaign(world.supervisor, code=f"C{n}") for n in range(50)]
    db.session.commit()
    assert len(more) == 50 and db.session.scalar(sa.select(sa.func.count()).select_from(Rectification)) >= 50
    reader = Reader(app, world.admin)
    reader.get("/api/v1/me")  # the token's first use records it; later ones within the hour do not
    for collection in COLLECTIONS:
        small = _statements(app, reader, f"/api/v1/data/{collection}?limit=10")
        large = _statements(app, reader, f"/api/v1/data/{collection}?limit=50")
        assert len(reader.get(f"/api/v1/data/{collection}?limit=50").json["items"]) == 50, collection
        assert small == large, (collection, small, large)


def test_the_document_names_every_state_the_models_know() -> None:
    document = openapi.document("/api/v1")
    schemas = document["components"]["schemas"]
    expected = {"DataCampaign": CampaignStatus, "DataVisit": VisitStatus, "DataFinding": FindingStatus,
                "DataRectification": RectificationStatus, "DataSchool": SchoolLevel}
    for name, enum in expected.items():
        key = "level" if name == "DataSchool" else "status"
        assert schemas[name]["properties"][key]["properties"]["code"]["enum"] == [m.value for m in enum]
    assert schemas["DataFinding"]["properties"]["severity"]["properties"]["code"]["enum"] == [
        m.value for m in Severity]
    for path in ("/data/campaigns", "/data/schools", "/data/visits", "/data/findings", "/data/rectifications"):
        status = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "status"]
        for parameter in status:
            assert parameter["schema"]["enum"]
