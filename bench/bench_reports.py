"""Time the 督导检查情况报告 and measure its peak memory, photos included.

    python bench/bench_reports.py [--database-url URL]

Two campaigns: 108 schools / 25 findings / 50 photos, and 2,000 schools / 1,000 findings /
1,000 photos (1600×1200 JPEGs on disk, as the upload pipeline stores them). Each report is
built once for the time, once under tracemalloc for the peak of Python allocations, and the
process's peak resident size is printed at the end. Run it by hand; it is not part of the tests.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import time
import tracemalloc
import zipfile
from datetime import UTC
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from PIL import Image
from PIL import ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pages import build  # noqa: E402

from inspect_app import create_app  # noqa: E402
from inspect_app.campaigns.models import Campaign  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.findings.models import Finding  # noqa: E402
from inspect_app.media.models import Attachment  # noqa: E402
from inspect_app.reports import services  # noqa: E402

SIZES = ((108, 25, 50), (2000, 1000, 1000))


def photo(n: int) -> bytes:
    """A 1600×1200 JPEG with some detail, about the size the upload pipeline keeps."""
    image = Image.new("RGB", (1600, 1200), (40 + n % 200, 90, 140))
    draw = ImageDraw.Draw(image)
    for k in range(60):
        x, y = (n * 37 + k * 91) % 1500, (n * 53 + k * 67) % 1100
        draw.rectangle((x, y, x + 100, y + 80), fill=((k * 40) % 255, (n * 7) % 255, (k * 13) % 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def add_photos(app, n_photos: int, uploads: Path) -> None:  # noqa: ANN001
    """Photos on the items of confirmed findings, spread over the findings, written to the upload folder."""
    now = datetime.now(UTC)
    with app.app_context():
        findings = db.session.execute(sa.select(Finding.visit_id, Finding.item_id).order_by(Finding.id)).all()
        rows = []
        (uploads / "photos").mkdir(parents=True, exist_ok=True)
        samples = [photo(n) for n in range(8)]
        for n in range(n_photos):
            visit_id, item_id = findings[n % len(findings)]
            path = f"photos/bench-{n}.jpg"
            (uploads / path).write_bytes(samples[n % len(samples)])
            rows.append({"uuid": f"10000000-0000-4000-8000-{n:012d}", "kind": "photo", "visit_id": visit_id,
                         "item_id": item_id, "original_name": f"{n}.jpg", "path": path, "thumb_path": None,
                         "content_type": "image/jpeg", "size_bytes": len(samples[n % len(samples)]),
                         "width": 1600, "height": 1200, "sha256": "0" * 64, "taken_at": now,
                         "created_at": now})
        db.session.execute(sa.insert(Attachment), rows)
        db.session.commit()


def one(schools: int, findings: int, photos: int, workdir: Path, url: str) -> None:
    from flask_migrate import upgrade

    uploads = workdir / f"uploads-{schools}"
    app = create_app({"DATABASE_URL": url or f"sqlite:///{workdir / f'r{schools}.sqlite3'}", "SECRET_KEY": "b",
                      "UPLOAD_DIR": str(uploads), "QUEUE_IMMEDIATE": True})
    with app.app_context():
        if url:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
    build(app, schools, schools, findings)
    add_photos(app, photos, uploads)
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign))
        request = services.ReportRequest("investigation", (campaign,))
        out = workdir / f"report-{schools}.docx"
        start = time.perf_counter()
        with out.open("wb") as fh:
            written = services.write(request, fh)
        seconds = time.perf_counter() - start
        tracemalloc.start()
        with (workdir / "again.docx").open("wb") as fh:
            services.write(request, fh)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    with zipfile.ZipFile(out) as package:
        images = sum(1 for n in package.namelist() if n.startswith("word/media/report-photo-"))
    print(f"{schools:>7} {findings:>8} {written:>6} {seconds:>8.1f} {peak / 2**20:>12.1f} "
          f"{out.stat().st_size / 2**20:>9.1f}   ({images} images in the package)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="Use this (emptied!) database instead of SQLite.")
    args = parser.parse_args()
    print(f"{'schools':>7} {'findings':>8} {'photos':>6} {'seconds':>8} {'peak MB (py)':>12} {'docx MB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for schools, findings, photos in SIZES:
            one(schools, findings, photos, Path(tmp), args.database_url)
    print(f"peak resident size of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
