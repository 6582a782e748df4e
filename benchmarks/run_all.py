"""Run every benchmark in this folder, one after another (``make bench``).

Benchmarks are run on demand, never in the test suite: speed and memory
targets live here. Each script prints its own figures and targets; this
runner only runs them in turn and reports which ones failed to run.

Usage::

    python benchmarks/run_all.py [--only engine sweep axelrod]

The Axelrod comparison needs the ``bench`` extra (``pip install -e '.[bench]'``,
which ``make bench`` does).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = {
    "engine": "bench_engine.py",
    "sweep": "bench_sweep.py",
    "axelrod": "bench_axelrod.py",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), default=list(BENCHMARKS))
    args = parser.parse_args(argv)
    failed = []
    for name in args.only:
        script = HERE / BENCHMARKS[name]
        print(f"\n=== {name}: {script.name} ===", flush=True)
        start = time.perf_counter()
        status = subprocess.call([sys.executable, str(script)])
        print(
            f"=== {name}: exit {status} after {time.perf_counter() - start:.0f} s ===", flush=True
        )
        if status != 0:
            failed.append(name)
    if failed:
        print("benchmarks that failed to run: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
