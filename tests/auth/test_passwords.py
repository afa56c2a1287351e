"""One password rule for every path; a password an administrator set is changed at first sign-in."""

from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from inspect_app.audit.models import AuditEntry
from inspect_app.auth import passwords
from inspect_app.auth import services
from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.campaigns import importers
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db

from ..fixtures import PASSWORD

STRONG = "river-lamp-42"


@pytest.mark.parametrize("password", ["12345678", "aaaaaaaa", "password", "Password", "password123", "woaini1314",
                                      "qwertyuiop", "abababab", "iloveyou99"])
def test_common_and_guessable_passwords_are_refused(ctx, password) -> None:
    with pytest.raises(ValidationFailed):
        services.validate_password(password)


def test_the_common_password_list_ships_with_the_package(ctx) -> None:
    assert passwords.COMMON_PASSWORDS.is_file()
    assert {"12345678", "password", "qwertyuiop", "woaini1314"} <= passwords.common_passwords()


def test_the_persons_own_words_are_refused(world) -> None:
    for password, kwargs in [("zhangwei-2026", {"username": "zhangwei"}),
                             ("Great-Li-Ming-88", {"display_name": "Li-Ming"}),
                             ("x2161030001y", {"school": world.school})]:
        with pytest.raises(ValidationFailed) as refused:
            services.validate_password(password, **kwargs)
        assert "不得包含" in refused.value.message
    services.validate_password(STRONG, username="zhangwei", display_name="张伟", school=world.school)


def test_create_user_refuses_a_weak_password(world) -> None:
    with pytest.raises(ValidationFailed):
        services.create_user("weakling", role=Role.INSPECTOR, password="12345678", actor=world.admin)
    with pytest.raises(ValidationFailed):
        services.create_user("weakling", role=Role.INSPECTOR, password="weakling-1", actor=world.admin)


def test_the_users_create_command_applies_the_rule(world, runner) -> None:
    weak = runner.invoke(args=["users", "create", "newinsp", "--role", "inspector", "--password", "password"])
    assert weak.exit_code != 0 and "常用" in weak.output
    assert db.session.scalar(sa.select(User).where(User.username == "newinsp")) is None
    ok = runner.invoke(args=["users", "create", "newinsp", "--role", "inspector", "--password", STRONG,
                             "--temporary"])
    assert ok.exit_code == 0, ok.output
    user = db.session.scalar(sa.select(User).where(User.username == "newinsp"))
    assert user.must_change_password


def test_the_password_page_applies_the_rule_beside_the_field(world, auth, client) -> None:
    auth.login(world.inspector)
    response = client.post("/auth/password", data={"current": PASSWORD, "new": "12345678", "repeat": "12345678"})
    assert response.status_code == 200 and "常用" in response.text
    db.session.refresh(world.inspector)
    assert world.inspector.check_password(PASSWORD)
    response = client.post("/auth/password", data={"current": PASSWORD, "new": "insp-insp-insp",
                                                   "repeat": "insp-insp-insp"})
    assert response.status_code == 200 and "不得包含账号" in response.text


def test_the_admins_account_form_applies_the_rule(world, auth, client) -> None:
    auth.login(world.admin)
    data = {"username": "newcontact", "display_name": "新联络员", "role": "school", "county_id": "0",
            "school_code": "2161030001", "phone": ""}
    weak = client.post("/auth/users/new", data={**data, "password": "x2161030001"})
    assert weak.status_code == 200 and "不得包含" in weak.text
    assert db.session.scalar(sa.select(User).where(User.username == "newcontact")) is None
    assert client.post("/auth/users/new", data={**data, "password": STRONG}).status_code == 302


def test_a_password_the_admin_set_must_be_changed_at_first_sign_in(world, auth, client) -> None:
    auth.login(world.admin)
    client.post("/auth/users/new", data={"username": "newinsp", "display_name": "新检查员", "role": "inspector",
                                         "county_id": "0", "school_code": "", "phone": "", "password": STRONG})
    auth.logout()
    user = db.session.scalar(sa.select(User).where(User.username == "newinsp"))
    assert user.must_change_password
    assert auth.login("newinsp", STRONG).status_code == 302
    for path in ("/", "/visits/mine", "/auth/account", "/rosters/"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/auth/password", path
    assert client.get("/api/v1/visits").status_code == 403
    page = client.get("/auth/password")
    assert page.status_code == 200 and "由管理员设置" in page.text
    changed = client.post("/auth/password", data={"current": STRONG, "new": "violet-harbour-7",
                                                  "repeat": "violet-harbour-7"})
    assert changed.status_code == 302
    assert client.get("/visits/mine").status_code == 200
    db.session.refresh(user)
    assert not user.must_change_password


def test_a_user_who_must_change_may_still_log_out(world, auth, client) -> None:
    world.inspector.must_change_password = True
    db.session.commit()
    auth.login(world.inspector)
    assert client.post("/auth/logout").headers["Location"] == "/auth/login"


def test_an_admin_resetting_a_password_makes_it_temporary(world) -> None:
    services.change_password(world.inspector, STRONG, actor=world.admin)
    assert world.inspector.must_change_password
    services.change_password(world.inspector, "violet-harbour-7", actor=world.inspector)
    assert not world.inspector.must_change_password



def test_the_demo_refuses_to_run_in_production(app, runner) -> None:
    app.config["ENV"] = "production"
    refused = runner.invoke(args=["demo", "--no-serve"])
    assert refused.exit_code != 0 and "production" in refused.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_the_inspector_import_applies_the_rule(world) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["账号", "姓名", "所属区县", "联系电话", "初始密码"])
    sheet.append(["wang01", "王强", "华州区", "", STRONG])
    sheet.append(["li02", "李明", "华州区", "", "12345678"])
    sheet.append(["zhao03", "赵军", "华州区", "", "zhao03-zhao03"])
    data = io.BytesIO()
    book.save(data)
    with pytest.raises(ValidationFailed) as refused:
        importers.import_inspectors(data.getvalue(), filename="inspectors.xlsx", actor=world.admin)
    details = "\n".join(refused.value.details)
    assert "第3行" in details and "常用" in details and "第4行" in details and "不得包含" in details
    assert "第2行" not in details


def test_a_password_change_is_audited_with_the_address(world, auth, client) -> None:
    auth.login(world.inspector)
    client.post("/auth/password", data={"current": PASSWORD, "new": STRONG, "repeat": STRONG},
                environ_base={"REMOTE_ADDR": "10.4.4.4"})
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.password")).one()
    assert entry.actor_name == "insp" and entry.after == {"address": "10.4.4.4"}


def test_the_account_form_reports_every_error_at_once_and_keeps_the_input(world, auth, client) -> None:
    auth.login(world.admin)
    data = {"username": "newcontact", "display_name": "新联络员", "role": "school", "county_id": "0",
            "school_code": "2161039999", "phone": "13800000000", "password": "newcontact-newcontact"}
    refused = client.post("/auth/users/new", data=data)
    page = refused.text
    assert page.count('class="error"') >= 2 and "不得包含" in page
    assert 'value="新联络员"' in page and 'value="13800000000"' in page
    # What the service refuses (a user name already taken) comes back on the form, not on another page.
    taken = client.post("/auth/users/new", data={**data, "username": world.inspector.username,
                                                 "school_code": "2161030001", "password": STRONG})
    assert taken.status_code == 200 and world.inspector.username in taken.text and 'value="新联络员"' in taken.text
