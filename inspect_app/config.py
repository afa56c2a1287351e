"""Configuration: defaults, then ``instance/config.py``, then ``INSPECT_*`` variables, then a test override.

``INSPECT_DATABASE_URL``, ``INSPECT_SECRET_KEY`` and ``INSPECT_UPLOAD_DIR`` are the
settings most deployments change; any other key below can be set the same way
(``INSPECT_ORG_NAME=...``).
"""

from __future__ import annotations

import os
import secrets
import typing as t
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The release, as pyproject.toml reads it (the API document and backups name it).
VERSION = "0.1.0"


class ConfigurationError(RuntimeError):
    """The settings cannot run this app; the message says which setting and why."""


class DefaultConfig:
    # "production" refuses settings that only suit one machine (see ``check_production``), and the demo.
    ENV = "development"
    # In production, run on SQLite anyway (one host, one process group: `inspect-app serve --allow-sqlite`).
    ALLOW_SQLITE = False
    # Empty means "an SQLite file in the instance folder".
    DATABASE_URL = ""
    SECRET_KEY = ""
    UPLOAD_DIR = ""
    FORMS_DIR = str(PROJECT_ROOT / "forms")
    REPORT_TEMPLATE_DIR = str(PROJECT_ROOT / "report_templates")
    MIGRATIONS_DIR = str(PROJECT_ROOT / "migrations")

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # How long a writing request waits for SQLite's write lock before answering 503 (milliseconds).
    SQLITE_BUSY_TIMEOUT = 15_000
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")

    # Upper bound of any request body; per-kind limits are tighter.
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    MAX_IMAGE_BYTES = 15 * 1024 * 1024
    MAX_IMAGE_PIXELS = 40_000_000
    MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
    MAX_SPREADSHEET_BYTES = 5 * 1024 * 1024
    # Rosters: each file, and one upload request carrying several of them.
    MAX_ROSTER_BYTES = 40 * 1024 * 1024
    MAX_ROSTER_UPLOAD_BYTES = 120 * 1024 * 1024
    # A roster run waiting or running this long has lost its worker and is queued again.
    ROSTER_RUN_STALE_SECONDS = 900
    # Roster inputs hold personal data: they are deleted this many days after upload.
    ROSTER_RETENTION_DAYS = 180
    # A photo still processing this long after its upload has lost its task and is queued again.
    PHOTO_STALE_SECONDS = 300
    IMAGE_LONG_EDGE = 1600
    THUMB_LONG_EDGE = 320
    # A font with Chinese glyphs for the stamped copy of photos; empty: the first of the usual ones found.
    STAMP_FONT = ""

    # The site is served over HTTPS: every cookie is Secure and browsers are told to keep to HTTPS (HSTS).
    HTTPS = False
    # Reverse proxies in front of the app whose X-Forwarded-For is trusted for the client address.
    PROXY_COUNT = 0

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Seconds a "stay logged in" cookie lasts; at most 30 days.
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    # Seconds without a request after which a session not kept by "stay logged in" ends; 0: never.
    IDLE_TIMEOUT = 8 * 3600
    # Sign-in throttling (auth/throttle.py): failures within LOGIN_WINDOW seconds before a lock of
    # LOGIN_LOCK seconds, doubling for each further lock up to LOGIN_LOCK_MAX. A school's or a bureau's
    # staff may share one address, hence the higher count per address.
    LOGIN_MAX_FAILURES = 5
    LOGIN_ADDRESS_MAX_FAILURES = 20
    LOGIN_WINDOW = 15 * 60
    LOGIN_LOCK = 15 * 60
    LOGIN_LOCK_MAX = 24 * 3600
    # The least zxcvbn score (0–4) of a new password.
    PASSWORD_MIN_SCORE = 3
    # Days a new personal API token lasts unless its maker says otherwise.
    API_TOKEN_DAYS = 180
    # Field work runs all day; a form left open that long must still submit.
    WTF_CSRF_TIME_LIMIT = 12 * 3600

    ORG_NAME = "渭南市学生资助管理中心"
    # The 监督电话 printed on each 资助明白卡 (publicity/documents.py).
    HELPLINE = "12345（政务服务便民热线）"
    CITY_NAME = "渭南市"
    # The province above the city. A new install starts with this province and CITY_NAME as its first
    # city; after that the regions are data (inspect-app regions, the 区域 page), and these two only name
    # what the first start creates.
    PROVINCE_NAME = "陕西省"
    PROVINCE_ORG_NAME = "陕西省学生资助管理中心"
    # 两率一度: a rate (政策知晓率, 资助精准率, 群众满意度) below this share is flagged — the 认可度 veto
    # line of the design notes (90 %). A survey round keeps its own minimum sample and knowledge threshold.
    RATES_TARGET = 0.9
    REPORT_RECIPIENT = "陕西省学生资助管理中心"
    # 发文字号 prefix: documents are numbered 渭资助〔2026〕N号 per kind and year when first issued
    # (reports/numbering.py). DOC_PREFIXES gives a kind its own, e.g. {"notice": "渭资助函"}.
    DOC_PREFIX = "渭资助"
    DOC_PREFIXES: t.ClassVar[dict[str, str]] = {}
    # The province's own prefix, for the 通报 it issues (陕资助〔2026〕N号) unless DOC_PREFIXES names one.
    PROVINCE_DOC_PREFIX = "陕资助"
    # Documents as PDF (core/documents/pdf.py): LibreOffice's executable (empty: soffice or libreoffice
    # on PATH; PDF is not offered without one) and how long one conversion may take, in seconds.
    PDF_CONVERTER = ""
    PDF_TIMEOUT = 180

    PAGE_SIZE = 50

    # Where files are stored (core/storage.py): empty, the instance's folders; or s3://bucket/prefix.
    STORAGE_URL = ""
    # For S3-compatible stores other than AWS (MinIO, Ceph, Aliyun OSS, Tencent COS, Huawei OBS).
    S3_ENDPOINT_URL = ""
    S3_REGION = ""
    # How long a download link to the object store stays valid.
    STORAGE_URL_SECONDS = 300
    # The task queue (core/tasks.py): empty, an SQLite file in the instance folder; or redis://host:6379/0.
    QUEUE_URL = ""
    # Run each task in the process that queued it, when its transaction commits (tests, scripts).
    QUEUE_IMMEDIATE = False
    # When the workers send the day's deadline reminders (Asia/Shanghai), once a day.
    REMINDER_TIME = "08:00"
    # 报送 (submissions/due.py): the 月报 of month M is due by this day of month M (or the month's last day);
    # a city's investigation report this many days after its campaign's last day; reminders this many days
    # before a due date. The 月报 are owed from SUBMISSION_MONTHLY_FROM (YYYY-MM), else from the month the
    # city's first campaign began.
    SUBMISSION_MONTHLY_DUE_DAY = 30
    SUBMISSION_INVESTIGATION_DUE_DAYS = 15
    SUBMISSION_REMINDER_DAYS = 3
    SUBMISSION_MONTHLY_FROM = ""
    REPORT_OUTPUT_DIR = ""
    REPORT_JOB_STALE_SECONDS = 300
    # A school's archive (资助档案) streams straight to the browser up to this many files and stored
    # bytes; a larger one is built in the background and downloaded when ready.
    ARCHIVE_INLINE_MAX_FILES = 200
    ARCHIVE_INLINE_MAX_BYTES = 100 * 1024 * 1024
    # Where the site is reached, for links in e-mails (no request to take it from): https://host/prefix
    BASE_URL = ""
    # Outgoing e-mail for deadline reminders; empty MAIL_SERVER means in-app notifications only.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = ""
    MAIL_TIMEOUT = 30

    # One line per request and per event on stderr: "json" (one object a line) or "text".
    LOG_FORMAT = "json"
    LOG_LEVEL = "INFO"


