"""Tablets syncing visits and supervisors browsing, at once, against ``inspect-app serve`` (gunicorn).

    pip install -e '.[bench]'        # Locust
    python bench/bench_load.py [--tablets 20] [--visits 1] [--supervisors 5] [--workers 2] [--duration 30]
                               [--database-url postgresql://…] [--queue-url redis://127.0.0.1:6379/N]

The app is served as in production, by ``inspect-app serve --workers N`` in a subprocess on a free
loopback port, over a freshly migrated database (an SQLite file in a temporary folder, or the
PostgreSQL database given, whose public schema is dropped and migrated again) holding one started
campaign of the shipped checklist with ``--visits`` visits for each of ``--tablets`` inspectors, and
``--supervisors`` supervisors (default: one for four tablets). The load is made with Locust,
driven from this script (``locust.env.Environment`` and a local runner, no web UI), and goes only
to 127.0.0.1. Two phases of ``--duration`` seconds each, under the same server:

1. Idle baseline: as many users as the load phase has, each asking ``/healthz`` (which does nothing)
   every 0.5–1.5 s, with nothing else running.
2. Load: ``--health-users`` users (default: one for four tablets, at least 5) keep asking ``/healthz``
   the same way, beside the tablets and supervisors: the bare endpoint served the same way under the
   same load, whose p95 is the yardstick. Each tablet signs in through the API and syncs its visits
   one after the other, each as the offline page does after a day without a connection: opens the
   visit (PUT), sends the answers in batches of 20 operations with an ``Idempotency-Key``, uploads
   two 1600×1200 photos and a signature (PUT /api/v1/media/{uuid}), sends every batch a second time
   (as when the answer to the first was lost; the server must answer it from its record) and
   submits; 0.5–1.5 s between requests. A tablet stops when its last visit is submitted: with one
   visit each (the default) the load lasts as long as the tablets take, often less than
   ``--duration``; with more (``--visits``), the tablets keep the load up and give more samples,
   and the visits left when the time is up stay unsent. A 503 (the database busy) is sent again
   after a pause, as the page does, and counted apart; a request answered with another server
   error, or not answered within 120 s, is sent again the same way and counts as a failure. Each supervisor
   signs in through the login form (with its CSRF token) and reads the home page, the overview,
   the lists of visits, findings, rectifications, campaigns and schools, the campaign and its
   board, one every 2–5 s.

When the duration is up, users finish the request they are in (at most 120 s more; a request still
unanswered then is cut, and the check below accepts it applied or not), then stop. The
script prints, per kind of request, Locust's count, failures and p50/p95/p99, and each kind's p95
as a ratio to the p95 of /healthz under the same load (the gate: a batch at most 3×) and, for
context, to the idle baseline's: the figures to compare between runs and machines (absolute times
depend on the machine, and the load generator shares it with the server; under load the bare
endpoint's p95 includes time waiting for a free server thread and for the processor). Then it
checks the database against what the tablets were told: every acknowledged answer stored once at
revision 1, every acknowledged operation recorded once, every acknowledged file stored once, every
visit whose submission was acknowledged submitted and no other. Errors the server logged are
printed. The exit status is 1 on any failed request, server error, mismatch, or a server that died.

Photos are processed after their upload answers, by the task queue: ``inspect-app worker`` runs
beside the server on the same broker (``--queue-url``, or the embedded queue), as in production.
Once the load is over, the check waits (at most 120 s) for the worker to finish the photos and
counts any not processed, or refused, as a problem. Run it by hand; it is not part of the tests.
"""

from __future__ import annotations

# Locust's users are greenlets: gevent patches the standard library before anything else imports it.
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import typing as t  # noqa: E402
import urllib.parse  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from dataclasses import field  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from locust import HttpUser  # noqa: E402
from locust import between  # noqa: E402
from locust import task  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.exception import StopUser  # noqa: E402
from locust.stats import StatsEntry  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_sync import BATCH  # noqa: E402
from bench_sync import photo  # noqa: E402
from bench_sync import prepare  # noqa: E402
from bench_sync import signature  # noqa: E402
from harness import PASSWORD  # noqa: E402
from harness import fresh_app  # noqa: E402

