"""The ``inspect-app`` command: Flask's own commands and the app's, under one name.

The app is built only when a command needs it: ``inspect-app --help`` lists the app's commands from
``APP_COMMANDS`` and imports none of the features (nor SQLAlchemy, pandas or python-docx), so that it
answers at once. Running one of those commands builds the app, as Flask's own group does.
"""

from __future__ import annotations

import gc
import os
import typing as t

import click
from flask import Flask
from flask.cli import FlaskGroup
from flask.cli import ScriptInfo
from flask.cli import with_appcontext

from . import create_app  # the package's factory, which imports the features only when called
from .config import ConfigurationError

# Long enough for a 120 MB roster upload over a slow line and a large report download.
WORKER_TIMEOUT = 300

# The commands the app registers (app.COMMANDS and Flask-Migrate's db) with their one-line help, for
# ``--help`` to list without building the app. tests/ops/test_cli_start.py holds this table to the
# commands the app really has and to the first line of their help.
APP_COMMANDS: dict[str, str] = {
    "archive": "Schools' aid archives (资助档案): every record and file held for a school in a term, as one .zip.",
    "audit": "Check the append-only audit log.",
    "backup": "Back up the database and the instance's files; check and restore a backup.",
    "campaigns": "Plan and inspect campaigns.",
    "checklists": "Manage checklists (XLSForm definitions).",
    "db": "Perform database migrations.",
    "demo": "Create or upgrade the database, load the demo data once, print the accounts and serve.",
    "funds": "Funding standards, allocations, payments and balances.",
    "regions": "The province, its cities and their counties.",
    "reminders": "Rectification deadline reminders.",
    "reports": "Build formal reports (Word documents), the rectification ledger (.xlsx), and check the templates.",
    "rosters": "Reconcile aid rosters (精准比对).",
    "schools": "Manage schools.",
    "surveys": "Policy awareness and satisfaction surveys (两率一度): questionnaires and their rates.",
    "submissions": "Reports the cities send up to the province (报送): what is due and what arrived.",
    "storage": "Where stored files live: a local folder or S3-compatible object storage.",
    "users": "Manage accounts.",
}


def _load_app() -> Flask:
    # Building the app imports every feature: tens of thousands of objects that live as long as the
    # process. The cyclic collector would walk them again and again as they are made (a tenth of a
    # command's start-up); it is paused meanwhile, and what was built is frozen out of its way after.
    gc.disable()
    try:
        return create_app()
    except ConfigurationError as err:
        raise click.ClickException(str(err)) from None
    finally:
        gc.enable()
        gc.freeze()


class InspectGroup(FlaskGroup):
    """Flask's group, listing the app's commands from ``APP_COMMANDS`` instead of building the app to ask it."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        if ctx.ensure_object(ScriptInfo).app_import_path:
            return super().list_commands(ctx)  # --app names another application: ask it
        return sorted(set(click.Group.list_commands(self, ctx)) | set(APP_COMMANDS))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if ctx.ensure_object(ScriptInfo).app_import_path:
            return super().format_commands(ctx, formatter)
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name) or click.Command(name, help=APP_COMMANDS[name])
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=InspectGroup, create_app=_load_app, add_version_option=True)
def main() -> None:
    """资助督查 — student-aid inspection: run the server, manage data, build reports."""


def default_workers() -> int:
    """Two workers a core and one more, gunicorn's rule of thumb."""
    return 2 * (os.cpu_count() or 1) + 1


@main.command("serve", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes  [default: 2 × cores + 1]")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Threads per worker, so that slow uploads do not hold a whole process.")
@click.option("--timeout", type=click.IntRange(10, 3600), default=WORKER_TIMEOUT, show_default=True,
              help="Seconds a request may take before its worker is restarted.")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="Proxies trusted to set X-Forwarded-For/-Proto (the nginx in front).")
@click.option("--allow-sqlite", is_flag=True, help="With INSPECT_ENV=production, run on SQLite anyway (one host).")
def serve_command(host: str, port: int, workers: int | None, threads: int, timeout: int,
                  forwarded_allow_ips: str, allow_sqlite: bool) -> None:
    """Serve the app with gunicorn, the production server."""
    from gunicorn.app.base import BaseApplication  # the server is loaded only by this command

    if allow_sqlite:
        os.environ["INSPECT_ALLOW_SQLITE"] = "1"
    # Refuse bad settings here, once, rather than in every worker as it boots.
    _load_app()

    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers or default_workers(),
        "worker_class": "gthread",
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": 30,
        # Longer than the idle time after which a proxy (nginx's upstream keepalive_timeout, 60 s) or a
        # browser drops a kept-alive connection: the server never closes one just as a request is sent on it.
        "keepalive": 75,
        "forwarded_allow_ips": forwarded_allow_ips,
        # Each request is logged by the app itself, with its id, user and duration.
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "inspect-app",
    }

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> t.Any:
            return _load_app()

    click.echo(f"inspect-app serving on http://{host}:{port} with {options['workers']} workers")
    Server().run()


@main.command("worker", with_appcontext=False)
@click.option("--threads", type=click.IntRange(1, 32), default=2, show_default=True,
              help="Tasks run at once by this worker.")
@click.option("--no-periodic", is_flag=True, help="Leave the periodic tasks (reminders, recovery) to other workers.")
@with_appcontext
def worker_command(threads: int, no_periodic: bool) -> None:
    """Run background tasks: reports, roster checks, photos, reminders; stop with Ctrl-C or SIGTERM."""
    from .core.tasks import huey  # the queue (and SQLAlchemy beneath it), loaded with the app by this command only

    if huey.immediate:
        raise click.UsageError("QUEUE_IMMEDIATE is set: tasks run where they are queued, there is nothing to consume")
    click.echo(f"inspect-app worker: {threads} thread(s), queue {huey.storage.__class__.__name__}")
    consumer = huey.create_consumer(workers=threads, worker_type="thread", periodic=not no_periodic,
                                    check_worker_health=True)
    consumer.run()


if __name__ == "__main__":
    main()
