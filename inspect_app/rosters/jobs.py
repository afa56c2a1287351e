"""Run reconciliation checks in the background, so that no request waits for 100,000 rows.

One worker thread per process takes queued runs in turn; each run commits its progress as it
goes, so the page polling ``/rosters/runs/<id>/status`` can show a bar. With
``ROSTER_JOBS_INLINE`` set (tests, the demo, the command line) the run happens in the request.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from flask import current_app
from flask_babel import gettext as _

from ..extensions import db
from . import services
from .models import ReconciliationRun
from .models import RunStatus

log = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="roster-check")
        return _executor


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


def _in_thread(app: Flask, run_id: int) -> None:
    with app.app_context():
        execute(run_id)


def submit(run_id: int) -> None:
    """Start a committed, queued run: in a worker thread, or at once when ROSTER_JOBS_INLINE is set."""
    if current_app.config.get("ROSTER_JOBS_INLINE"):
        execute(run_id)
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _pool().submit(_in_thread, app, run_id)
