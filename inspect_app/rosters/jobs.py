"""Run reconciliation checks in the background, so that no request waits for 100,000 rows.

A run committed as ``queued`` becomes a ``check_roster`` task on the queue (``core.tasks``); the
task commits its progress as it goes, so the page polling ``/rosters/runs/<id>/status`` can show a
bar. A run left queued or half-done by a worker that is gone (killed, host lost) is queued again by
``recover_runs``, which the workers' scheduler runs every few minutes. With ``QUEUE_IMMEDIATE``
(tests, the command line) the run happens in the caller's process.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..core import tasks
from ..db import utcnow
from ..extensions import db
from . import services
from .models import ReconciliationRun
from .models import RunStatus

log = logging.getLogger(__name__)


def execute(run_id: int) -> None:
    """Execute one run in the current application context, committing progress and the result."""
    found = db.session.get(ReconciliationRun, run_id)
    if found is None or found.status != RunStatus.QUEUED:
        return
    run = found

    def progress(percent: int, stage: str) -> None:
        run.progress, run.stage = percent, stage[:64]
        db.session.commit()

    try:
        services.execute_run(run, progress=progress)
        db.session.commit()
    except Exception:
        log.exception("reconciliation run %s failed", run_id)
        db.session.rollback()
        failed = db.session.get(ReconciliationRun, run_id)
        if failed is not None:
            failed.status, failed.stage = RunStatus.FAILED, None
            message = _("The check stopped on an internal error, which has been logged.")
            failed.errors = [{"file": "", "message": message, "details": []}]
            db.session.commit()


@tasks.task(retries=0)
def check_roster(run_id: int) -> None:
    """Check one queued run (a run already started or finished is left alone)."""
    execute(run_id)


def submit(run_id: int) -> None:
    """Check a queued run in the background, once the current transaction (if any) commits."""
    tasks.enqueue(check_roster, run_id)


@tasks.periodic_task(tasks.every_minutes(5))
def recover_runs() -> None:
    """Queue again the runs whose worker is gone: waiting or running for longer than ROSTER_RUN_STALE_SECONDS."""
    stale = utcnow() - timedelta(seconds=current_app.config["ROSTER_RUN_STALE_SECONDS"])
    lost = db.session.scalars(sa.select(ReconciliationRun).where(
        ReconciliationRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]),
        sa.func.coalesce(ReconciliationRun.started_at, ReconciliationRun.created_at) < stale,
    ).order_by(ReconciliationRun.id)).all()
    for run in lost:
        log.warning("roster run %s lost its worker; queued again", run.id)
        run.status, run.progress, run.stage, run.started_at = RunStatus.QUEUED, 0, None, utcnow()
    db.session.commit()
    for run in lost:
        check_roster(run.id)


@tasks.periodic_task(tasks.daily_from("REMINDER_TIME"), once_per="%Y-%m-%d")
def purge_roster_files() -> None:
    """Delete, once a day, the roster files kept longer than ROSTER_RETENTION_DAYS and those of failed checks."""
    purged = services.purge_inputs()
    db.session.commit()
    if purged:
        log.info("deleted %s roster file(s) past their retention", purged)
