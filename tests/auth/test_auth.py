from __future__ import annotations

import pytest
import sqlalchemy as sa

from inspect_app.audit.models import AuditEntry
from inspect_app.auth import services
from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.errors import ServiceError
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db

from ..fixtures import PASSWORD


def test_passwords_are_stored_hashed(world) -> None:
    stored = world.inspector.password_hash
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    assert services.authenticate("insp", PASSWORD) is world.inspector
    assert services.authenticate("insp", "wrong-password") is None
    assert services.authenticate("nobody", PASSWORD) is None


def test_login_redirects_only_within_the_site(world, client) -> None:
    bad = client.post("/auth/login?next=https://evil.example/", data={"username": "insp", "password": PASSWORD})
    assert bad.headers["Location"] == "/"
    client.post("/auth/logout")
    good = client.post("/auth/login?next=/visits/mine", data={"username": "insp", "password": PASSWORD})
    assert good.headers["Location"] == "/visits/mine"


def test_a_wrong_password_keeps_the_user_out(world, client) -> None:
    response = client.post("/auth/login", data={"username": "insp", "password": "nope-nope"})
    assert response.status_code == 200
    assert client.get("/visits/mine").status_code == 302


def test_each_role_lands_on_its_own_start_page(world, auth, client) -> None:
    for user, target in [(world.inspector, "/visits/mine"), (world.school_contact, "/rectification/mine"),
                         (world.supervisor, "/overview"), (world.viewer, "/overview")]:
        auth.login(user)
        assert client.get("/").headers["Location"] == target
        auth.logout()


def test_changing_the_password_ends_other_sessions(world, app) -> None:
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        c.post("/auth/login", data={"username": "insp", "password": PASSWORD})
        assert c.get("/visits/mine").status_code == 200
    response = first.post("/auth/password", data={"current": PASSWORD, "new": "a-new-password",
                                                  "repeat": "a-new-password"})
    assert response.status_code == 302
    assert first.get("/visits/mine").status_code == 200
    assert second.get("/visits/mine").status_code == 302


def test_a_deactivated_account_is_logged_out_and_cannot_log_in(world, app) -> None:
    client = app.test_client()
    client.post("/auth/login", data={"username": "insp", "password": PASSWORD})
    services.set_active(world.inspector, False, actor=world.admin)
    db.session.commit()
    assert client.get("/visits/mine").status_code == 302
    assert client.post("/auth/login", data={"username": "insp", "password": PASSWORD}).status_code == 200
    with pytest.raises(ServiceError):
        services.set_active(world.admin, False, actor=world.admin)


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"username": "ab"}, "ab"),
    ({"username": "insp"}, "insp"),
    ({"password": "short"}, "8"),
    ({"role": Role.SCHOOL}, ""),
])
def test_account_rules(world, kwargs, fragment) -> None:
    args = {"username": "newuser", "role": Role.INSPECTOR, "password": "long-enough-1"} | kwargs
    with pytest.raises(ValidationFailed) as refused:
        services.create_user(args.pop("username"), actor=world.admin, **args)
    assert fragment in refused.value.message


def test_users_create_command_with_county_and_school(world, runner) -> None:
    result = runner.invoke(args=["users", "create", "newinsp", "--role", "inspector", "--county", "华州区",
                                 "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "newinsp"))
    assert user.county_id == world.away.id and user.check_password("long-enough-1")
    school = runner.invoke(args=["users", "create", "contact2", "--role", "school", "--school", "2161030001"],
                           input="long-enough-2\nlong-enough-2\n")
    assert school.exit_code == 0, school.output
    contact = db.session.scalar(sa.select(User).where(User.username == "contact2"))
    assert contact.school_id == world.school.id and contact.county_id == world.away.id
    unknown = runner.invoke(args=["users", "create", "x-user", "--role", "inspector", "--county", "火星县",
                                  "--password", "long-enough-1"])
    assert unknown.exit_code != 0 and "火星县" in unknown.output and "临渭区" in unknown.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "user.create", AuditEntry.actor_name == "system")) >= 2


def test_the_admin_creates_and_deactivates_accounts_in_the_browser(world, auth, client) -> None:
    auth.login(world.admin)
    response = client.post("/auth/users/new", data={
        "username": "newcontact", "display_name": "新联络员", "role": "school", "county_id": "0",
        "school_code": "2161030001", "phone": "", "password": "long-enough-1",
    })
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "newcontact"))
    assert user.school_id == world.school.id
    assert "newcontact" in client.get("/auth/users").text
    client.post(f"/auth/users/{user.id}/active", data={"active": "0"})
    db.session.refresh(user)
    assert not user.active
