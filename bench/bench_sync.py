"""Many tablets syncing full visits at once, and the server-side ingest of a 12-megapixel photo.

    python bench/bench_sync.py [--tablets 40] [--database-url URL]

Part 1 serves the app on a loopback port (a threaded WSGI server, as `inspect-app run` does) over
a freshly migrated database with one campaign of ``--tablets`` visits, each assigned to its own
inspector. Every tablet, in its own thread and all released at once, does what the offline page
does after a day without a connection: opens its visit, sends the answers of the shipped
checklist in batches of 20 operations, uploads two photos (1600×1200 JPEGs, as the page scales
them) and a signature, and submits. Each batch is then sent a second time, as a tablet does when
the answer to the first was lost. It prints the latency percentiles of each kind of request and
checks that nothing was lost or stored twice: every answer once at revision 1, every file once,
every visit submitted.

Part 2 times what the server's background task does with one 12-megapixel camera JPEG (4032×3024,
sent as it is): decoding it (in JPEG draft mode), scaling to 1600 px, turning it upright, the
thumbnail, and the stamped copy. The upload request itself only checks the header and stores the
bytes; bench_photo.py compares both with the naive pipeline.

Run it by hand; it is not part of the tests. PostgreSQL: pass ``--database-url`` to an empty
database (its schema is dropped and migrated again).
"""

from __future__ import annotations

import argparse
import hashlib
import http.cookiejar
import io
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import typing as t
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from PIL import Image
from PIL import ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspect_app import create_app  # noqa: E402
from inspect_app.extensions import db  # noqa: E402

PASSWORD = "bench-password"
BATCH = 20


