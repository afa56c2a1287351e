"""Photo ingest: the background processing against the naive pipeline, and what the upload request costs.

    python bench/bench_photo.py [--runs 7]

Part 1 times one 12-megapixel camera JPEG (4032×3024, noise over coloured blocks so that it weighs
what a camera photo weighs, EXIF orientation 6 as a phone held upright writes) through what the
``process_photo`` task does — decode in JPEG draft mode, scale to 1600 px, turn upright, encode,
thumbnail, stamped copy — against the naive pipeline the upload request used to run (decode all 12
megapixels, turn, scale, encode, thumbnail, decode the result again for the stamped copy), in the
same run, and prints the ratio (goal: at most 0.5).

Part 2 serves the app in-process (Flask's test client, no network) with the task queue on its own
SQLite broker, as ``inspect-app serve`` without a worker: it times PUT /api/v1/media/UUID of the same
photo — header check, storing the bytes, the row, the audit entry, queueing the task — against a bare
endpoint (``/healthz``), median of ``--runs`` requests each.

Run it by hand; it is not part of the tests.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import statistics
import sys
import tempfile
import time
import typing as t
import uuid
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from PIL import ImageDraw
from PIL import ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from inspect_app import create_app  # noqa: E402

STAMP = ["基准学校（9300000000）", "拍摄于2026-11-27 09:15 · 34.5, 109.7"]


def camera_jpeg(size: tuple[int, int] = (4032, 3024), seed: int = 7) -> bytes:
    """A 12-megapixel JPEG with sensor-like noise over shapes, stored sideways with EXIF orientation 6."""
    rnd = random.Random(seed)
    image = Image.merge("RGB", [Image.effect_noise(size, 30 + 10 * n) for n in range(3)])
    draw = ImageDraw.Draw(image, "RGBA")
    for _ in range(120):
        x, y = rnd.randrange(size[0]), rnd.randrange(size[1])
        draw.rectangle((x, y, x + rnd.randint(80, 1200), y + rnd.randint(80, 900)),
                       fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256), 150))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def naive(data: bytes, long_edge: int, thumb_edge: int) -> None:
    """The pipeline as the upload request ran it before: full decode, then everything on 12 megapixels."""
    from inspect_app.media import processing

    image = Image.open(io.BytesIO(data))
    image.load()
    upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=85, optimize=True)
    thumb = upright.copy()
    thumb.thumbnail((thumb_edge, thumb_edge), Image.Resampling.LANCZOS)
    thumb.save(io.BytesIO(), "JPEG", quality=80)
    processing.stamp_image(out.getvalue(), STAMP)


def processed(data: bytes) -> None:
    """What the background task does with the bytes (storage aside)."""
    from inspect_app.media import processing

    image = processing.decode_image(data, filename="IMG_12MP.jpg")
    assert image.picture is not None
    processing.stamp_picture(image.picture, STAMP)


def median_ms(fn: Callable[[], t.Any], runs: int) -> float:
    fn()  # warm up: fonts, codecs, the first connection
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def processing_bench(data: bytes, workdir: Path, runs: int) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{workdir / 'ingest.sqlite3'}", "SECRET_KEY": "bench",
                      "UPLOAD_DIR": str(workdir / "ingest")})
    with app.app_context():
        edge, thumb = app.config["IMAGE_LONG_EDGE"], app.config["THUMB_LONG_EDGE"]
        before = median_ms(lambda: naive(data, edge, thumb), runs)
        after = median_ms(lambda: processed(data), runs)
    print(f"12-megapixel JPEG ({len(data) / 1e6:.1f} MB, 4032×3024, orientation 6), median of {runs}:")
    print(f"  naive (full decode, upright, LANCZOS to {edge} px, encode, thumbnail, stamp) {before:7.0f} ms")
    print(f"  processing task (draft decode, scale, upright, encode, thumbnail, stamp)  {after:7.0f} ms")
    print(f"  ratio {after / before:.2f}× (goal ≤ 0.5×)")


def request_bench(data: bytes, workdir: Path, runs: int) -> None:
    import bench_sync
    from flask_migrate import upgrade

    os.environ["INSPECT_INSTANCE_PATH"] = str(workdir / "instance")
    app = create_app({"DATABASE_URL": f"sqlite:///{workdir / 'request.sqlite3'}", "SECRET_KEY": "bench",
                      "UPLOAD_DIR": str(workdir / "uploads"), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
    rows, answers = bench_sync.prepare(app, 1)
    username, visit, _school, _version = rows[0]
    item = answers[0][0]
    client = app.test_client()
    headers = {"X-Client-Id": "bench-photo", "Accept": "application/json"}
    token = client.get("/api/v1/csrf", headers=headers).get_json()["csrf_token"]
    login = client.post("/api/v1/session", json={"username": username, "password": bench_sync.PASSWORD},
                        headers={**headers, "X-CSRFToken": token})
    assert login.status_code == 200, login.get_data()
    headers["X-CSRFToken"] = login.get_json()["csrf_token"]
    digest = hashlib.sha256(data).hexdigest()

    def put() -> None:
        response = client.put(f"/api/v1/media/{uuid.uuid4()}?visit={visit}&item={item}&filename=IMG.jpg", data=data,
                              headers={**headers, "X-Content-SHA256": digest, "Content-Type": "image/jpeg"})
        assert response.status_code == 201, response.get_data()
        assert response.get_json()["status"] == "processing"

    def bare() -> None:
        assert client.get("/healthz").status_code == 200

    accept = median_ms(put, runs)
    health = median_ms(bare, runs)
    print(f"Upload request, in-process, SQLite, task queued on an SQLite broker (no worker), median of {runs}:")
    print(f"  PUT /api/v1/media (12-megapixel photo accepted, 处理中) {accept:7.1f} ms")
    print(f"  GET /healthz (bare endpoint)                         {health:7.1f} ms")
    print(f"  the photo costs the request {accept - health:.1f} ms more than a bare endpoint")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    data = camera_jpeg()
    with tempfile.TemporaryDirectory() as tmp:
        processing_bench(data, Path(tmp), args.runs)
        request_bench(data, Path(tmp), args.runs)


if __name__ == "__main__":
    main()
