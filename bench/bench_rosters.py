"""Time and peak memory of a roster check: 100,000 roster rows against a 100,000-row system export.

    python bench/bench_rosters.py [--mode memory|ratio] [--rows 100000] [--format xlsx|csv] [--defects 0.01]
                                  [--runs 3]

Builds a synthetic city (11 counties, 308 schools), a roster of about ``--rows`` students (the
source report's mix of programmes, scaled), its national-system export with ``--defects`` of
the rows changed (missing, extra, amount), an enrolment list and a special-group list; writes
them as the web upload would receive them, then reads and checks them as a run does, and prints
how long reading and checking each took and the peak memory of each step (tracemalloc). Run it
by hand; it is not part of the test suite.

``--mode ratio`` is the gate of "Fast under load" (goal: at most 1.3). Without tracemalloc, it
times (a) the bare floor: python-calamine reading the roster .xlsx to Python lists
(``CalamineWorkbook.from_filelike(...).get_sheet_by_index(0).to_python()``) and the system export
the same way when ``--format xlsx``, or, when ``--format csv``, the system export as a GBK CSV
read by pandas' C reader (``pd.read_csv(io.BytesIO(data), encoding="gbk", dtype=str)``; pyarrow
is not installed); and (b) the check as a run does it on the same two files: ``read_table`` of
each and ``run_checks`` of the roster against the system export. It prints the median of
``--runs`` runs of each and their ratio, in wall-clock time and in the process's CPU time (steadier
on a shared machine; both steps run on one thread). The garbage of building the inputs is collected
before the timed runs, so that its collection falls in neither step.
"""

from __future__ import annotations

import argparse
import gc
import io
import statistics
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspect_app.funds.programmes import Programme  # noqa: E402
from inspect_app.funds.standards import StandardsTable  # noqa: E402
from inspect_app.rosters import checks  # noqa: E402
from inspect_app.rosters import synthetic  # noqa: E402
from inspect_app.rosters.fields import InputKind  # noqa: E402
from inspect_app.rosters.readers import read_table  # noqa: E402

LEVELS = ["preschool"] * 8 + ["primary"] * 10 + ["junior"] * 5 + ["nine_year"] * 2 + ["senior"] * 2 + ["vocational"]


def schools() -> list[synthetic.SchoolInfo]:
    return [synthetic.SchoolInfo(f"21{c:04d}{n + 1:04d}", f"测试{c}区第{n + 1}校", f"61{c:04d}", level)
            for c in range(502, 513) for n, level in enumerate(LEVELS)]


def scaled_payments(rows: int) -> dict[Programme, list[tuple[int, int]]]:
    factor = rows / 99_773
    return {p: [(amount, max(1, round(count * factor))) for amount, count in tiers]
            for p, tiers in synthetic.REPORT_PAYMENTS.items()}


def write(frame: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8-sig")
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True,
                                            "strings_to_numbers": False})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, list(frame.columns))
    for r, row in enumerate(frame.itertuples(index=False), start=1):
        for c, value in enumerate(row):
            if isinstance(value, (int, np.integer)):
                sheet.write_number(r, c, int(value))
            else:
                sheet.write_string(r, c, str(value))
    workbook.close()
    return buffer.getvalue()


