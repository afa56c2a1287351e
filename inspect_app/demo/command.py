"""``inspect-app demo``: create or upgrade the database, load the demo once, print the accounts and serve."""

from __future__ import annotations

import gc
import signal
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from huey.consumer import Consumer
from werkzeug.serving import run_simple

from ..core.serving import QuietRequestHandler
from ..core.tasks import huey
from ..extensions import db
from .loader import load_demo
from .world import DEMO_PASSWORD

ACCOUNTS = [
    ("admin", "Administrator / 系统管理员"),
    ("province", "Province supervisor, 陕西省 / 省资助中心督查管理员"),
    ("supervisor", "City supervisor, 渭南市 / 市资助中心督查管理员"),
    ("baoji", "City supervisor, 宝鸡市 / 市资助中心督查管理员"),
    ("xianyang", "City supervisor, 咸阳市 / 市资助中心督查管理员"),
    ("huazhou", "County supervisor, 华州区 / 县级督查管理员"),
    ("inspector", "Inspector, home county 临渭区 / 检查员"),
    ("school", "School contact / 学校联络员"),
    ("viewer", "Viewer / 领导（只读）"),
]


@click.command("demo")
@click.option("--no-serve", is_flag=True, help="Prepare the database and demo data, then exit.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=5000, show_default=True, help="Port to serve on.")
@with_appcontext
def demo_command(no_serve: bool, host: str, port: int) -> None:
    """Create or upgrade the database, load the demo data once, print the accounts and serve."""
    if current_app.config.get("ENV") == "production":
        raise click.ClickException("The demo's accounts share a published password: it does not run with "
                                   "INSPECT_ENV=production.")
    upgrade()
    click.echo("Loading the demo data…")
    started = time.perf_counter()
    # The load makes some hundred thousand objects that mostly live until the commit; collecting
    # cycles among them as they are made would cost a tenth of its time, and it leaves little garbage.
    gc.disable()
    try:
        loaded = load_demo(progress=_echo_step)
    finally:
        gc.enable()
    if loaded:
        db.session.commit()
        click.echo(f"Demo data loaded in {time.perf_counter() - started:.1f} s.")
    else:
        click.echo("Demo data already present; nothing changed.")
    click.echo(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
    for username, role in ACCOUNTS:
        click.echo(f"  {username:<12} {role}")
    if no_serve:
        return
    consumer = start_consumer()
    click.echo(f"\nServing on http://{host}:{port}/  (Ctrl+C to stop)")
    try:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        run_simple(host, port, app, threaded=True, use_reloader=False, request_handler=QuietRequestHandler)
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)


def _echo_step(number: int, total: int, name: str, seconds: float) -> None:
    click.echo(f"  [{number}/{total}] {name} … {seconds:.1f} s")


def start_consumer() -> Consumer | None:
    """Run the task queue's worker inside this process, so that the demo needs no other program."""
    if huey.immediate:
        return None
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = huey.create_consumer(workers=2, worker_type="thread", periodic=True)
    consumer.start()
    # Ctrl+C stops the server (and then the consumer), as it would without one.
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    return consumer
