"""Lists that grow with the data come in pages: page 1's rows and a link to page 2, a bounded number of SQL
statements however many rows there are, and a page number out of range never an error."""

from __future__ import annotations

import re
import typing as t
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from inspect_app.auth.models import Role
from inspect_app.extensions import db

if t.TYPE_CHECKING:
    from tests.fixtures import Auth
    from tests.fixtures import World

pytestmark = pytest.mark.config(PAGE_SIZE=3)


def statements_of(app: Flask, client: FlaskClient, url: str) -> tuple[int, str]:
    """The number of SQL statements run to answer ``url``, and the page."""
    seen: list[str] = []

    def count(*args: t.Any) -> None:
        seen.append(args[2])

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return len(seen), response.text


def page_links(page: str) -> list[str]:
    nav = re.search(r'<nav class="pager".*?</nav>', page, re.S)
    return re.findall(r'href="([^"]*page=\d+[^"]*)"', nav.group(0)) if nav else []


def assert_paged(app: Flask, client: FlaskClient, url: str, grow: Callable[[], None], names: Callable[[], list[str]],
                 ) -> None:
    """``url`` shows the first rows (``names()``, in the list's order) and links to page 2; ``grow()`` adds
    rows, and the page still takes as many statements; page numbers out of range answer without error."""
    before, page = statements_of(app, client, url)
    first, rest = names()[:3], names()[3:]
    assert rest, "the list must hold more rows than a page"
    assert all(name in page for name in first) and not any(name in page for name in rest)
    assert any("page=2" in link for link in page_links(page))
    assert "page=2" in client.get(url).text

    grow()
    db.session.commit()
    after, _ = statements_of(app, client, url)
    assert after == before

    second = client.get(url + ("&" if "?" in url else "?") + "page=2")
    assert second.status_code == 200 and any(name in second.text for name in names()[3:6])
    for odd in ("0", "-1", "abc", "99999", str(2**70)):
        response = client.get(url + ("&" if "?" in url else "?") + f"page={odd}")
        assert response.status_code in (200, 404), odd


def test_my_visits_come_in_pages(app: Flask, world: World, client: FlaskClient, auth: Auth,
                                 make_school: t.Any, make_campaign: t.Any) -> None:
    from inspect_app.visits import services

    def add_campaign(n: int) -> None:
        schools = [make_school(world.away) for _ in range(n)]
        make_campaign(world.supervisor, schools=schools, inspectors=[world.inspector], start=True)

    add_campaign(3)
    db.session.commit()
    auth.login(world.inspector)
    assert_paged(app, client, "/visits/mine", lambda: add_campaign(4),
                 lambda: [v.school.name for v in services.inspector_visits(world.inspector)])


def test_accounts_come_in_pages(app: Flask, world: World, client: FlaskClient, auth: Auth,
                                make_user: t.Any, make_school: t.Any) -> None:
    from inspect_app.auth.models import User

    def add_users() -> None:
        for _ in range(3):
            make_user(Role.SCHOOL, school=make_school(world.away))
            make_user(Role.SUPERVISOR, county=world.home)

    auth.login(world.admin)
    order = sa.select(User.username).order_by(User.role, User.username)
    assert_paged(app, client, "/auth/users", add_users,
                 lambda: [f"<td>{name}</td>" for name in db.session.scalars(order)])


def test_a_schools_rectification_comes_in_pages_with_every_campaigns_documents(
        app: Flask, world: World, client: FlaskClient, auth: Auth, make_rects: t.Any) -> None:
    from inspect_app.rectification import services

    def add_rects() -> None:
        make_rects(world.school, world.supervisor, items=("S1_1", "S1_2", "S2_1"))

    add_rects()
    add_rects()
    db.session.commit()
    auth.login(world.school_contact)
    assert_paged(app, client, "/rectification/mine", add_rects,
                 lambda: [f">{r.finding.reference}</a>"
                          for r in db.session.scalars(services.rectification_query(world.school_contact)).unique()])
    page = client.get("/rectification/mine").text
    assert page.count("/notice.docx") == page.count("/school-report.docx") == 3  # one card per campaign


def test_campaigns_come_in_pages(app: Flask, world: World, client: FlaskClient, auth: Auth,
                                 make_campaign: t.Any) -> None:
    from inspect_app.campaigns.services import campaign_query

    def add_campaigns() -> None:
        for _ in range(3):
            make_campaign(world.supervisor, schools=[], start=False)

    add_campaigns()
    db.session.commit()
    auth.login(world.supervisor)
    assert_paged(app, client, "/campaigns/", add_campaigns,
                 lambda: [f">{c.code}</a>" for c in db.session.scalars(campaign_query(world.supervisor))])