from inspect_app.auth import services as auth_services  # noqa: E402
from inspect_app.auth.models import Role  # noqa: E402
from inspect_app.campaigns.models import Campaign  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.media.models import Attachment  # noqa: E402
from inspect_app.media.models import FileStatus  # noqa: E402
from inspect_app.sync.models import SyncOp  # noqa: E402
from inspect_app.visits.models import Answer  # noqa: E402
from inspect_app.visits.models import Visit as VisitRow  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120  # seconds a request may take before the client gives up
STOP_TIMEOUT = 120  # seconds users get, once the time is up, to finish the request they are in
TRIES = 6  # sends of one request answered with a server error, as the offline page retries
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
TABLET_KINDS = ("tablet CSRF token", "tablet sign-in", "open visit", "batch of 20 ops", "photo 1600x1200", "signature",
                "batch sent again", "submit")


@dataclass
class Visit:
    """One tablet's visit and what the server acknowledged of it."""

    username: str
    uuid: str
    school_id: int
    version_id: int
    ops: int = 0  # answer operations acknowledged in a first send
    files: list[str] = field(default_factory=list)
    submitted: bool = False
    # The request in flight when the stop cut it (after STOP_TIMEOUT): ("ops", n), ("file", uuid), ("submit", "").
    pending: tuple[str, t.Any] | None = None


@dataclass
class Plan:
    """What the users share: the visits to sync (by tablet), the answers, the samples, the supervisors' pages."""

    tablets: list[list[Visit]]
    answers: list[tuple[int, str]]
    photo_item: int
    photos: list[bytes]
    sign: bytes
    supervisors: list[str]
    pages: list[tuple[str, str]]  # (name in the table, path)
    next_tablet: int = 0
    next_supervisor: int = 0
    tablets_done: int = 0  # tablets that have stopped (last visit submitted, or given up)

    @property
    def visits(self) -> list[Visit]:
        return [visit for visits in self.tablets for visit in visits]


PLAN: Plan
ERRORS: list[str] = []  # exceptions raised in the users' code


def why(response: t.Any) -> str:
    """What went wrong: the client's error (no answer) or the start of the body, or where it ended up."""
    if response.status_code == 0:
        return repr(response.error)[:200]
    if urllib.parse.urlsplit(response.url).path == "/auth/login":
        return "sent back to the login page"
    return response.text[:200]


