"""The benchmarks in bench/ still run against the app as it is now.

They build their data straight into the tables and call the services, so a change to a model or a
service can break one without any other test noticing. Each runs here at a tiny size, in its own
process, as a user runs it (``python bench/NAME.py …``). Their timings mean nothing at this size and
are not looked at; what is checked is that each runs to its table without an exception, and that the
verdicts that do not depend on size hold (a sync loses nothing, a batch's statements stay flat). The
benchmarks make their own SQLite databases, so they run once, on the SQLite run of the suite. The
load benchmark needs Locust (the ``bench`` extra) and a minute at least; it is left to hand runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PG_URL

ROOT = Path(__file__).resolve().parent.parent

# (script and its tiny arguments, whether its exit status must be 0, a line its table prints)
# A status of 1 is the benchmark's own verdict (a figure over its goal); at this size some verdicts
# (memory flat as the data grow, the same statements at both sizes when some lists are empty) say nothing.
RUNS = [
    (["bench_pages.py", "--schools", "300", "--visits", "60", "--findings", "60", "--repeat", "1"], False,
     "SQL (full)"),
    (["bench_dashboard.py", "--findings", "600", "--schools", "200", "--campaigns", "2", "--repeat", "1"], False,
     "/rectification/ledger.xlsx"),
    (["bench_export.py", "--visits", "200", "--small", "50", "--items", "5"], False, "export csv"),
    (["bench_sync.py", "--tablets", "3"], True, "nothing lost"),
    (["bench_batch.py", "--repeat", "2"], True, "flat as the batch grows"),
    (["bench_planner.py", "--schools", "100", "--teams", "10", "--counties", "4", "--conflicts", "5"], True,
     "through the service"),
    (["bench_photo.py", "--runs", "1"], False, "naive"),
    (["bench_rosters.py", "--rows", "2000"], True, "check"),
    (["bench_province.py", "--cities", "2", "--counties-per-city", "2", "--schools", "200", "--findings", "400",
      "--repeat", "1", "--scale-down", "2"], False, "/overview/regions"),
    (["bench_reports.py", "--only", "108", "--repeat", "1"], True, "bare python-docx"),
]


@pytest.mark.skipif(bool(PG_URL),
                    reason="the benchmarks make their own SQLite databases; they run on the SQLite run")
@pytest.mark.parametrize(("argv", "must_pass", "table"), RUNS, ids=[run[0][0][:-3] for run in RUNS])
def test_benchmark_runs(argv: list[str], must_pass: bool, table: str, tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("INSPECT_")}
    env.update(PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    done = subprocess.run([sys.executable, str(ROOT / "bench" / argv[0]), *argv[1:]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output[-3000:]
    assert done.returncode in ((0,) if must_pass else (0, 1)), output[-3000:]
    assert table in output, output[-3000:]