def load_config(app: Flask, override: Mapping[str, t.Any] | None) -> None:
    """Layer the configuration sources onto ``app.config`` in their documented order."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("INSPECT")
    if override:
        app.config.update(override)

    if app.config["ENV"] == "production":
        check_production(app.config)
    instance = Path(app.instance_path)
    if not app.config["DATABASE_URL"]:
        instance.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'inspect.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["DATABASE_URL"])
    if not app.config["UPLOAD_DIR"]:
        app.config["UPLOAD_DIR"] = str(instance / "uploads")
    if not app.config["REPORT_OUTPUT_DIR"]:
        app.config["REPORT_OUTPUT_DIR"] = str(instance / "reports")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(instance)
    _cookie_settings(app)


MAX_REMEMBER = timedelta(days=30)


def _cookie_settings(app: Flask) -> None:
    """Secure cookies under HTTPS; a remember-me cookie of 30 days at most."""
    if app.config["HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
    duration = app.config["REMEMBER_COOKIE_DURATION"]
    if not isinstance(duration, timedelta):
        duration = timedelta(seconds=int(duration))
    app.config["REMEMBER_COOKIE_DURATION"] = min(duration, MAX_REMEMBER)


def check_production(config: Mapping[str, t.Any]) -> None:
    """Refuse, in production, what works on one machine only: a generated secret key, an SQLite file."""
    problems = []
    if not config["SECRET_KEY"]:
        problems.append("INSPECT_SECRET_KEY is not set: every host and process must sign sessions with the "
                        "same key (for example `python3 -c 'import secrets; print(secrets.token_hex(32))'`)")
    url = config["DATABASE_URL"]
    if (not url or url.startswith("sqlite")) and not config["ALLOW_SQLITE"]:
        problems.append("INSPECT_DATABASE_URL is not a PostgreSQL database: SQLite serves one host only "
                        "(set INSPECT_ALLOW_SQLITE=1, or `inspect-app serve --allow-sqlite`, to run on it anyway)")
    if problems:
        raise ConfigurationError("INSPECT_ENV=production: " + "; ".join(problems))


def normalise_database_url(url: str) -> str:
    """Route plain ``postgresql://`` URLs through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance: Path) -> str:
    """Read, or create once, a random secret key kept in the instance folder."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