class TabletUser(HttpUser):
    """Signs in, syncs its visits one after the other (one request a task, so a stop never cuts a visit
    mid-request), stops."""

    wait_time = between(0.5, 1.5)
    done = True  # nothing to count until the user takes a visit

    def on_start(self) -> None:
        if PLAN.next_tablet >= len(PLAN.tablets):
            raise StopUser()
        self.done = False
        self.queue = list(PLAN.tablets[PLAN.next_tablet])
        PLAN.next_tablet += 1
        self.visit = self.queue.pop(0)
        self.client.headers.update({"X-Client-Id": f"bench-{self.visit.username}", "Accept": "application/json"})
        token = self.client.get("/api/v1/csrf", name="tablet CSRF token", timeout=TIMEOUT).json()["csrf_token"]
        with self.client.post("/api/v1/session", name="tablet sign-in", timeout=TIMEOUT, catch_response=True,
                              json={"username": self.visit.username, "password": PASSWORD},
                              headers={"X-CSRFToken": token}) as response:
            if response.status_code != 200:
                response.failure(f"sign-in {response.status_code} {why(response)}")
                self.on_stop()
                raise StopUser()
            self.client.headers["X-CSRFToken"] = response.json()["csrf_token"]
        self.steps = self.plan_steps()

    def plan_steps(self) -> list[Callable[[], None]]:
        visit = self.visit
        ops = [{"op_id": str(uuid.uuid4()), "type": "answer", "item_id": item, "value": value, "note": None,
                "base_rev": 0} for item, value in PLAN.answers]
        batches = [(str(uuid.uuid4()), ops[k:k + BATCH]) for k in range(0, len(ops), BATCH)]
        first_answers: dict[str, str] = {}
        steps: list[Callable[[], None]] = [lambda: self.send(
            "open visit", "PUT", f"/api/v1/visits/{visit.uuid}", (201, 200),  # 200: opened by an earlier send
            json={"school_id": visit.school_id, "checklist_version_id": visit.version_id,
                  "started_at": "2026-11-27T08:00:00+08:00"})]
        for key, batch in batches:
            steps.append(lambda key=key, batch=batch: self.send_batch(key, batch, first_answers))
        for n, data in enumerate(PLAN.photos):
            steps.append(lambda n=n, data=data: self.upload(
                "photo 1600x1200", f"item={PLAN.photo_item}&filename=IMG_{n}.jpg", data, "image/jpeg"))
        steps.append(lambda: self.upload("signature", "kind=signature&signer=inspector", PLAN.sign, "image/png"))
        for key, batch in batches:
            steps.append(lambda key=key, batch=batch: self.send_batch(key, batch, first_answers))
        steps.append(self.submit)
        return steps

    def on_stop(self) -> None:
        if not self.done:
            self.done = True
            PLAN.tablets_done += 1

    @task
    def next_step(self) -> None:
        if not self.steps and self.queue:
            self.visit = self.queue.pop(0)
            self.steps = self.plan_steps()
        if not self.steps:
            self.on_stop()
            raise StopUser()
        self.steps.pop(0)()

    def send(self, kind: str, method: str, path: str, expect: tuple[int, ...],
             check: Callable[[t.Any], str | None] = lambda _body: None, **kw: t.Any) -> bool:
        """One request of the sync. A server error or no answer (status 0: refused, reset, timed out) is
        sent again after a pause, as the page does (the same request, so never applied twice); a 503 is
        not a failure and has its own line in the table."""
        for attempt in range(TRIES):
            with self.client.request(method, path, name=kind, timeout=TIMEOUT, catch_response=True,
                                     **kw) as response:
                status = response.status_code
                if (status == 0 or status >= 500) and attempt < TRIES - 1:
                    if status == 503:  # busy: the page waits and sends it again, not a failure
                        response.request_meta["name"] = f"{kind} (503, sent again)"
                        response.success()
                    else:
                        response.failure(f"{kind}: {status} {why(response)}")
                    gevent.sleep(0.5 * 2 ** attempt)
                    continue
                if status not in expect:
                    response.failure(f"{kind}: {status} {why(response)}")
                    return False
                problem = check(response.json())
                if problem:
                    response.failure(f"{kind}: {problem}")
                    return False
                return True
        return False

    def send_batch(self, key: str, batch: list[dict[str, t.Any]], first_answers: dict[str, str]) -> None:
        again = key in first_answers
        kind = "batch sent again" if again else "batch of 20 ops"

        def check(body: t.Any) -> str | None:
            if again:
                return None if body.get("batch") == first_answers[key] else "answered as a new batch"
            first_answers[key] = body.get("batch")
            statuses = {r["status"] for r in body.get("results", [])}
            return None if statuses <= {"applied", "duplicate"} and len(body["results"]) == len(batch) \
                else f"results {sorted(statuses)}"

        self.visit.pending = None if again else ("ops", len(batch))
        if self.send(kind, "POST", f"/api/v1/visits/{self.visit.uuid}/ops", (200,), check,
                     json={"ops": batch}, headers={"Idempotency-Key": key}) and not again:
            self.visit.ops += len(batch)
        self.visit.pending = None

    def upload(self, kind: str, query: str, data: bytes, content_type: str) -> None:
        key = str(uuid.uuid4())
        self.visit.pending = ("file", key)
        if self.send(kind, "PUT", f"/api/v1/media/{key}?visit={self.visit.uuid}&{query}", (201,), data=data,
                     headers={"X-Content-SHA256": hashlib.sha256(data).hexdigest(), "Content-Type": content_type}):
            self.visit.files.append(key)
        self.visit.pending = None

    def submit(self) -> None:
        self.visit.pending = ("submit", "")
        if self.send("submit", "POST", f"/api/v1/visits/{self.visit.uuid}/submit", (201,),
                     headers={"Idempotency-Key": str(uuid.uuid4())}):
            self.visit.submitted = True
        self.visit.pending = None


