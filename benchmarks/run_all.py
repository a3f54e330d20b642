"""Run every benchmark in sequence and print their output: ``make bench`` (or ``.venv/bin/python
benchmarks/run_all.py``).

Each runs in its own process, so one's imports, threads and caches never colour another's numbers;
bench_render and bench_parallel (the default video at -qh, twice) go last because they are the slowest. Exits
non-zero if any benchmark failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("bench_core.py", "bench_frames.py", "bench_render.py", "bench_parallel.py")


def main() -> int:
    failed = []
    start = time.perf_counter()
    for name in BENCHMARKS:
        print(flush=True)
        begun = time.perf_counter()
        code = subprocess.run([sys.executable, str(HERE / name)], cwd=HERE.parent).returncode
        print(
            f"[{name}: {time.perf_counter() - begun:.0f} s{'' if code == 0 else f', FAILED with exit {code}'}]",
            flush=True,
        )
        if code != 0:
            failed.append(name)
    outcome = f"; failed: {', '.join(failed)}" if failed else ""
    print(f"\nall benchmarks: {time.perf_counter() - start:.0f} s{outcome}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