def measure(label: str, func, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Time a step, then run it again under tracemalloc for its peak memory (tracing slows it several-fold)."""
    start = time.perf_counter()
    result = func(*args, **kwargs)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    func(*args, **kwargs)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  {label:<34} {elapsed:7.2f} s   peak {peak / 2**20:7.1f} MiB")
    return result, elapsed


def synthetic_inputs(rows: int, defects: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The roster, its system export with ``defects`` of the rows changed, an enrolment list and a special list."""
    rng = np.random.default_rng(1)
    roster = synthetic.city_roster(schools(), payments=scaled_payments(rows))
    system = synthetic.system_export(roster)
    n = len(system)
    k = int(n * defects)
    picks = rng.choice(n, size=3 * k, replace=False)
    system.loc[picks[:k], "资助金额"] = system.loc[picks[:k], "资助金额"] + 100
    extra = system.loc[picks[k:2 * k]].copy()
    extra["身份证件号"] = synthetic.valid_ids(rng, extra["身份证件号"].str[:6].to_numpy(),
                                          pd.to_datetime(extra["身份证件号"].str[6:14]).to_numpy().astype("datetime64[D]"))
    system = pd.concat([system.drop(index=picks[2 * k:]), extra], ignore_index=True)
    enrolment = synthetic.enrolment_list(roster, 5_000, rng, schools())
    every20 = roster.iloc[::20]
    special = pd.DataFrame({"姓名": every20["姓名"], "身份证号": every20["身份证号"], "类别": "低保"})
    return roster, system, enrolment, special


def bare_read(roster: bytes, system: bytes, fmt: str) -> int:
    """The floor: calamine reading the workbooks to lists, pandas' C reader for the GBK CSV."""
    from python_calamine import CalamineWorkbook

    n = len(CalamineWorkbook.from_filelike(io.BytesIO(roster)).get_sheet_by_index(0).to_python())
    if fmt == "csv":
        n += len(pd.read_csv(io.BytesIO(system), encoding="gbk", dtype=str))
    else:
        n += len(CalamineWorkbook.from_filelike(io.BytesIO(system)).get_sheet_by_index(0).to_python())
    return n


def full_check(roster: bytes, system: bytes, fmt: str) -> checks.CheckResult:
    """The check as a run does it: read both files, then check the roster against the system export."""
    limits = {"max_bytes": 2**30, "max_rows": 10**6}
    tables = {"roster": read_table(roster, filename="roster.xlsx", kind=InputKind.ROSTER, **limits),
              "system": read_table(system, filename=f"system.{fmt}", kind=InputKind.SYSTEM, **limits)}
    for label, table in tables.items():
        table.label = label
    return checks.run_checks(checks.CheckInputs(semester=synthetic.REPORT_SEMESTER, roster=tables["roster"],
                                                standards=StandardsTable.shipped(), today=date(2026, 11, 27),
                                                system=tables["system"]))


def ratio(args: argparse.Namespace) -> None:
    roster, system, _enrolment, _special = synthetic_inputs(args.rows, args.defects)
    roster_data = write(roster, "xlsx")
    system_data = system.to_csv(index=False).encode("gbk") if args.format == "csv" else write(system, "xlsx")
    print(f"roster {len(roster):,} rows as .xlsx ({len(roster_data) / 2**20:.1f} MiB), system export "
          f"{len(system):,} rows as {'GBK CSV' if args.format == 'csv' else '.xlsx'} "
          f"({len(system_data) / 2**20:.1f} MiB); median of {args.runs} runs")
    # Building the inputs leaves about 1.5 million objects, some in reference cycles; collected now, their
    # collection (a third of a second) falls in neither timed step.
    del roster, system, _enrolment, _special
    gc.collect()
    walls: dict[str, list[float]] = {"bare": [], "check": []}
    cpus: dict[str, list[float]] = {"bare": [], "check": []}
    result = None
    for run in range(args.runs):
        for step in ("bare", "check"):
            wall, cpu = time.perf_counter(), time.process_time()
            if step == "bare":
                bare_read(roster_data, system_data, args.format)
            else:
                result = full_check(roster_data, system_data, args.format)
            walls[step].append(time.perf_counter() - wall)
            cpus[step].append(time.process_time() - cpu)
        print(f"  run {run + 1}: bare {walls['bare'][-1]:6.2f} s (cpu {cpus['bare'][-1]:5.2f})   "
              f"check {walls['check'][-1]:6.2f} s (cpu {cpus['check'][-1]:5.2f})   "
              f"ratio {walls['check'][-1] / walls['bare'][-1]:.2f} (cpu {cpus['check'][-1] / cpus['bare'][-1]:.2f})")
    bare, full = statistics.median(walls["bare"]), statistics.median(walls["check"])
    bare_cpu, full_cpu = statistics.median(cpus["bare"]), statistics.median(cpus["check"])
    assert result is not None
    print(f"bare read (calamine{' + pandas read_csv gbk' if args.format == 'csv' else ''}) {bare:.2f} s "
          f"(cpu {bare_cpu:.2f}); check (read_table × 2 + run_checks) {full:.2f} s (cpu {full_cpu:.2f}); "
          f"ratio {full / bare:.2f} (cpu {full_cpu / bare_cpu:.2f}); {len(result.discrepancies):,} discrepancies")


def memory(args: argparse.Namespace) -> None:
    roster, system, enrolment, special = synthetic_inputs(args.rows, args.defects)
    print(f"roster {len(roster):,} rows, system export {len(system):,} rows, enrolment {len(enrolment):,} rows, "
          f"special list {len(special):,} rows; roster and enrolment as .{args.format}, the others as CSV (GBK)")
    files = {
        "roster": (write(roster, args.format), f"roster.{args.format}", InputKind.ROSTER),
        "system": (system.to_csv(index=False).encode("gbk"), "system.csv", InputKind.SYSTEM),
        "enrolment": (write(enrolment, args.format), f"enrolment.{args.format}", InputKind.ENROLMENT),
        "special1": (special.to_csv(index=False).encode("utf-8"), "低保.csv", InputKind.SPECIAL),
    }
    for label, (data, name, _kind) in files.items():
        print(f"  {label:<10} {name:<16} {len(data) / 2**20:6.1f} MiB")

    print("reading")
    tables = {}
    read_total = 0.0
    for label, (data, name, kind) in files.items():
        table, elapsed = measure(f"read {name}", read_table, data, filename=name, kind=kind, max_bytes=2**30,
                                 max_rows=10**6)
        table.label = label
        tables[label] = table
        read_total += elapsed

    print("checking")
    inputs = checks.CheckInputs(semester=synthetic.REPORT_SEMESTER, roster=tables["roster"],
                                standards=StandardsTable.shipped(), today=date(2026, 11, 27),
                                system=tables["system"], enrolment=tables["enrolment"], specials=[tables["special1"]])
    result, check_total = measure("run_checks (all checks)", checks.run_checks, inputs)
    only_system = checks.CheckInputs(semester=synthetic.REPORT_SEMESTER, roster=tables["roster"],
                                     standards=StandardsTable.shipped(), today=date(2026, 11, 27),
                                     system=tables["system"])
    measure("run_checks (roster × system only)", checks.run_checks, only_system)
    print(f"total: reading {read_total:.2f} s + checking {check_total:.2f} s = {read_total + check_total:.2f} s; "
          f"{len(result.discrepancies):,} discrepancies")
    for code, count in result.counts().items():
        print(f"  {code:<18} {count:>7,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("memory", "ratio"), default="memory")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--defects", type=float, default=0.01)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    (ratio if args.mode == "ratio" else memory)(args)


if __name__ == "__main__":
    main()