class SupervisorUser(HttpUser):
    """Signs in through the login form, then reads lists and the dashboard."""

    wait_time = between(2, 5)

    def on_start(self) -> None:
        username = PLAN.supervisors[PLAN.next_supervisor % len(PLAN.supervisors)]
        PLAN.next_supervisor += 1
        page = self.client.get("/auth/login", name="supervisor login page", timeout=TIMEOUT)
        token = CSRF_RE.search(page.text)
        with self.client.post("/auth/login", name="supervisor sign-in", timeout=TIMEOUT, catch_response=True,
                              data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1) if token else ""}) as response:
            if response.status_code != 200 or urllib.parse.urlsplit(response.url).path == "/auth/login":
                response.failure(f"sign-in {response.status_code} {why(response)}")
                raise StopUser()

    @task
    def browse(self) -> None:
        name, path = random.choice(PLAN.pages)
        with self.client.get(path, name=name, timeout=TIMEOUT, catch_response=True) as response:
            if response.status_code != 200 or urllib.parse.urlsplit(response.url).path == "/auth/login":
                response.failure(f"{response.status_code} {why(response)}")


class HealthUser(HttpUser):
    """The baseline: asks whether the process answers."""

    wait_time = between(0.5, 1.5)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="/healthz", timeout=TIMEOUT)


class LoadHealthUser(HealthUser):
    """The yardstick: the same, beside the load, until the last tablet has stopped."""

    @task
    def healthz(self) -> None:
        if PLAN.tablets_done >= len(PLAN.tablets):
            raise StopUser()
        super().healthz()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(args: argparse.Namespace, url: str, workdir: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "INSPECT_DATABASE_URL": url, "INSPECT_SECRET_KEY": "bench-load", "INSPECT_INSTANCE_PATH": str(workdir),
            "INSPECT_UPLOAD_DIR": str(workdir / "uploads"), "INSPECT_QUEUE_URL": args.queue_url,
            "INSPECT_LOG_FORMAT": "json"}


def start_worker(args: argparse.Namespace, url: str, workdir: Path, log: t.IO[bytes]) -> subprocess.Popen:
    """``inspect-app worker``: the photos' processing, on the server's broker."""
    return subprocess.Popen([sys.executable, "-m", "inspect_app.cli", "worker", "--threads", "2"],
                            cwd=ROOT, env=server_env(args, url, workdir), stdout=log, stderr=subprocess.STDOUT)


def wait_for_photos(app: t.Any, seconds: float = 120) -> None:
    """Wait until no photo is left processing (the worker's backlog after the load), or ``seconds``."""
    deadline = time.monotonic() + seconds
    with app.app_context():
        while time.monotonic() < deadline:
            left = db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)
                                     .where(Attachment.status == FileStatus.PROCESSING))
            db.session.rollback()
            if not left:
                return
            gevent.sleep(1)


