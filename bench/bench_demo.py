"""Time ``inspect-app demo --no-serve`` on a fresh database against bare start-ups in the same run.

    python bench/bench_demo.py [--repeat 3]

Each command runs ``--repeat`` times in a fresh interpreter (this checkout first on the path), each in an
empty instance folder of its own under a temporary directory:

- ``import inspect_app.app``: the interpreter and the app's modules, nothing else;
- ``inspect-app db upgrade``: the app built and the empty database created by the migrations;
- ``inspect-app demo --no-serve``: the same, and the whole demo world loaded.

The table gives, per command, the median wall-clock time and the median CPU time (user + system of the
child process, from ``getrusage``) and the ratios of the demo's medians to the bare ones'. The machine
may be shared: the CPU time is the steadier figure, and the demo should stay within 8 s of it. Run it by
hand, it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "inspect_app.cli"]
COMMANDS = {
    "import inspect_app.app": [sys.executable, "-c", "import inspect_app.app"],
    "inspect-app db upgrade": [*CLI, "db", "upgrade"],
    "inspect-app demo --no-serve": [*CLI, "demo", "--no-serve"],
}
BUDGET = 8.0  # seconds of CPU for the demo


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], repeat: int, env: dict[str, str], workdir: Path) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run, each in a new instance folder."""
    walls, cpus = [], []
    for _ in range(repeat):
        instance = Path(tempfile.mkdtemp(dir=workdir))
        cpu, start = children_cpu(), time.perf_counter()
        subprocess.run(argv, env=dict(env, INSPECT_INSTANCE_PATH=str(instance)), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        cpus.append(children_cpu() - cpu)
    return walls, cpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    env.pop("INSPECT_DATABASE_URL", None)  # the demo's own SQLite file in each instance folder

    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        workdir = Path(tmp)
        timed(COMMANDS["import inspect_app.app"], 1, env, workdir)  # warm the file cache and the .pyc files
        results = {label: timed(argv, args.repeat, env, workdir) for label, argv in COMMANDS.items()}

    print(f"{'command':<30}{'wall s':>9}{'cpu s':>9}   (medians of {args.repeat})")
    medians = {}
    for label, (walls, cpus) in results.items():
        medians[label] = statistics.median(walls), statistics.median(cpus)
        print(f"{label:<30}{medians[label][0]:>9.2f}{medians[label][1]:>9.2f}")
    demo_wall, demo_cpu = medians["inspect-app demo --no-serve"]
    for label in ("import inspect_app.app", "inspect-app db upgrade"):
        wall, cpu = medians[label]
        print(f"demo / {label}: wall {demo_wall / wall:.1f}×, cpu {demo_cpu / cpu:.1f}×")
    print(f"demo CPU {demo_cpu:.2f} s; budget {BUDGET} s: {'within' if demo_cpu <= BUDGET else 'OVER'}")
    return 0 if demo_cpu <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