def photo(seed: int, size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A JPEG with enough detail to weigh what a scaled camera photo weighs (200–400 KB)."""
    rnd = random.Random(seed)
    image = Image.effect_noise(size, 40).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rnd.randrange(size[0]), rnd.randrange(size[1])
        draw.rectangle((x, y, x + rnd.randint(40, 400), y + rnd.randint(40, 300)),
                       fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def signature() -> bytes:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(40, 120), (120, 60), (200, 150), (320, 70), (480, 130)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def prepare(app, tablets: int, visits: int = 1) -> tuple[list[tuple[str, str, int, int]],  # noqa: ANN001
                                                           list[tuple[int, str]]]:
    """A started campaign of the shipped checklist with ``visits`` visits per tablet, each tablet its own
    inspector; (username, visit uuid, …) for every visit, a tablet's visits one after the other."""
    from inspect_app.auth import services as auth_services
    from inspect_app.auth.models import Role
    from inspect_app.campaigns import services as campaign_services
    from inspect_app.checklists import services as checklist_services
    from inspect_app.db import local_today
    from inspect_app.schools import services as school_services
    from inspect_app.schools.models import SchoolLevel

    with app.app_context():
        path = Path(app.config["FORMS_DIR"]) / "student_aid_cross_check.md"
        version, _ = checklist_services.import_checklist(path.read_bytes(), filename=path.name, actor=None,
                                                         publish=True)
        county = school_services.create_county("基准县", actor=None)
        admin = auth_services.create_user("benchadmin", role=Role.ADMIN, password=PASSWORD, actor=None)
        schools = [school_services.create_school(code=f"{9300000000 + n}", name=f"基准学校{n}", county=county,
                                                 level=SchoolLevel.PRIMARY, actor=None)
                   for n in range(tablets * visits)]
        today = local_today()
        campaign = campaign_services.create_campaign(
            code="BENCH", name="同步基准", term="2026年秋季学期", checklist_version=version,
            default_due_on=today + timedelta(days=30), starts_on=today, ends_on=today + timedelta(days=10),
            actor=admin)
        added = campaign_services.add_schools(campaign, schools, actor=admin)
        rows = []
        for n in range(tablets):
            inspector = auth_services.create_user(f"tablet{n:03d}", role=Role.INSPECTOR, password=PASSWORD,
                                                  actor=None)
            own = added[n * visits:(n + 1) * visits]
            campaign_services.assign_inspector(own, inspector, actor=admin)
            rows.extend((inspector.username, visit.uuid, visit.school_id, version.id) for visit in own)
        campaign_services.start_campaign(campaign, actor=admin)
        items = [(i.id, i.type.value, [c["name"] for c in i.choices or []], i.name) for i in version.items
                 if i.type.takes_answer and i.type.value != "image" and i.repeat_id is None and i.detail_of_id is None]
        # Photos of an assessed item (its own photo buttons), which stay with the submitted visit.
        photo_items = [i.id for i in version.items if i.fail_values and i.repeat_id is None]
        db.session.commit()
        answers = []
        for item_id, kind, choices, name in items:
            if name == "contact_phone":
                answers.append((item_id, "0913-2123456"))
                continue
            value = {"select_one": "yes" if "yes" in choices else (choices[0] if choices else "x"),
                     "integer": "420", "decimal": "1.5", "date": today.isoformat(), "text": "良好"}.get(kind)
            if value is not None:
                answers.append((item_id, value))
        return rows, [(photo_items[0], "photo")] + answers  # the first entry names the photo item


class Tablet:
    """One tablet's HTTP session (urllib, with its own cookies)."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.headers = {"X-Client-Id": f"bench-{username}", "Accept": "application/json"}

    def send(self, method: str, path: str, *, json_body: object = None, data: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, object]:
        body = json.dumps(json_body).encode() if json_body is not None else data
        all_headers = {**self.headers, **(headers or {})}
        if json_body is not None:
            all_headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=all_headers)
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, err.read()[:200]


def run_tablet(base: str, username: str, visit: str, school_id: int, version_id: int,
               answers: list[tuple[int, str]], photo_item: int, samples: list[bytes],
               latencies: dict[str, list[float]], errors: list[str], retries: list[str],
               barrier: threading.Barrier) -> None:
    tablet = Tablet(base, username)
    status, body = tablet.send("POST", "/api/v1/session", json_body={"username": username, "password": PASSWORD},
                               headers={"X-CSRFToken": str(tablet.send("GET", "/api/v1/csrf")[1]["csrf_token"])})  # type: ignore[index]
    if status != 200:
        errors.append(f"{username}: login {status}")
        barrier.wait()
        return
    tablet.headers["X-CSRFToken"] = body["csrf_token"]  # type: ignore[index]
    ops = [{"op_id": str(uuid.uuid4()), "type": "answer", "item_id": item, "value": value, "note": None,
            "base_rev": 0} for item, value in answers]
    batches = [(str(uuid.uuid4()), ops[k:k + BATCH]) for k in range(0, len(ops), BATCH)]
    barrier.wait()

    def timed(kind: str, method: str, path: str, expect: tuple[int, ...], **kw: t.Any) -> None:
        # As the page does: a server error is retried (the same request, so never applied twice).
        for attempt in range(6):
            start = time.perf_counter()
            status, body = tablet.send(method, path, **kw)
            latencies[kind].append(time.perf_counter() - start)
            if status < 500:
                break
            retries.append(f"{kind} {status}")
            time.sleep(0.5 * 2 ** attempt)
        if status not in expect:
            errors.append(f"{username}: {kind} {status} {body!r}")

    timed("open visit", "PUT", f"/api/v1/visits/{visit}", (201,),
          json_body={"school_id": school_id, "checklist_version_id": version_id,
                     "started_at": "2026-11-27T08:00:00+08:00"})
    for key, batch in batches:
        timed("batch of 20 ops", "POST", f"/api/v1/visits/{visit}/ops", (200,), json_body={"ops": batch},
              headers={"Idempotency-Key": key})
    for n, data in enumerate(samples):
        timed("photo 1600x1200", "PUT", f"/api/v1/media/{uuid.uuid4()}?visit={visit}&item={photo_item}"
              f"&filename=IMG_{n}.jpg", (201,), data=data,
              headers={"X-Content-SHA256": hashlib.sha256(data).hexdigest(), "Content-Type": "image/jpeg"})
    sign = signature()
    timed("signature", "PUT", f"/api/v1/media/{uuid.uuid4()}?visit={visit}&kind=signature&signer=inspector",
          (201,), data=sign,
          headers={"X-Content-SHA256": hashlib.sha256(sign).hexdigest(), "Content-Type": "image/png"})
    for key, batch in batches:
        timed("batch sent again", "POST", f"/api/v1/visits/{visit}/ops", (200,), json_body={"ops": batch},
              headers={"Idempotency-Key": key})
    timed("submit", "POST", f"/api/v1/visits/{visit}/submit", (201,),
          headers={"Idempotency-Key": str(uuid.uuid4())})


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return (f"n={len(ordered):4d}  p50 {pick(0.5):7.0f} ms  p90 {pick(0.9):7.0f} ms  p99 {pick(0.99):7.0f} ms  "
            f"max {ordered[-1] * 1000:7.0f} ms")


def sync_bench(tablets: int, database_url: str | None, workdir: Path) -> None:
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    url = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if database_url:
        engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "UPLOAD_DIR": str(workdir / "uploads"),
                      "QUEUE_IMMEDIATE": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
    rows, answers = prepare(app, tablets)
    (photo_item, _), answers = answers[0], answers[1:]
    samples = [photo(n) for n in range(2)]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    retries: list[str] = []
    barrier = threading.Barrier(len(rows))
    threads = [threading.Thread(target=run_tablet, args=(base, *row, answers, photo_item, samples, latencies, errors,
                                                         retries, barrier)) for row in rows]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    server.shutdown()
    print(f"{tablets} tablets at once, {len(answers)} answers, 2 photos ({sum(map(len, samples)) // 2 // 1024} KB "
          f"each) and a signature per visit, on {'PostgreSQL' if database_url else 'SQLite'}: {wall:.1f} s in all")
    for kind in ("open visit", "batch of 20 ops", "photo 1600x1200", "signature", "batch sent again", "submit"):
        print(f"  {kind:18} {percentiles(latencies[kind])}")
    from inspect_app.media.models import Attachment
    from inspect_app.sync.models import SyncOp
    from inspect_app.visits.models import Answer
    from inspect_app.visits.models import Visit

    with app.app_context():
        count = lambda model, *where: db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))  # noqa: E731
        stored = count(Answer)
        revised = count(Answer, Answer.rev != 1)
        files = count(Attachment)
        ops = count(SyncOp)
        submitted = count(Visit, Visit.status == "submitted")
    expected = tablets * len(answers)
    print(f"  requests answered with a server error and sent again: {len(retries)}"
          + (f" ({', '.join(sorted(set(retries)))})" if retries else ""))
    print(f"  answers stored {stored} of {expected} (at a revision other than 1: {revised}); operations {ops}; "
          f"files {files} of {tablets * 3}; visits submitted {submitted} of {tablets}")
    if errors or stored < expected or revised or files != tablets * 3 or ops != expected:
        print("  PROBLEMS:\n    " + "\n    ".join(errors[:20] or ["counts differ"]))
        raise SystemExit(1)
    print("  nothing lost, nothing stored twice")


def ingest_bench(workdir: Path, runs: int = 5) -> None:
    from inspect_app.media import services as media

    data = photo(7, (4032, 3024))
    app = create_app({"DATABASE_URL": f"sqlite:///{workdir / 'ingest.sqlite3'}", "SECRET_KEY": "bench",
                      "UPLOAD_DIR": str(workdir / "ingest")})
    with app.app_context():
        times, stamps = [], []
        for _ in range(runs):
            start = time.perf_counter()
            image = media.decode_image(data, filename="IMG_12MP.jpg")
            middle = time.perf_counter()
            media.stamp_image(image.data, ["基准学校（9300000000）", "拍摄于2026-11-27 09:15 · 34.5, 109.7"])
            times.append(middle - start)
            stamps.append(time.perf_counter() - middle)
    print(f"12-megapixel JPEG ({len(data) / 1e6:.1f} MB, 4032×3024) ingested in a median "
          f"{statistics.median(times) * 1000:.0f} ms (draft decode, scale to 1600 px, upright, re-encode, thumbnail) "
          f"+ {statistics.median(stamps) * 1000:.0f} ms for the stamped copy; {runs} runs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tablets", type=int, default=40)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ingest_bench(Path(tmp))
        sync_bench(args.tablets, args.database_url, Path(tmp))


if __name__ == "__main__":
    main()
