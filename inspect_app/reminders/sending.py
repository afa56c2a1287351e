"""Send the reminders due: create today's in-app reminders, then mail those waiting."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from dataclasses import field

from ..db import local_today
from ..extensions import db
from ..notifications.mail import Mailer
from ..notifications.mail import mail_enabled
from . import services


@dataclass
class RunSummary:
    created: int = 0
    mailed: int = 0
    errors: list[str] = field(default_factory=list)


def run() -> RunSummary:
    """Create today's reminders (committed before anything is mailed), then send the e-mails waiting.

    Safe to run at any frequency and side by side: the database admits each reminder once, and
    each e-mail is claimed by one run before it is sent.
    """
    summary = RunSummary()
    summary.created = len(services.create_due_reminders(local_today()))
    db.session.commit()
    if not mail_enabled():
        return summary
    queue = services.mail_queue()
    if not queue:
        return summary
    try:
        with Mailer() as mailer:
            for reminder_id in queue:
                reminder = services.claim_mail(reminder_id)
                db.session.commit()
                if reminder is None:
                    continue
                mail = services.reminder_mail(reminder)
                try:
                    mailer.send(mail)
                except (smtplib.SMTPException, OSError) as exc:
                    services.mail_done(reminder, error=f"{type(exc).__name__}: {exc}")
                    summary.errors.append(f"{mail.to}: {exc}")
                else:
                    services.mail_done(reminder)
                    summary.mailed += 1
                db.session.commit()
    except (smtplib.SMTPException, OSError) as exc:
        # The server could not be reached at all: the e-mails stay queued for the next run.
        db.session.rollback()
        summary.errors.append(f"SMTP {type(exc).__name__}: {exc}")
    return summary
