"""The task queue: tasks leave with the commit, periodic tasks run once, failures reach the audit log,
and a real `inspect-app worker` consumes the embedded queue and Redis alike."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from inspect_app.audit.models import AuditEntry
from inspect_app.core import tasks
from inspect_app.extensions import db
from inspect_app.reminders import tasks as reminder_tasks
from inspect_app.reports import jobs
from inspect_app.reports import services
from inspect_app.reports.models import JobStatus
from inspect_app.reports.models import ReportJob

ran: list[tuple[str, int]] = []


@tasks.task(retries=1, retry_delay=0)
def _note(label: str, value: int) -> None:
    ran.append((label, value))


@tasks.task(retries=2, retry_delay=0)
def _always_fails(value: int) -> None:
    ran.append(("fail", value))
    raise RuntimeError(f"cannot do {value}")


@pytest.fixture(autouse=True)
def _clear() -> None:
    ran.clear()


def test_a_task_leaves_when_its_transaction_commits_and_never_after_a_rollback(app: Flask, world: t.Any) -> None:
    world.school.name = "华州第一小学（新）"
    tasks.enqueue(_note, "committed", 1)
    assert ran == []  # the row it may read is not committed yet
    db.session.commit()
    assert ran == [("committed", 1)]
    world.school.name = "不会保存"
    tasks.enqueue(_note, "rolled back", 2)
    db.session.rollback()
    db.session.commit()
    assert ran == [("committed", 1)]
    # With nothing written, there is nothing to wait for.
    tasks.enqueue(_note, "at once", 3)
    assert ran[-1] == ("at once", 3)


def test_a_task_queued_inside_a_savepoint_waits_for_the_transaction(app: Flask, world: t.Any) -> None:
    world.school.name = "华州第一小学（新）"
    tasks.enqueue(_note, "before", 1)
    with db.session.begin_nested():
        world.school.address = "华州区某路1号"
        tasks.enqueue(_note, "inside", 2)
    assert ran == []  # releasing the savepoint commits nothing
    try:
        with db.session.begin_nested():
            world.school.address = "不会保存"
            db.session.flush()
            raise ValueError
    except ValueError:
        pass
    assert ran == []
    db.session.commit()
    assert ran == [("before", 1), ("inside", 2)]


def test_a_task_that_keeps_failing_stops_after_its_tries_and_is_shown_to_the_admin(app: Flask, ctx: None) -> None:
    tasks.enqueue(_always_fails, 7)
    assert ran == [("fail", 7)] * 3
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "task.failed")).one()
    assert entry.after == {"task": "tests.ops.test_tasks._always_fails", "args": [7]}
    assert entry.note == "RuntimeError: cannot do 7"


def test_the_daily_reminders_run_once_a_day_however_many_workers_schedule_them(
        app: Flask, ctx: None, monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[int] = []
    monkeypatch.setattr(reminder_tasks, "run", lambda: runs.append(1) or _Summary())
    for _worker in range(3):
        reminder_tasks.send_daily_reminders()
    assert runs == [1]


class _Summary:
    created = mailed = 0
    errors: list[str] = []


def test_the_reminders_are_due_from_the_configured_time_in_shanghai(app: Flask, ctx: None) -> None:
    from datetime import datetime

    app.config["REMINDER_TIME"] = "08:30"
    due = tasks.daily_from("REMINDER_TIME")
    # 08:29 and 08:30 in Asia/Shanghai are 00:29 and 00:30 UTC.
    assert not due(datetime(2026, 12, 7, 0, 29))
    assert due(datetime(2026, 12, 7, 0, 30))
    assert due(datetime(2026, 12, 7, 15, 59))


# --- a real worker process -------------------------------------------------------------------------------


def _redis_url() -> str | None:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        if sock.connect_ex(("127.0.0.1", 6379)) != 0:
            return None
    return "redis://127.0.0.1:6379/15"


QUEUES = [pytest.param("", id="embedded"),
          pytest.param("redis", id="redis", marks=pytest.mark.skipif(
              _redis_url() is None and not os.environ.get("CI"), reason="no Redis on 127.0.0.1:6379"))]


@pytest.mark.parametrize("queue", QUEUES)
def test_a_worker_process_builds_a_report_queued_by_the_web_app(app: Flask, world: t.Any, tmp_path: Path,
                                                                queue: str) -> None:
    url = _redis_url() if queue else ""
    if queue:
        import redis  # the Redis client, only for emptying the test's database

        redis.Redis.from_url(url).flushdb()
    instance = tmp_path / "instance"
    app.config.update(QUEUE_IMMEDIATE=False, QUEUE_URL=url)
    app.instance_path = str(instance)
    tasks.configure(app)
    try:
        job = services.request_report(services.ReportRequest("investigation", (world.campaign,)),
                                      actor=world.supervisor)
        jobs.queue(job)
        db.session.commit()
        job_id = job.id
        assert db.session.get(ReportJob, job_id).status == JobStatus.QUEUED
        env = {**os.environ, "INSPECT_INSTANCE_PATH": str(instance), "INSPECT_QUEUE_URL": url,
               "INSPECT_DATABASE_URL": app.config["DATABASE_URL"], "INSPECT_SECRET_KEY": "test-secret",
               "INSPECT_UPLOAD_DIR": app.config["UPLOAD_DIR"],
               "INSPECT_REPORT_OUTPUT_DIR": app.config["REPORT_OUTPUT_DIR"]}
        worker = subprocess.Popen([sys.executable, "-m", "inspect_app.cli", "worker", "--no-periodic"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            while True:
                db.session.expire_all()
                status = db.session.get(ReportJob, job_id).status
                if status in (JobStatus.DONE, JobStatus.FAILED):
                    break
                assert worker.poll() is None and time.monotonic() < deadline, "the worker did not build the report"
                time.sleep(0.5)
        finally:
            os.killpg(worker.pid, signal.SIGINT)
            output = worker.communicate(timeout=60)[0].decode()
        assert status == JobStatus.DONE, output
        assert jobs.output_path(db.session.get(ReportJob, job_id)) is not None
    finally:
        app.config.update(QUEUE_IMMEDIATE=True, QUEUE_URL="")
        tasks.configure(app)
