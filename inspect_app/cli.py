"""The ``inspect-app`` command: Flask's own commands and the app's, under one name."""

from __future__ import annotations

import os
import typing as t

import click
from flask import Flask
from flask.cli import FlaskGroup
from flask.cli import with_appcontext

from .app import create_app
from .config import ConfigurationError
from .core.tasks import huey

# Long enough for a 120 MB roster upload over a slow line and a large report download.
WORKER_TIMEOUT = 300


def _load_app() -> Flask:
    try:
        return create_app()
    except ConfigurationError as err:
        raise click.ClickException(str(err)) from None


@click.group(cls=FlaskGroup, create_app=_load_app, add_version_option=True)
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
        "keepalive": 5,
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
    if huey.immediate:
        raise click.UsageError("QUEUE_IMMEDIATE is set: tasks run where they are queued, there is nothing to consume")
    click.echo(f"inspect-app worker: {threads} thread(s), queue {huey.storage.__class__.__name__}")
    consumer = huey.create_consumer(workers=threads, worker_type="thread", periodic=not no_periodic,
                                    check_worker_health=True)
    consumer.run()


if __name__ == "__main__":
    main()
