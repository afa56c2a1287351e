"""Roster files hold personal data: whole ID numbers only for the one who ran the check, files deleted
after the retention period (and at once when the check failed)."""

from __future__ import annotations

import io
import typing as t
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask

from inspect_app.core import storage
from inspect_app.db import utcnow
from inspect_app.errors import InvalidTransition
from inspect_app.extensions import db
from inspect_app.rosters import services
from inspect_app.rosters.models import ReconciliationRun
from inspect_app.rosters.models import RunStatus
from tests.fixtures import Auth
from tests.fixtures import World

from .helpers import PUPIL
from .test_runs import GOOD
from .test_runs import HEADERS
from .test_runs import csv_bytes
from .test_runs import only_run
from .test_runs import upload

pytestmark = [pytest.mark.config(ROSTER_JOBS_INLINE=True), pytest.mark.usefixtures("shipped_standards")]
MASKED = PUPIL[:4] + "*" * (len(PUPIL) - 8) + PUPIL[-4:]


def _run_by(client: t.Any, auth: Auth, user: t.Any) -> ReconciliationRun:
    auth.login(user)
    assert upload(client, {"roster": (csv_bytes(HEADERS, GOOD), "花名册.csv")}).status_code == 302
    auth.logout()
    return only_run()


def test_whole_id_numbers_only_for_the_one_who_ran_the_check(app: Flask, world: World, auth: Auth,
                                                             client: t.Any) -> None:
    run = _run_by(client, auth, world.supervisor)
    assert run.status == RunStatus.DONE
    for user, whole in ((world.supervisor, True), (world.admin, False), (world.viewer, False)):
        auth.login(user)
        page = client.get(f"/rosters/runs/{run.id}/discrepancies").get_data(as_text=True)
        assert (PUPIL in page) is whole and (MASKED in page) is not whole, user.username
        export = client.get(f"/rosters/runs/{run.id}/discrepancies.xlsx")
        cells = [str(c) for row in openpyxl.load_workbook(io.BytesIO(export.data)).worksheets[0].iter_rows(
            values_only=True) for c in row if c is not None]
        assert (PUPIL in cells) is whole and (MASKED in cells) is not whole, user.username
        auth.logout()


def test_files_go_after_the_retention_period_and_at_once_when_the_check_failed(
        app: Flask, world: World, auth: Auth, client: t.Any) -> None:
    old = _run_by(client, auth, world.supervisor)
    fresh = _run_by(client, auth, world.supervisor)
    failed = _run_by(client, auth, world.supervisor)
    failed.status = RunStatus.FAILED
    old.created_at = utcnow() - timedelta(days=app.config["ROSTER_RETENTION_DAYS"] + 1)
    db.session.commit()
    paths = {run.id: run.inputs[0].path for run in (old, fresh, failed)}
    store = storage.area("uploads")
    assert all(store.exists(path) for path in paths.values())

    assert services.purge_inputs() == 2
    db.session.commit()
    assert not store.exists(paths[old.id]) and not store.exists(paths[failed.id])
    assert store.exists(paths[fresh.id])
    db.session.expire_all()
    assert db.session.get(ReconciliationRun, old.id).inputs[0].path == ""
    assert db.session.get(ReconciliationRun, old.id).summary  # the results stay
    with pytest.raises(InvalidTransition):
        services.rerun(db.session.get(ReconciliationRun, old.id), actor=world.supervisor)
    # Nothing more to delete the next day.
    assert services.purge_inputs() == 0
    # A file that a newer check reused stays while that check is within the period.
    again = services.rerun(db.session.get(ReconciliationRun, fresh.id), actor=world.supervisor)
    db.session.commit()
    fresh.created_at = utcnow() - timedelta(days=app.config["ROSTER_RETENTION_DAYS"] + 1)
    db.session.commit()
    assert services.purge_inputs() == 0 and store.exists(again.inputs[0].path)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReconciliationRun)) == 4
