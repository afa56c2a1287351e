"""Time ``inspect-app --help`` against a bare ``python -c pass`` started the same way, in the same run.

    python bench/bench_cli.py [--repeat 10]

Each command runs ``--repeat`` times in a fresh interpreter (the console script's entry point, with this
checkout first on the path); the table gives the median and the best wall-clock time of each and the ratio
of the medians. ``--help`` lists the commands without building the app, so it should stay within 0.5 s.
Run it by hand, it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "inspect-app --help": [sys.executable, "-c", "from inspect_app.cli import main; main(prog_name='inspect-app')",
                           "--help"],
}
BUDGET = 0.5  # seconds


def timed(argv: list[str], repeat: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))

    timed(COMMANDS["inspect-app --help"], 1, env)  # warm the file cache: the first run reads every .pyc
    results = {label: timed(argv, args.repeat, env) for label, argv in COMMANDS.items()}
    print(f"{'command':<22}{'median s':>10}{'best s':>10}")
    for label, times in results.items():
        print(f"{label:<22}{statistics.median(times):>10.3f}{min(times):>10.3f}")
    baseline = statistics.median(results["python -c pass"])
    help_time = statistics.median(results["inspect-app --help"])
    print(f"ratio --help / bare python: {help_time / baseline:.1f}×; budget {BUDGET} s: "
          f"{'within' if help_time <= BUDGET else 'OVER'}")
    return 0 if help_time <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
