"""Time the 督导检查情况报告 against bare python-docx, and measure its peak memory, photos included.

    python bench/bench_reports.py [--repeat 3] [--tracemalloc] [--database-url URL]

Two campaigns: 108 schools / 25 findings / 50 photos, and 2,000 schools / 1,000 findings /
1,000 photos, the photos stored as the upload pipeline stores them (media/processing.py: the
1600×1200 JPEG, its thumbnail, the stamped copy and the copy reports embed). Each report is built
``--repeat`` times in a fresh process (multiprocessing, spawn) whose app is built as
``inspect-app worker`` builds it, twice there: the first build's time (cold: SQL statements
compiled, caches filled) and the second's (warm, as in a worker that has built one before); the
process reports its own peak resident size (VmHWM), so the setup of the data does
not pollute the figure. The medians are printed.

For the small campaign the same run times a bare python-docx document holding the same content —
the report's paragraphs and tables as plain text, and the same pictures (the report's own, as
files) added with ``add_picture`` — written twice likewise, and prints the ratios. With
``--tracemalloc`` the first build runs under tracemalloc (slower) for the peak of Python allocations.
``--workdir DIR`` keeps the data for the next run. Run it by hand; it is not part of the tests.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import resource
import statistics
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

from inspect_app import create_app  # noqa: E402
from inspect_app.extensions import db  # noqa: E402

SIZES = ((108, 25, 50), (2000, 1000, 1000))
STAMP = ["学校00001 2026年12月6日 10:35", "北纬34.123456 东经108.654321 ±8米"]


def photo(n: int) -> bytes:
    """A 1600×1200 JPEG with some detail, as a camera would send it (scaled down)."""
    image = Image.new("RGB", (1600, 1200), (40 + n % 200, 90, 140))
    draw = ImageDraw.Draw(image)
    for k in range(60):
        x, y = (n * 37 + k * 91) % 1500, (n * 53 + k * 67) % 1100
        draw.rectangle((x, y, x + 100, y + 80), fill=((k * 40) % 255, (n * 7) % 255, (k * 13) % 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def stored_files(app, n: int) -> dict[str, object]:  # noqa: ANN001
    """What the upload pipeline stores for one photo: the files by folder and the row's sizes."""
    from inspect_app.media import processing

    with app.app_context():
        image = processing.decode_image(photo(n), filename=f"{n}.jpg")
        files = {"photos": image.data, "thumbs": image.thumb}
        assert image.picture is not None
        stamped = processing.stamp_canvas(image.picture, STAMP)
        out = io.BytesIO()
        stamped.save(out, "JPEG", quality=85)
        files["stamped"] = out.getvalue()
        files["reports"], report_width, report_height = processing.report_copy(stamped)
        return {"files": files, "width": image.width, "height": image.height,
                "report_width": report_width, "report_height": report_height}


def distinct(jpeg: bytes, n: int) -> bytes:
    """The JPEG with a comment naming photo ``n``: distinct files, as distinct photos are (python-docx
    would otherwise store identical pictures once)."""
    comment = f"bench photo {n}".encode()
    # After the JFIF segment, which python-docx looks for right after the start of image.
    at = 4 + int.from_bytes(jpeg[4:6], "big") if jpeg[2:4] == b"\xff\xe0" else 2
    return jpeg[:at] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[at:]


def add_photos(app, n_photos: int, uploads: Path) -> None:  # noqa: ANN001
    """Photos on the items of confirmed findings, spread over the findings, written to the upload folder."""
    from inspect_app.findings.models import Finding
    from inspect_app.media.models import Attachment

    now = datetime.now(UTC)
    samples = [stored_files(app, n) for n in range(8)]
    with app.app_context():
        findings = db.session.execute(sa.select(Finding.visit_id, Finding.item_id).order_by(Finding.id)).all()
        rows = []
        for n in range(n_photos):
            visit_id, item_id = findings[n % len(findings)]
            sample = samples[n % len(samples)]
            keys = {}
            for folder, data in sample["files"].items():  # type: ignore[attr-defined]
                (uploads / folder).mkdir(parents=True, exist_ok=True)
                keys[folder] = f"{folder}/bench-{n}.jpg"
                (uploads / keys[folder]).write_bytes(distinct(data, n))
            rows.append({"uuid": f"10000000-0000-4000-8000-{n:012d}", "kind": "photo", "visit_id": visit_id,
                         "item_id": item_id, "original_name": f"{n}.jpg", "path": keys["photos"],
                         "thumb_path": keys["thumbs"], "stamped_path": keys["stamped"],
                         "report_path": keys["reports"], "report_width": sample["report_width"],
                         "report_height": sample["report_height"],
                         "content_type": "image/jpeg", "size_bytes": len(sample["files"]["photos"]),  # type: ignore[index]
                         "width": sample["width"], "height": sample["height"], "sha256": "0" * 64,
                         "taken_at": now, "created_at": now})
        db.session.execute(sa.insert(Attachment), rows)
        db.session.commit()


