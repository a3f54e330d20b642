"""What every benchmark shares: the repository on ``sys.path``, a best-of timer and a one-line header.

Importing this module puts the repository root first on ``sys.path``, so the benchmarks measure the working
tree whatever state the editable install is in (an install made before ``riemann_nn/__init__.py`` existed
registers ``riemann_nn`` as a namespace package, and ``from riemann_nn import build_run`` then fails outside
the repository root).
"""

from __future__ import annotations

import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Benchmarks train small nets for a few steps on purpose: their low-accuracy warnings are not news.
warnings.filterwarnings("ignore", message="training reached accuracy")


def best_of(repeat: int, work: Callable[[], object]) -> tuple[float, list[float]]:
    """The fastest of ``repeat`` wall times of ``work()`` in seconds, and all of them."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times), times


def verdict(value: float, target: float) -> str:
    """``ok`` when ``value <= target`` else ``OVER``; printed, never asserted."""
    return "ok" if value <= target else "OVER"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews every number."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def header(title: str) -> None:
    """The benchmark's title and the conditions it starts in."""
    print(f"== {title} ==")
    print(f"python {platform.python_version()} | {os.cpu_count()} CPUs | load average {load_average()}")


def footer() -> None:
    """The conditions it ended in."""
    print(f"load average at the end: {load_average()}")