def start_server(args: argparse.Namespace, url: str, workdir: Path, log: t.IO[bytes]) -> tuple[subprocess.Popen, str]:
    """``inspect-app serve`` on a free loopback port; returns once /readyz answers 200."""
    port = free_port()
    env = server_env(args, url, workdir)
    server = subprocess.Popen([sys.executable, "-m", "inspect_app.cli", "serve", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", str(args.workers)],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped at once (exit {server.returncode}); see {log.name}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            if requests.get(base + "/readyz", timeout=5).status_code == 200:
                return server, base
        except OSError:
            pass
        gevent.sleep(0.5)
    server.terminate()
    raise SystemExit(f"the server did not become ready in 120 s; see {log.name}")


def run_phase(base: str, users: dict[type[HttpUser], int], duration: float) -> Environment:
    """Spawn the users (all within two or three seconds), let them run ``duration`` s, stop them gracefully."""
    for user_class, count in users.items():
        user_class.fixed_count = count
    env = Environment(user_classes=[c for c, n in users.items() if n], host=base, stop_timeout=STOP_TIMEOUT)
    env.events.user_error.add_listener(
        lambda user_instance, exception, tb: ERRORS.append(f"{type(user_instance).__name__}: {exception!r}"))
    runner = env.create_local_runner()
    total = sum(users.values())
    runner.start(total, spawn_rate=min(100.0, max(1.0, total / 2)))  # Locust warns above 100 a second
    gevent.sleep(duration)
    runner.quit()
    return env


def percentile(entry: StatsEntry, q: float) -> float:
    return float(entry.get_response_time_percentile(q)) if entry.num_requests else 0.0


def print_stats(baseline: Environment, load: Environment) -> tuple[int, float]:
    """The table of both phases; returns the failures and the yardstick (the p95 of /healthz under load)."""
    def health_p95(phase: Environment) -> float:
        health = phase.stats.entries.get(("/healthz", "GET"))
        return max(1.0, percentile(health, 0.95)) if health else 1.0

    yardstick, idle = health_p95(load), health_p95(baseline)
    print(f"{'request':34} {'n':>6} {'fail':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'p95 / healthz p95 under load':>29} {'/ idle':>7}")
    order = {name: n for n, name in enumerate(("/healthz", *TABLET_KINDS, "supervisor login page",
                                                "supervisor sign-in"))}
    failures = 0
    for phase in (baseline, load):
        entries = sorted(phase.stats.entries.values(), key=lambda e: (order.get(e.name.split(" (")[0], 99), e.name))
        for entry in entries:
            failures += entry.num_failures
            p95 = percentile(entry, 0.95)
            print(f"{entry.name:34} {entry.num_requests:6d} {entry.num_failures:5d} {percentile(entry, 0.5):8.0f} "
                  f"{p95:8.0f} {percentile(entry, 0.99):8.0f} {p95 / yardstick:29.1f} {p95 / idle:7.1f}")
        total = phase.stats.total
        print(f"{'  all, ' + ('idle baseline' if phase is baseline else 'load'):34} {total.num_requests:6d} "
              f"{total.num_failures:5d} {percentile(total, 0.5):8.0f} {percentile(total, 0.95):8.0f} "
              f"{percentile(total, 0.99):8.0f}   {total.total_rps:.1f} requests/s")
    batch = load.stats.entries.get(("batch of 20 ops", "POST"))
    if batch:
        print(f"batch of 20 ops: p95 {percentile(batch, 0.95) / yardstick:.1f}× /healthz p95 under the same load "
              f"({yardstick:.0f} ms; idle {idle:.0f} ms); goal at most 3×")
    for phase in (baseline, load):
        for error in list(phase.stats.errors.values())[:20]:
            print(f"  FAILED {error.occurrences}× {error.method} {error.name}: {error.error}"[:400])
    return failures, yardstick


def verify(app: t.Any, visits: list[Visit], expected_ops: int) -> list[str]:
    """Compare the database with what the tablets were told; the problems found."""
    problems = []
    with app.app_context():
        ids = dict(db.session.execute(sa.select(VisitRow.uuid, VisitRow.id)).all())
        statuses = dict(db.session.execute(sa.select(VisitRow.id, VisitRow.status)).all())

        def per_visit(model: t.Any, *where: t.Any) -> dict[int, int]:
            query = sa.select(model.visit_id, sa.func.count()).where(*where).group_by(model.visit_id)
            return dict(db.session.execute(query).all())

        answers, ops, files = per_visit(Answer), per_visit(SyncOp), per_visit(Attachment)
        revised = db.session.scalar(sa.select(sa.func.count()).select_from(Answer).where(Answer.rev != 1))
        stored_files = set(db.session.scalars(sa.select(Attachment.uuid)))
        unprocessed = dict(db.session.execute(
            sa.select(Attachment.status, sa.func.count()).where(Attachment.status != FileStatus.READY)
            .group_by(Attachment.status)).all())
    if revised:
        problems.append(f"{revised} answers at a revision other than 1")
    if unprocessed:
        problems.append("files not processed: " + ", ".join(f"{getattr(k, 'value', k)} {n}"
                                                            for k, n in unprocessed.items()))
    for visit in visits:
        vid = ids[visit.uuid]
        status = getattr(statuses[vid], "value", statuses[vid])
        # A request cut by the stop may or may not have been applied; either is right.
        cut, payload = visit.pending or ("", None)
        cut_ops, cut_files = (payload if cut == "ops" else 0), int(cut == "file" and payload in stored_files)
        for what, stored, told, more in (("answers", answers.get(vid, 0), visit.ops, cut_ops),
                                         ("operations", ops.get(vid, 0), visit.ops, cut_ops),
                                         ("files", files.get(vid, 0), len(visit.files), cut_files)):
            if stored not in (told, told + more):
                problems.append(f"{visit.username}: {what} stored {stored}, acknowledged {told}")
        if missing := [key for key in visit.files if key not in stored_files]:
            problems.append(f"{visit.username}: acknowledged files missing {missing}")
        if visit.submitted != (status == "submitted") and cut != "submit":
            problems.append(f"{visit.username}: visit {status}, submission acknowledged: {visit.submitted}")
    done = [v for v in visits if v.submitted]
    cut_off = sum(v.pending is not None for v in visits)
    print(f"visits submitted {len(done)} of {len(visits)} (all answers sent: "
          f"{sum(v.ops == expected_ops for v in visits)}; a request cut by the stop: {cut_off}); "
          f"answers stored {sum(answers.values())} (at a revision other than 1: {revised}), operations "
          f"{sum(ops.values())}, files {sum(files.values())}, as acknowledged: {'yes' if not problems else 'NO'}")
    return problems


def server_errors(log_path: Path) -> list[str]:
    """What the server logged at ERROR or worse, 5xx answers other than 503, and tracebacks (with the
    app's three innermost frames), one line each."""
    found: list[str] = []
    frames: list[str] = []
    cause = "\0"
    in_traceback = False
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if isinstance(entry, dict):
            status = entry.get("status")
            if entry.get("level") in ("ERROR", "CRITICAL") or (isinstance(status, int) and status >= 500
                                                               and status != 503):
                found.append(line)
            continue
        if line.startswith("Traceback"):
            in_traceback = True
        elif in_traceback and "/inspect_app/" in line:
            frames.append(line.strip().split("/inspect_app/")[1])
        elif line.startswith("The above exception") or line.startswith("During handling of the above"):
            if found and found[-1].startswith(cause):  # only the last exception of a chain is kept
                found.pop()
        elif in_traceback and line and not line[0].isspace() and ":" in line:
            cause = line.strip()
            found.append(cause + (f"  [at {' ← '.join(reversed(frames[-3:]))}]" if frames else ""))
            in_traceback, frames = False, []
        elif line.startswith("--- Logging error ---") or re.search(r"\[(ERROR|CRITICAL)\]", line):
            found.append(line)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tablets", type=int, default=20)
    parser.add_argument("--visits", type=int, default=1, help="visits each tablet syncs, one after the other")
    parser.add_argument("--supervisors", type=int, help="default: one for four tablets")
    parser.add_argument("--health-users", type=int,
                        help="users asking /healthz beside the load (default: one for four tablets, at least 5)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--duration", type=float, default=30, help="seconds of each phase (baseline, load)")
    parser.add_argument("--database-url", default="",
                        help="Use this PostgreSQL database instead of SQLite; its public schema is dropped!")
    parser.add_argument("--queue-url", default="", help="redis://127.0.0.1:6379/N, or empty for the embedded queue")
    parser.add_argument("--server-log", type=Path, help="keep the server's log here (default: a temporary file)")
    args = parser.parse_args()
    supervisors = max(1, args.tablets // 4) if args.supervisors is None else args.supervisors
    health_users = max(5, args.tablets // 4) if args.health_users is None else max(1, args.health_users)
    for option, value in (("database", args.database_url), ("queue", args.queue_url)):
        host = urllib.parse.urlsplit(value).hostname
        if value and host not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"the {option} must be on this machine (127.0.0.1), not {host}")

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        app = fresh_app(args.database_url, workdir, "load")
        url = args.database_url or app.config["DATABASE_URL"]
        rows, answers = prepare(app, args.tablets, max(1, args.visits))
        (photo_item, _), answers = answers[0], answers[1:]
        names = add_supervisors(app, supervisors)
        global PLAN
        by_tablet: dict[str, list[Visit]] = {}
        for row in rows:
            by_tablet.setdefault(row[0], []).append(Visit(*row))
        PLAN = Plan(tablets=list(by_tablet.values()), answers=answers, photo_item=photo_item,
                    photos=[photo(n) for n in range(2)], sign=signature(), supervisors=names,
                    pages=supervisor_pages(app))
        with app.app_context():
            db.engine.dispose()  # the server has the database to itself
        log_path = args.server_log or workdir / "server.log"
        with open(log_path, "wb") as log:
            server, base = start_server(args, url, workdir, log)
            worker = start_worker(args, url, workdir, log)
            try:
                users = args.tablets + supervisors
                print(f"{args.tablets} tablets ({max(1, args.visits)} visit(s) each of {len(answers)} answers, "
                      f"2 photos and a signature) and "
                      f"{supervisors} supervisors against `inspect-app serve --workers {args.workers}` on "
                      f"{'PostgreSQL' if args.database_url else 'SQLite'}, queue "
                      f"{args.queue_url or 'embedded'}; idle baseline: {users} users on /healthz; under load: "
                      f"{health_users} on /healthz; {args.duration:.0f} s each", flush=True)
                baseline = run_phase(base, {HealthUser: users}, args.duration)
                load = run_phase(base, {TabletUser: args.tablets, SupervisorUser: supervisors,
                                        LoadHealthUser: health_users}, args.duration)
                wait_for_photos(app)
            finally:
                worker.terminate()
                try:
                    worker.wait(60)
                except subprocess.TimeoutExpired:
                    worker.kill()
                alive = server.poll() is None
                server.terminate()
                try:
                    server.wait(60)
                except subprocess.TimeoutExpired:
                    server.kill()
        failures, _ = print_stats(baseline, load)
        problems = verify(app, PLAN.visits, len(answers))
        errors = server_errors(log_path)
    if not alive:
        problems.append("the server died during the run")
    if errors:
        problems.append(f"the server logged {len(errors)} errors:\n      "
                        + "\n      ".join(line[:600] for line in errors[:20]))
    if ERRORS:
        problems.append(f"{len(ERRORS)} exceptions in the users: " + "; ".join(ERRORS[:10]))
    if failures:
        problems.append(f"{failures} requests failed")
    if problems:
        print("PROBLEMS:\n  " + "\n  ".join(problems[:40]))
        raise SystemExit(1)
    print("no failed request, nothing lost, nothing stored twice")


def add_supervisors(app: t.Any, count: int) -> list[str]:
    with app.app_context():
        names = [auth_services.create_user(f"supervisor{n:03d}", role=Role.SUPERVISOR, password=PASSWORD,
                                           actor=None).username for n in range(count)]
        db.session.commit()
    return names


def supervisor_pages(app: t.Any) -> list[tuple[str, str]]:
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign.id).where(Campaign.code == "BENCH"))
    lists = ["/overview", "/visits/", "/findings/", "/rectification/", "/campaigns/", "/schools/"]
    return [("/ (home, to /overview)", "/"), *((path, path) for path in lists),
            ("/campaigns/<id>", f"/campaigns/{campaign}"), ("/campaigns/<id>/board", f"/campaigns/{campaign}/board")]


if __name__ == "__main__":
    main()