def peak_rss_mb() -> float:
    """This process's peak resident size: VmHWM, which starts again at exec (``ru_maxrss`` keeps the
    peak of the parent the child was forked from, the whole benchmark's data)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_app(config: dict[str, str]):  # noqa: ANN201
    return create_app({"DATABASE_URL": config["url"], "SECRET_KEY": "b", "UPLOAD_DIR": config["uploads"]})


# ---------------------------------------------------------------- in the child processes


def child_report(config: dict[str, str], out: str, trace: bool) -> dict[str, float]:
    """Build the investigation report into ``out`` twice in this (fresh) process: the first build's time
    (cold: SQL compiled, modules warmed up) and the second's (warm, as in a worker that built one
    before), the process's peak RSS, and the Python peak of the first under tracemalloc if asked."""
    from inspect_app.campaigns.models import Campaign
    from inspect_app.cli import _load_app
    from inspect_app.reports import services

    # Built as ``inspect-app worker`` builds it (from the environment; the start-up's objects frozen out
    # of the cyclic collector's way), since a worker is where reports are built.
    os.environ.update({"INSPECT_DATABASE_URL": config["url"], "INSPECT_SECRET_KEY": "b",
                       "INSPECT_UPLOAD_DIR": config["uploads"],
                       "INSPECT_INSTANCE_PATH": str(Path(config["uploads"]).parent)})
    app = _load_app()
    times = []
    peak = 0.0
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign))
        request = services.ReportRequest("investigation", (campaign,))
        rss_before = peak_rss_mb()
        for run in range(2):
            if trace and run == 0:
                tracemalloc.start()
            start = time.perf_counter()
            with open(out, "wb") as fh:
                services.write(request, fh, issue=False)
            times.append(time.perf_counter() - start)
            if trace and run == 0:
                peak = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
    return {"seconds": times[0], "warm": times[1], "rss": peak_rss_mb(),
            "rss_before": rss_before, "py_peak": peak}


def child_baseline(content_file: str, out: str) -> dict[str, float]:
    """Bare python-docx: the same paragraphs and tables as plain text, the same photo files by add_picture;
    written twice, like the report (cold, then warm)."""
    import docx
    from docx.shared import Mm

    content = json.loads(Path(content_file).read_text())
    times = []
    for _run in range(2):
        start = time.perf_counter()
        document = docx.Document()
        for kind, value in content["blocks"]:
            if kind == "p":
                document.add_paragraph(value)
            else:
                table = document.add_table(rows=len(value), cols=max(len(r) for r in value))
                for row, texts in zip(table.rows, value, strict=True):
                    for cell, text in zip(row.cells, texts, strict=False):
                        cell.text = text
        for path in content["photos"]:
            document.add_picture(path, width=Mm(70))
        document.save(out)
        times.append(time.perf_counter() - start)
    return {"seconds": times[0], "warm": times[1],
            "rss": peak_rss_mb()}


def in_child(target, *args):  # noqa: ANN001, ANN002, ANN201
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(target, args)


# ---------------------------------------------------------------- the parent


def report_content(report: Path) -> list[tuple[str, object]]:
    """The report's body as plain paragraphs and tables of cell texts, in order."""
    import docx
    from docx.table import Table

    blocks: list[tuple[str, object]] = []
    for block in docx.Document(str(report)).iter_inner_content():
        if isinstance(block, Table):
            blocks.append(("t", [[cell.text for cell in row.cells] for row in block.rows]))
        else:
            blocks.append(("p", block.text))
    return blocks


