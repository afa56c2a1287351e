"""资助督查: inspection, rectification tracking and formal reporting for student-aid centres."""

from __future__ import annotations

import os
import typing as t
from collections.abc import Mapping

from flask import Flask

from .config import VERSION as __version__  # noqa: F401


def create_app(config: Mapping[str, t.Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error handlers, commands."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSPECT_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    from .core import inputs

    # Before any blueprint is registered: its <int:...> rules take the bounded converter.
    inputs.init_app(app)
    from .config import load_config

    load_config(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    connect_signals()
    from .core import health
    from .core import logs
    from .core import panels
    from .core import web

    logs.init_app(app)
    web.init_app(app)
    panels.init_app(app)
    health.init_app(app)
    register_tasks(app)
    return app


def connect_signals() -> None:
    """Connect each package's signal receivers (see core/signals.py); connecting twice changes nothing."""
    from .campaigns import receivers as campaigns_receivers
    from .findings import receivers as findings_receivers
    from .findings import stats as finding_stats
    from .notifications import receivers as notifications_receivers
    from .rectification import receivers as rectification_receivers
    from .rectification import stats as rectification_stats
    from .visits import figures as visit_figures
    from .visits import receivers as visits_receivers

    finding_stats.connect_signals()
    rectification_stats.connect_signals()
    visit_figures.connect_signals()
    # The visits' panels connect before the findings': panels show in the order they were connected.
    visits_receivers.connect_signals()
    findings_receivers.connect_signals()
    rectification_receivers.connect_signals()
    notifications_receivers.connect_signals()
    campaigns_receivers.connect_signals()


def register_extensions(app: Flask) -> None:
    from .core import i18n
    from .extensions import csrf
    from .extensions import db
    from .extensions import login_manager
    from .extensions import migrate

    db.init_app(app)
    from .core import database

    database.init_app(app)
    _all_models()
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIR"], render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    from .api import views as api_views
    from .auth import views as auth_views

    auth_views.init_login(login_manager)
    api_views.init_app(app, login_manager)


def register_blueprints(app: Flask) -> None:
    from .api.views import bp as api_bp
    from .audit.views import bp as audit_bp
    from .auth.views import bp as auth_bp
    from .campaigns.views import bp as campaigns_bp
    from .checklists.views import bp as checklists_bp
    from .dashboard.views import bp as dashboard_bp
    from .findings.views import bp as findings_bp
    from .funds.views import bp as funds_bp
    from .media.views import bp as media_bp
    from .notifications.views import bp as notifications_bp
    from .rectification.views import bp as rectification_bp
    from .reports.views import bp as reports_bp
    from .rosters.views import bp as rosters_bp
    from .schools.views import bp as schools_bp
    from .sync.views import bp as sync_bp
    from .visits.views import bp as visits_bp

    for bp in (dashboard_bp, auth_bp, schools_bp, checklists_bp, campaigns_bp, visits_bp, findings_bp,
               rectification_bp, media_bp, reports_bp, audit_bp, rosters_bp, funds_bp, notifications_bp,
               sync_bp, api_bp):
        app.register_blueprint(bp)


def register_errorhandlers(app: Flask) -> None:
    from . import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from .audit.cli import audit_cli
    from .auth.cli import users_cli
    from .backup.cli import backup_cli
    from .campaigns.cli import campaigns_cli
    from .checklists.cli import checklists_cli
    from .core.storage_cli import storage_cli
    from .demo import demo_command
    from .funds.cli import funds_cli
    from .reminders.cli import reminders_cli
    from .reports.cli import reports_cli
    from .rosters.cli import rosters_cli
    from .schools.cli import schools_cli

    for command in (users_cli, schools_cli, checklists_cli, campaigns_cli, reports_cli, rosters_cli, funds_cli,
                    reminders_cli, storage_cli, demo_command, audit_cli, backup_cli):
        app.cli.add_command(command)


def register_tasks(app: Flask) -> None:
    """Point the task queue at its broker, load every module that declares tasks, connect the signals."""
    from .audit import receivers as audit_receivers
    from .core import health
    from .core import tasks
    from .reminders import tasks as _reminder_tasks  # noqa: F401
    from .reports import jobs as _report_jobs  # noqa: F401
    from .rosters import jobs as _roster_jobs  # noqa: F401

    tasks.init_app(app)
    health.add_ready_check(app, "queue", tasks.queue_check)
    audit_receivers.connect_signals()


def _all_models() -> None:
    """Import every model module so that metadata is complete (migrations, create_all)."""
    from .audit import models as _audit  # noqa: F401
    from .auth import models as _auth  # noqa: F401
    from .campaigns import models as _campaigns  # noqa: F401
    from .checklists import models as _checklists  # noqa: F401
    from .findings import models as _findings  # noqa: F401
    from .funds import models as _funds  # noqa: F401
    from .media import models as _media  # noqa: F401
    from .notifications import models as _notifications  # noqa: F401
    from .rectification import models as _rect  # noqa: F401
    from .reminders import models as _reminders  # noqa: F401
    from .reports import models as _reports  # noqa: F401
    from .rosters import models as _rosters  # noqa: F401
    from .schools import models as _schools  # noqa: F401
    from .sync import models as _sync  # noqa: F401
    from .visits import models as _visits  # noqa: F401
