"""Time the raw data export (.xlsx and .csv) of a campaign of 10,000 visits × 40 questions, and its peak memory.

    python bench/bench_export.py [--visits 10000] [--small 2000] [--items 40] [--database-url URL]

Two campaigns share one database: ``--small`` visits and ``--visits`` visits, every visit submitted with
all its questions answered and, one visit in four, an entry in a list of other problems. Each export is
timed (wall clock), then run again under tracemalloc for its peak Python memory, and set beside a bare
baseline of the same size made in the same run: XlsxWriter (constant memory) writing the same number of
cells of constant text, and csv.writer writing them. The export's memory must stay flat from the small
campaign to the large one (the visits are read in chunks, the rows written as they come). Prints a table;
run it by hand, it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import tempfile
import time
import tracemalloc
import typing as t
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import Statements  # noqa: E402
from harness import add_counties  # noqa: E402
from harness import fresh_app  # noqa: E402

from inspect_app.auth.models import Role  # noqa: E402
from inspect_app.auth.models import User  # noqa: E402
from inspect_app.campaigns.models import Campaign  # noqa: E402
from inspect_app.checklists import services as checklists  # noqa: E402
from inspect_app.checklists.models import ItemType  # noqa: E402
from inspect_app.db import local_today  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.reports import raw_export  # noqa: E402
from inspect_app.schools.models import School  # noqa: E402
from inspect_app.visits.models import Answer  # noqa: E402
from inspect_app.visits.models import RepeatInstance  # noqa: E402
from inspect_app.visits.models import Visit  # noqa: E402
from inspect_app.visits.models import VisitInspector  # noqa: E402

LEVELS = ["preschool", "primary", "junior", "senior", "vocational", "nine_year"]
HEAD = ("| survey |\n|  | type | name | label::Chinese (zh) | label::English (en) | required | weight | severity "
        "| veto | method | policy_basis | fail_values |\n")


def checklist_text(n_items: int) -> str:
    """A checklist of ``n_items`` questions in sections of ten (assessed yes/no, a number, a text) and a list."""
    lines = [HEAD]
    for number in range(n_items):
        if number % 10 == 0:
            lines.append(f"|  | begin_group | S{number // 10} | 第{number // 10 + 1}部分 | Part | | 25 | | | | | |\n")
        name = f"Q{number:02d}"
        if number % 10 == 8:
            lines.append(f"|  | integer | {name} | 人数{number} | Count | | | | | | | |\n")
        elif number % 10 == 9:
            lines.append(f"|  | text | {name} | 说明{number} | Note | | | | | | | |\n")
        else:
            veto = "yes" if number == 1 else ""
            lines.append(f"|  | select_one yn | {name} | 检查项目{number} | Item | yes | | 一般 | {veto} | 查阅资料 "
                         f"| 教财〔2018〕16号 | no |\n")
        if number % 10 == 9 or number == n_items - 1:
            lines.append("|  | end_group | | | | | | | | | | |\n")
    lines.append("|  | begin_repeat | defects | 其他问题 | Other problems | | | | | | | |\n")
    lines.append("|  | text | d_note | 问题描述 | Description | | | | | | | |\n")
    lines.append("|  | integer | d_count | 涉及学生数 | Pupils | | | | | | | |\n")
    lines.append("|  | end_repeat | | | | | | | | | | |\n")
    lines.append("| choices |\n|  | list_name | name | label::Chinese (zh) | label::English (en) |\n"
                 "|  | yn | yes | 是 | Yes |\n|  | yn | no | 否 | No |\n")
    lines.append("| settings |\n|  | form_title | form_id | version | default_language |\n"
                 "|  | 基准检查表 | bench_export | 1 | Chinese (zh) |\n")
    return "".join(lines)


def build(app: t.Any, sizes: list[int], n_items: int) -> dict[int, int]:
    """Schools, inspectors and one submitted campaign per size, inserted in bulk; returns size → campaign id."""
    rnd = random.Random(5)
    now = datetime.now(UTC)
    today = local_today()
    campaigns = {}
    with app.app_context():
        version, _ = checklists.import_checklist(checklist_text(n_items).encode(), filename="bench_export.md",
                                                 actor=None, publish=True)
        items = [i for i in version.items if i.type.takes_answer and i.repeat_id is None]
        repeat = next(i for i in version.items if i.type == ItemType.REPEAT)
        children = [i for i in version.items if i.repeat_id == repeat.id]
        city, counties = add_counties(11)
        db.session.execute(sa.insert(School), [
            {"code": f"{2100000000 + i}", "name": f"学校{i:05d}", "county_id": counties[i % len(counties)],
             "level": LEVELS[i % len(LEVELS)], "active": True, "created_at": now, "updated_at": now}
            for i in range(max(sizes))])
        inspectors = [User(username=f"insp{i}", display_name=f"检查员{i}", role=Role.INSPECTOR,
                           password_hash="!") for i in range(40)]
        db.session.add_all(inspectors)
        db.session.flush()
        school_ids = db.session.scalars(sa.select(School.id).order_by(School.id)).all()
        for size in sizes:
            campaign = Campaign(code=f"E{size}", name=f"导出基准{size}", term="2026年秋季学期", city_id=city,
                                checklist_version=version, status="active", default_due_on=today,
                                starts_on=today - timedelta(days=30), ends_on=today, cross_county=True)
            db.session.add(campaign)
            db.session.flush()
            campaigns[size] = campaign.id
            db.session.execute(sa.insert(Visit), [
                {"uuid": str(uuid.uuid4()), "campaign_id": campaign.id, "school_id": school_id,
                 "checklist_version_id": version.id, "status": "submitted", "planned_on": today,
                 "started_at": now, "submitted_at": now, "checkin_at": now, "checkin_latitude": 34.5,
                 "checkin_longitude": 109.5, "checkin_accuracy_m": 12.5, "created_at": now, "updated_at": now}
                for school_id in school_ids[:size]])
            visit_ids = db.session.scalars(sa.select(Visit.id).where(Visit.campaign_id == campaign.id)
                                           .order_by(Visit.id)).all()
            db.session.execute(sa.insert(VisitInspector), [
                {"visit_id": visit_id, "user_id": inspectors[(n + k) % len(inspectors)].id, "is_leader": k == 0}
                for n, visit_id in enumerate(visit_ids) for k in range(2)])
            answers = []
            for visit_id in visit_ids:
                for item in items:
                    value = ("no" if rnd.random() < 0.05 else "yes") if item.type == ItemType.SELECT_ONE else (
                        str(rnd.randint(0, 900)) if item.type == ItemType.INTEGER else "情况良好，资料齐全")
                    answers.append({"visit_id": visit_id, "item_id": item.id, "value": value, "rev": 1,
                                    "updated_at": now})
                if len(answers) > 50_000:
                    db.session.execute(sa.insert(Answer), answers)
                    answers = []
            if answers:
                db.session.execute(sa.insert(Answer), answers)
            entries = [{"uuid": str(uuid.uuid4()), "visit_id": visit_id, "item_id": repeat.id, "position": 1,
                        "created_at": now} for visit_id in visit_ids[::4]]
            db.session.execute(sa.insert(RepeatInstance), entries)
            rows = db.session.execute(sa.select(RepeatInstance.id, RepeatInstance.visit_id)
                                      .join(Visit, Visit.id == RepeatInstance.visit_id)
                                      .where(Visit.campaign_id == campaign.id)).all()
            db.session.execute(sa.insert(Answer), [
                {"visit_id": visit_id, "item_id": child.id, "instance_id": entry_id, "rev": 1, "updated_at": now,
                 "value": "3" if child.type == ItemType.INTEGER else "=助学金被抵扣学费"}
                for entry_id, visit_id in rows for child in children])
        db.session.commit()
    return campaigns


def export(app: t.Any, campaign_id: int, fmt: str) -> tuple[int, int]:
    """One export to a temporary file, as the route and the CLI make it; returns its bytes and rows."""
    with app.app_context(), tempfile.TemporaryFile() as out:
        campaign = db.session.get(Campaign, campaign_id)
        made = raw_export.RawExport(campaign, link=lambda n: f"https://inspect.example.cn/media/{n}")
        if fmt == "xlsx":
            rows = raw_export.write_xlsx(made, out)
        else:
            rows = -1
            for text in raw_export.csv_lines(made):
                out.write(text.encode("utf-8"))
                rows += text.count("\n")
        return out.tell(), rows


def baseline(fmt: str, rows: int, columns: int) -> tuple[int, int]:
    """The same number of cells of constant text, written bare."""
    cell = "情况良好，资料齐全"
    row = [cell] * columns
    with tempfile.TemporaryFile() as out:
        if fmt == "xlsx":
            book = xlsxwriter.Workbook(out, {"constant_memory": True})
            sheet = book.add_worksheet()
            for line in range(rows + 1):
                sheet.write_row(line, 0, row)
            book.close()
        else:
            text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
            writer = csv.writer(text)
            for _ in range(rows + 1):
                writer.writerow(row)
            text.flush()
            text.detach()
        return out.tell(), rows


def measure(call: t.Callable[[], tuple[int, int]], statements: Statements | None = None
            ) -> tuple[float, float, int, int]:
    """Seconds, then peak MiB under tracemalloc (a second run), bytes written, SQL statements."""
    count = 0
    start = time.perf_counter()
    if statements is not None:
        with statements.listening():
            size, _rows = call()
        count = statements.count
        statements.count = 0
    else:
        size, _rows = call()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    call()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, size, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--database-url", default="",
                        help="Use this PostgreSQL database instead of SQLite; its public schema is dropped!")
    args = parser.parse_args()
    sizes = [args.small, args.visits]
    with tempfile.TemporaryDirectory() as tmp:
        app = fresh_app(args.database_url, Path(tmp), "export")
        start = time.perf_counter()
        campaigns = build(app, sizes, args.items)
        print(f"built {sum(sizes)} visits × {args.items} questions in {time.perf_counter() - start:.1f} s")
        with app.app_context():
            campaign = db.session.get(Campaign, campaigns[args.visits])
            columns = len(raw_export.RawExport(campaign, link=str).visits.headers)
        statements = Statements(app)
        results = {}
        print(f"{'':18} {'visits':>7} {'s':>7} {'× bare':>7} {'peak MiB':>9} {'× bare':>7} {'MB out':>7} "
              f"{'SQL':>5}")
        for fmt in ("xlsx", "csv"):
            for size in sizes:
                bare = measure(lambda fmt=fmt, size=size: baseline(fmt, size, columns))
                made = measure(lambda fmt=fmt, size=size: export(app, campaigns[size], fmt), statements)
                results[fmt, size] = made
                print(f"{'bare ' + fmt:18} {size:7d} {bare[0]:7.2f} {'':7} {bare[1]:9.2f} {'':7} "
                      f"{bare[2] / 1e6:7.2f}")
                print(f"{'export ' + fmt:18} {size:7d} {made[0]:7.2f} {made[0] / bare[0]:7.1f} {made[1]:9.2f} "
                      f"{made[1] / bare[1]:7.1f} {made[2] / 1e6:7.2f} {made[3]:5d}")
        flat = True
        for fmt in ("xlsx", "csv"):
            small, large = results[fmt, args.small][1], results[fmt, args.visits][1]
            growth = large / small
            flat &= growth < 1.5
            print(f"{fmt}: peak memory {small:.1f} MiB at {args.small} visits, {large:.1f} MiB at {args.visits} "
                  f"({growth:.2f}×)")
        print("memory flat as visits grow" if flat else "MEMORY GROWS WITH THE VISITS")
        return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
