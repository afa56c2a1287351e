"""The daily reminders, run by the workers' scheduler: once a day, however many workers there are."""

from __future__ import annotations

import logging

from ..core import tasks
from .sending import run

log = logging.getLogger(__name__)


@tasks.periodic_task(tasks.daily_from("REMINDER_TIME"), once_per="%Y-%m-%d")
def send_daily_reminders() -> None:
    """Send the day's deadline reminders, from REMINDER_TIME (Asia/Shanghai) on, once a day."""
    summary = run()
    log.info("reminders: %s new in the app, %s e-mail(s) sent", summary.created, summary.mailed)
    if summary.errors:
        # The reminders are in the app; the e-mails that failed stay queued for tomorrow's run.
        log.warning("reminder e-mails failed: %s", "; ".join(summary.errors[:20]))
