"""CSRF protection, switched on: every POST route refuses a request without the token.

The other tests run with CSRF off; here it is on for the whole module. Each POST route is tried
by a user who may otherwise use it (the "allowed" cells of the permission table), with a body
that would otherwise be accepted, and must answer 400 and change nothing.
"""

from __future__ import annotations

import re
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import gettext

from inspect_app.auth.models import User
from inspect_app.campaigns.models import Campaign
from inspect_app.extensions import db
from inspect_app.visits.models import Answer
from tests.fixtures import PASSWORD
from tests.fixtures import World
from tests.test_permissions import POST_EXPECTED
from tests.test_permissions import ROLES
from tests.test_permissions import A
from tests.test_permissions import build_scene
from tests.test_permissions import build_urls
from tests.test_permissions import changes
from tests.test_permissions import logins
from tests.test_permissions import post_data
from tests.test_permissions import snapshot
from tests.test_permissions import table_row

pytestmark = pytest.mark.config(WTF_CSRF_ENABLED=True)

TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')
JSON = {"Accept": "application/json"}
# Who sends each POST route: the first role the permission table allows, logged in if possible.
ACTOR_OVERRIDE = {"auth.login": "anonymous"}


def page_token(html: str, form_id: str | None = None) -> str:
    """The csrf_token hidden input of the page (of the form with ``form_id``, if given)."""
    if form_id is not None:
        html = html[html.index(f'id="{form_id}"'):]
    match = TOKEN.search(html)
    assert match, "no csrf_token input on the page"
    return match.group(1)


def login(app: Flask, username: str) -> FlaskClient:
    """Log in as a browser does: fetch the form, send it back with its token."""
    client = app.test_client()
    token = page_token(client.get("/auth/login").get_data(as_text=True))
    data = {"username": username, "password": PASSWORD, "csrf_token": token}
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302 and response.location == "/", response.get_data(as_text=True)[:500]
    return client


def csrf_message(app: Flask) -> str:
    with app.test_request_context():
        return gettext("The form has expired or was not sent from this site. Reload the page and try again.")


def actor(case: str) -> str:
    if case in ACTOR_OVERRIDE:
        return ACTOR_OVERRIDE[case]
    allowed = [role for role, expected in table_row(POST_EXPECTED, case).items() if expected == A]
    return next(role for role in allowed if role != "anonymous")


def test_logging_in_needs_the_token_of_this_session(app: Flask, world: World) -> None:
    client = app.test_client()
    credentials = {"username": world.admin.username, "password": PASSWORD}
    before = snapshot(app)

    refused = client.post("/auth/login", data=credentials)
    assert refused.status_code == 400
    assert csrf_message(app) in refused.get_data(as_text=True)
    # A token from another browser's session is no good either.
    other = app.test_client()
    foreign = page_token(other.get("/auth/login").get_data(as_text=True))
    assert client.post("/auth/login", data={**credentials, "csrf_token": foreign}).status_code == 400
    assert client.post("/auth/login", data={**credentials, "csrf_token": "forged"}).status_code == 400
    assert client.get("/").location.startswith("/auth/login")
    assert changes(before, snapshot(app)) == []

    token = page_token(client.get("/auth/login").get_data(as_text=True))
    accepted = client.post("/auth/login", data={**credentials, "csrf_token": token})
    assert accepted.status_code == 302 and accepted.location == "/"
    assert client.get("/overview").status_code == 200


