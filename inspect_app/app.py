"""The application factory: configuration, extensions, blueprints, error handlers, commands, signals, tasks.

It stands on the top floor and imports every feature; the package's ``create_app`` calls it, so that
importing ``inspect_app`` (or any one feature) does not load them all.
"""

from __future__ import annotations

import os
import typing as t
from collections.abc import Mapping

from flask import Flask

from . import errors
from .api import views as api_views
from .api.views import bp as api_bp
from .archive import jobs as _archive_jobs  # noqa: F401 - declares the archive tasks
from .archive import receivers as archive_receivers
from .archive.cli import archive_cli
from .archive.views import bp as archive_bp
from .audit import models as _audit_models  # noqa: F401 - every model module, for complete metadata
from .audit import receivers as audit_receivers
from .audit.cli import audit_cli
from .audit.views import bp as audit_bp
from .auth import models as _auth_models  # noqa: F401
from .auth import views as auth_views
from .auth.cli import users_cli
from .auth.views import bp as auth_bp
from .backup.cli import backup_cli
from .campaigns import models as _campaign_models  # noqa: F401
from .campaigns import receivers as campaigns_receivers
from .campaigns.cli import campaigns_cli
from .campaigns.views import bp as campaigns_bp
from .checklists import models as _checklist_models  # noqa: F401
from .checklists.cli import checklists_cli
from .checklists.views import bp as checklists_bp
from .config import load_config
from .core import database
from .core import health
from .core import i18n
from .core import inputs
from .core import logs
from .core import panels
from .core import tasks
from .core import web
from .core.storage_cli import storage_cli
from .dashboard import regions as dashboard_regions
from .dashboard.views import bp as dashboard_bp
from .demo import demo_command
from .extensions import csrf
from .extensions import db
from .extensions import login_manager
from .extensions import migrate
from .findings import models as _finding_models  # noqa: F401
from .findings import receivers as findings_receivers
from .findings import stats as finding_stats
from .findings.views import bp as findings_bp
from .funds import models as _fund_models  # noqa: F401
from .funds.cli import funds_cli
from .funds.views import bp as funds_bp
from .help.views import bp as help_bp
from .media import models as _media_models  # noqa: F401
from .media import processing as _media_processing  # noqa: F401 - declares the photo tasks
from .media.views import bp as media_bp
from .notifications import models as _notification_models  # noqa: F401
from .notifications import receivers as notifications_receivers
from .notifications.views import bp as notifications_bp
from .publicity import models as _publicity_models  # noqa: F401
from .publicity import receivers as publicity_receivers
from .publicity.views import bp as publicity_bp
from .rectification import models as _rectification_models  # noqa: F401
from .rectification import receivers as rectification_receivers
from .rectification import stats as rectification_stats
from .rectification.views import bp as rectification_bp
from .reminders import models as _reminder_models  # noqa: F401
from .reminders import tasks as _reminder_tasks  # noqa: F401 - declares the daily reminders
from .reminders.cli import reminders_cli
from .reports import jobs as _report_jobs  # noqa: F401 - declares the report tasks
from .reports import models as _report_models  # noqa: F401
from .reports import numbering as report_numbering
from .reports.cli import reports_cli
from .reports.views import bp as reports_bp
from .rosters import jobs as _roster_jobs  # noqa: F401 - declares the roster tasks
from .rosters import models as _roster_models  # noqa: F401
from .rosters import receivers as rosters_receivers
from .rosters.cli import rosters_cli
from .rosters.views import bp as rosters_bp
from .schools import models as _school_models  # noqa: F401
from .schools.cli import regions_cli
from .schools.cli import schools_cli
from .schools.views import bp as schools_bp
from .submissions import models as _submission_models  # noqa: F401
from .submissions import reminders as _submission_reminders  # noqa: F401 - declares the daily reminders
from .submissions.cli import submissions_cli
from .submissions.views import bp as submissions_bp
from .surveys import models as _survey_models  # noqa: F401
from .surveys import receivers as surveys_receivers
from .surveys.cli import surveys_cli
from .surveys.public import bp as survey_public_bp
from .surveys.views import bp as surveys_bp
from .sync import models as _sync_models  # noqa: F401
from .sync.views import bp as sync_bp
from .visits import figures as visit_figures
from .visits import models as _visit_models  # noqa: F401
from .visits import receivers as visits_receivers
from .visits.views import bp as visits_bp

BLUEPRINTS = (dashboard_bp, auth_bp, schools_bp, checklists_bp, campaigns_bp, visits_bp, findings_bp,
              rectification_bp, media_bp, reports_bp, audit_bp, rosters_bp, funds_bp, notifications_bp, sync_bp,
              help_bp, api_bp, archive_bp, publicity_bp, surveys_bp, survey_public_bp, submissions_bp)
COMMANDS = (users_cli, schools_cli, regions_cli, checklists_cli, campaigns_cli, reports_cli, rosters_cli, funds_cli,
            reminders_cli, storage_cli, demo_command, audit_cli, backup_cli, archive_cli, surveys_cli, submissions_cli)


def create_app(config: Mapping[str, t.Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error handlers, commands."""
    app = Flask(
        "inspect_app",
        instance_path=os.environ.get("INSPECT_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    # Before any blueprint is registered: its <int:...> rules take the bounded converter.
    inputs.init_app(app)
    load_config(app, config)
    register_extensions(app)
    register_blueprints(app)
    errors.init_app(app)
    register_commands(app)
    connect_signals()
    logs.init_app(app)
    web.init_app(app)
    panels.init_app(app)
    health.init_app(app)
    register_tasks(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIR"], render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    auth_views.init_login(login_manager)
    api_views.init_app(app, login_manager)


def register_blueprints(app: Flask) -> None:
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def connect_signals() -> None:
    """Connect each package's signal receivers (see core/signals.py); connecting twice changes nothing."""
    finding_stats.connect_signals()
    rectification_stats.connect_signals()
    visit_figures.connect_signals()
    # The visits' panels connect before the findings': panels show in the order they were connected.
    visits_receivers.connect_signals()
    findings_receivers.connect_signals()
    rectification_receivers.connect_signals()
    notifications_receivers.connect_signals()
    campaigns_receivers.connect_signals()
    audit_receivers.connect_signals()
    surveys_receivers.connect_signals()
    report_numbering.connect_signals()
    archive_receivers.connect_signals()
    publicity_receivers.connect_signals()
    rosters_receivers.connect_signals()
    dashboard_regions.connect_signals()


def register_tasks(app: Flask) -> None:
    """Point the task queue at its broker (the modules declaring tasks are imported above)."""
    tasks.init_app(app)
    health.add_ready_check(app, "queue", tasks.queue_check)