def embedded_files(report: Path, folder: Path) -> list[str]:
    """The pictures the report holds, written out as files, in order: the same photos, byte for byte
    (the report copies the upload pipeline stores, media/processing.py ``report_copy``)."""
    folder.mkdir(exist_ok=True)
    paths = []
    with zipfile.ZipFile(report) as package:
        names = [n for n in package.namelist() if n.startswith("word/media/report-photo-")]
        for name in sorted(names, key=lambda n: int(n.rsplit("-", 1)[1].split(".")[0])):
            paths.append(str(folder / Path(name).name))
            Path(paths[-1]).write_bytes(package.read(name))
    return paths


def _times(runs: list[dict[str, float]]) -> str:
    return ", ".join(f"{r['seconds']:.2f}/{r['warm']:.2f}" for r in runs)


def one(sizes: tuple[int, int, int], workdir: Path, url: str, args: argparse.Namespace) -> None:
    from bench_pages import build
    from flask_migrate import upgrade

    schools, findings, photos = sizes
    config = {"url": url or f"sqlite:///{workdir / f'r{schools}.sqlite3'}",
              "uploads": str(workdir / f"uploads-{schools}")}
    # With --workdir, the data of an earlier run are used again.
    prepared = bool(args.workdir) and not url and (workdir / f"r{schools}.sqlite3").exists()
    if not prepared:
        app = make_app(config)
        with app.app_context():
            if url:
                db.drop_all()
                with db.engine.begin() as conn:
                    conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            upgrade()
        build(app, schools, schools, findings)
        add_photos(app, photos, Path(config["uploads"]))
    out = workdir / f"report-{schools}.docx"
    runs = [in_child(child_report, config, str(out), args.tracemalloc) for _ in range(args.repeat)]
    seconds = statistics.median(r["seconds"] for r in runs)
    warm = statistics.median(r["warm"] for r in runs)
    rss = statistics.median(r["rss"] for r in runs)
    rss_before = statistics.median(r["rss_before"] for r in runs)
    with zipfile.ZipFile(out) as package:
        images = sum(1 for n in package.namelist() if n.startswith("word/media/report-photo-"))
    print(f"{schools:>7} {findings:>8} {images:>6} {seconds:>8.2f} {warm:>8.2f} {rss:>13.0f} {rss_before:>13.0f} "
          f"{out.stat().st_size / 2**20:>8.1f}   runs: {_times(runs)} s")
    if args.tracemalloc:
        print(f"{'':>7} peak Python allocations (tracemalloc, first build): "
              f"{statistics.median(r['py_peak'] for r in runs):.1f} MB")
    if schools == SIZES[0][0]:
        content = workdir / "content.json"
        pictures = embedded_files(out, workdir / "pictures")
        content.write_text(json.dumps({"blocks": report_content(out), "photos": pictures}))
        bare = [in_child(child_baseline, str(content), str(workdir / "bare.docx")) for _ in range(args.repeat)]
        bare_seconds = statistics.median(r["seconds"] for r in bare)
        bare_warm = statistics.median(r["warm"] for r in bare)
        print(f"{'':>7} bare python-docx, same content: {bare_seconds:.2f} s cold, {bare_warm:.2f} s warm "
              f"(runs: {_times(bare)}), {(workdir / 'bare.docx').stat().st_size / 2**20:.1f} MB "
              f"-> report / bare = {seconds / bare_seconds:.1f}× cold, {warm / bare_warm:.1f}× warm")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="Builds per campaign; the median is printed.")
    parser.add_argument("--tracemalloc", action="store_true", help="Build the first time under tracemalloc.")
    parser.add_argument("--only", type=int, choices=[s[0] for s in SIZES],
                        help="Only the campaign of this many schools.")
    parser.add_argument("--workdir", help="Keep the data here and use it again on the next run (SQLite).")
    parser.add_argument("--database-url", default="", help="Use this (emptied!) database instead of SQLite.")
    args = parser.parse_args()
    print(f"{'schools':>7} {'findings':>8} {'photos':>6} {'cold s':>8} {'warm s':>8} {'peak RSS MB':>13} "
          f"{'RSS at start':>13} {'docx MB':>8}   (medians of {args.repeat}; each pair of builds in a fresh process)")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.workdir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for sizes in SIZES:
            if args.only in (None, sizes[0]):
                one(sizes, workdir, args.database_url, args)


if __name__ == "__main__":
    main()
