"""API tokens expire, and their holder lists and revokes them on the account page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from inspect_app.audit.models import AuditEntry
from inspect_app.auth import services
from inspect_app.auth.models import ApiToken
from inspect_app.db import frozen_time
from inspect_app.db import utcnow
from inspect_app.extensions import db


def _me(client, token: str) -> int:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_token_expires_after_180_days_by_default(world, app, runner) -> None:
    printed = runner.invoke(args=["users", "token", "insp"])
    assert printed.exit_code == 0, printed.output
    token = printed.output.strip()
    row = db.session.scalars(sa.select(ApiToken)).one()
    assert abs(row.expires_at - (row.created_at + timedelta(days=180))) < timedelta(seconds=5)
    client = app.test_client()
    with frozen_time(row.created_at + timedelta(days=179)):
        assert _me(client, token) == 200
    with frozen_time(row.created_at + timedelta(days=181)):
        assert _me(client, token) == 401
        assert "expired" in runner.invoke(args=["users", "tokens", "insp"]).output


def test_the_token_command_takes_days(world, runner) -> None:
    assert runner.invoke(args=["users", "token", "insp", "--days", "7"]).exit_code == 0
    row = db.session.scalars(sa.select(ApiToken)).one()
    assert row.expires_at - row.created_at == timedelta(days=7)
    assert runner.invoke(args=["users", "token", "insp", "--days", "0"]).exit_code != 0


@pytest.mark.config(API_TOKEN_DAYS=30)
def test_the_default_lifetime_is_a_setting(world) -> None:
    row, _token = services.issue_token(world.inspector, actor=None)
    assert row.expires_at - row.created_at == timedelta(days=30)


def test_the_account_page_lists_and_revokes_ones_own_tokens(world, app, auth, client) -> None:
    row, token = services.issue_token(world.inspector, name="平板同步", actor=None)
    other, _ = services.issue_token(world.other_inspector, name="别人的", actor=None)
    db.session.commit()
    auth.login(world.inspector)
    page = client.get("/auth/account")
    assert page.status_code == 200 and "平板同步" in page.text and row.prefix in page.text
    assert "别人的" not in page.text
    assert client.post(f"/auth/account/tokens/{other.id}/revoke").status_code == 404
    assert client.post(f"/auth/account/tokens/{row.id}/revoke").status_code == 302
    assert _me(app.test_client(), token) == 401
    db.session.expire_all()
    assert db.session.get(ApiToken, other.id).revoked_at is None
    assert "已撤销" in client.get("/auth/account").text
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "token.revoke")).one()
    assert entry.actor_name == "insp" and entry.after["address"] == "127.0.0.1"


def test_token_creation_is_audited(world) -> None:
    services.issue_token(world.inspector, actor=world.admin, address="10.0.0.3")
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "token.issue")).one()
    assert entry.after["address"] == "10.0.0.3" and entry.after["expires_at"] > utcnow().isoformat()
