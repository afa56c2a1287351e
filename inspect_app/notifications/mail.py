"""Outgoing e-mail through the standard library's smtplib, when an SMTP server is configured.

Settings (``INSPECT_MAIL_*``, see README): ``MAIL_SERVER`` (empty: no e-mail), ``MAIL_PORT``,
``MAIL_USE_TLS`` (STARTTLS), ``MAIL_USE_SSL`` (SMTP over TLS, usually port 465),
``MAIL_USERNAME``/``MAIL_PASSWORD`` (login, when the server wants one), ``MAIL_SENDER``
(the From address) and ``MAIL_TIMEOUT`` (seconds).
"""

from __future__ import annotations

import smtplib
import ssl
import typing as t
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from email.utils import make_msgid

from flask import current_app

from ..db import utcnow


@dataclass
class Mail:
    to: str
    subject: str
    body: str


def mail_enabled() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def sender_address() -> str:
    config = current_app.config
    return str(config.get("MAIL_SENDER") or f"noreply@{config['MAIL_SERVER']}")


def build_message(mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender_address()
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=sender_address().rpartition("@")[2] or None)
    message.set_content(mail.body, charset="utf-8")
    return message


class Mailer:
    """One SMTP connection for a batch of mails: ``with Mailer() as mailer: mailer.send(mail)``."""

    def __init__(self) -> None:
        config = current_app.config
        self.host = str(config["MAIL_SERVER"])
        self.port = int(config.get("MAIL_PORT") or 0)
        self.use_ssl = bool(config.get("MAIL_USE_SSL"))
        self.use_tls = bool(config.get("MAIL_USE_TLS"))
        self.username = str(config.get("MAIL_USERNAME") or "")
        self.password = str(config.get("MAIL_PASSWORD") or "")
        self.timeout = float(config.get("MAIL_TIMEOUT") or 30)
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        context = ssl.create_default_context()
        if self.use_ssl:
            self.smtp = smtplib.SMTP_SSL(self.host, self.port or 465, timeout=self.timeout, context=context)
        else:
            self.smtp = smtplib.SMTP(self.host, self.port or 25, timeout=self.timeout)
            if self.use_tls:
                self.smtp.starttls(context=context)
        if self.username:
            self.smtp.login(self.username, self.password)
        return self

    def send(self, mail: Mail) -> None:
        assert self.smtp is not None, "use the Mailer as a context manager"
        self.smtp.send_message(build_message(mail))

    def __exit__(self, *exc: t.Any) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None