def test_every_post_route_refuses_a_request_without_the_token(
        app: Flask, world: World, make_user: t.Callable[..., User], make_campaign: t.Callable[..., Campaign],
) -> None:
    scene = build_scene(app, world, make_user, make_campaign)
    urls = build_urls(app, scene, POST_EXPECTED)
    names = logins(world)
    actors = {case: actor(case) for case in POST_EXPECTED}
    assert set(actors.values()) <= set(ROLES)
    clients = {role: app.test_client() if role == "anonymous" else login(app, names[role])
               for role in sorted(set(actors.values()))}
    message = csrf_message(app)
    baseline = snapshot(app)
    wrong = []
    for case in sorted(POST_EXPECTED):
        client = clients[actors[case]]
        page = client.post(urls[case], data=post_data(scene, case))
        refusal = {"error": message, "code": "csrf", "details": []}
        page_ok = page.status_code == 400 and (message in page.get_data(as_text=True) or case.startswith("api.")
                                               and page.is_json and page.json == refusal)
        api = client.post(urls[case], data=post_data(scene, case), headers=JSON)
        api_ok = api.status_code == 400 and api.is_json and api.json == refusal
        after = snapshot(app)
        changed = changes(baseline, after)
        if not (page_ok and api_ok) or changed:
            who = actors[case]
            wrong.append(f"POST {case:34} as {who:24} form {page.status_code}, JSON {api.status_code}"
                         + (f", changed: {', '.join(changed)}" if changed else ""))
            baseline = after
    assert not wrong, f"{len(wrong)} POST(s) without a CSRF token were not refused:\n" + "\n".join(wrong)
    # Refused requests end nobody's session.
    for role, client in clients.items():
        if role != "anonymous":
            assert not client.get("/").location.startswith("/auth/login"), role


def test_the_sync_api_takes_the_token_it_hands_out_and_offline_copies_carry_none(app: Flask, world: World) -> None:
    item = next(i for i in world.visit.checklist_version.items if i.name == "S1_1")
    visit_id, item_id, key = world.visit.id, item.id, world.visit.uuid
    client = login(app, world.inspector.username)
    url = f"/api/v1/visits/{key}/ops"

    def saved() -> str | None:
        with app.app_context():
            return db.session.scalar(sa.select(Answer.value).where(Answer.visit_id == visit_id,
                                                                   Answer.item_id == item_id))

    body = {"ops": [{"op_id": "3e2f1a0b-9c8d-4e7f-8a6b-5c4d3e2f1a0b", "type": "answer", "item_id": item_id,
                     "value": "no", "note": "未成立", "base_rev": 0}]}
    for headers in (JSON, {**JSON, "X-CSRFToken": "forged"}):
        refused = client.post(url, json=body, headers={**headers, "Idempotency-Key": "k1"})
        assert refused.status_code == 400
        assert refused.json == {"error": csrf_message(app), "code": "csrf", "details": []}
    assert saved() is None

    token = client.get("/api/v1/csrf").json["csrf_token"]
    response = client.post(url, json=body, headers={**JSON, "X-CSRFToken": token, "Idempotency-Key": "k1"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["results"][0]["status"] == "applied"
    assert saved() == "no"

    # The copy a tablet keeps for offline use has no token that could expire unseen; the page has.
    assert TOKEN.search(client.get(f"/visits/{visit_id}").get_data(as_text=True))
    copy = client.get(f"/visits/{visit_id}", headers={"X-Offline-Copy": "1"}).get_data(as_text=True)
    assert 'name="csrf_token" value=""' in copy and not TOKEN.search(copy)


def test_a_form_posted_with_the_token_of_its_page_works(app: Flask, world: World) -> None:
    client = login(app, world.viewer.username)
    page = client.get("/overview").get_data(as_text=True)
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/overview").status_code == 200
    response = client.post("/auth/logout", data={"csrf_token": page_token(page)})
    assert response.status_code == 302 and response.location == "/auth/login"
    assert client.get("/overview").location.startswith("/auth/login")


@pytest.mark.parametrize("path", ["/auth/users/new", "/schools/import", "/campaigns/new"])
def test_a_form_page_opens_with_its_token_before_anything_is_sent(app: Flask, world: World, path: str) -> None:
    client = login(app, world.admin.username)
    response = client.get(path)
    assert response.status_code == 200
    assert page_token(response.get_data(as_text=True))
