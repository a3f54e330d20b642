"""Two-class 2-D datasets and CSV loading.

Every generator returns ``(x, y)`` with ``x`` of shape (N, 2), float64, and ``y`` of shape (N,), int64
labels in {0, 1}; classes are balanced (``N // 2`` and ``N - N // 2``). The same seed gives the same data.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import DataError

Dataset = tuple[np.ndarray, np.ndarray]


def _labels(n: int) -> np.ndarray:
    return np.concatenate([np.zeros(n // 2, np.int64), np.ones(n - n // 2, np.int64)])  # (N,)


def spirals(*, n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Two interleaved spirals: angle ``t = 2 pi sqrt(u)``, radius ``2 t + pi``; class 1 is the point
    reflection of class 0. Gaussian noise of standard deviation ``noise`` is added to every coordinate."""
    y = _labels(n)
    t = 2 * math.pi * np.sqrt(rng.uniform(size=n))  # (N,)
    r = 2 * t + math.pi  # (N,)
    arm = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)  # (N, 2)
    sign = np.where(y == 0, 1.0, -1.0)[:, None]  # (N, 1): class 1 is reflected through the origin
    return sign * arm + noise * rng.standard_normal((n, 2)), y


def circles(*, n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Two concentric circles: class 0 on radius 1, class 1 on radius 0.5."""
    y = _labels(n)
    t = rng.uniform(0, 2 * math.pi, size=n)  # (N,)
    r = np.where(y == 0, 1.0, 0.5)  # (N,)
    x = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)  # (N, 2)
    return x + noise * rng.standard_normal((n, 2)), y


def moons(*, n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Two interleaving half circles (as in scikit-learn's ``make_moons``), centred on the origin."""
    y = _labels(n)
    t = rng.uniform(0, math.pi, size=n)  # (N,)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)  # (N, 2)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)  # (N, 2)
    x = np.where((y == 0)[:, None], upper, lower) - np.array([0.5, 0.25])  # (N, 2)
    return x + noise * rng.standard_normal((n, 2)), y


def xor(*, n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Four clusters at the corners of a square; opposite corners share a class."""
    y = _labels(n)
    diagonal = rng.integers(0, 2, size=n) * 2 - 1  # (N,) which of the class's two corners
    corner = np.stack([diagonal, np.where(y == 0, diagonal, -diagonal)], axis=1).astype(float)  # (N, 2)
    return corner + noise * rng.standard_normal((n, 2)), y


def gaussians(*, n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Two Gaussian blobs centred at (-1, -1) and (1, 1) with standard deviation ``noise``."""
    y = _labels(n)
    centre = np.where((y == 0)[:, None], -1.0, 1.0) * np.ones((1, 2))  # (N, 2)
    return centre + noise * rng.standard_normal((n, 2)), y


DATASETS: dict[str, Callable[..., Dataset]] = {
    "spirals": spirals,
    "circles": circles,
    "moons": moons,
    "xor": xor,
    "gaussians": gaussians,
}


def make_dataset(name: str, *, n: int = 1000, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Make ``n`` points of the named dataset.

    Returns ``x`` (N, 2) float64 and ``y`` (N,) int64. Raises ``DataError`` for an unknown name, fewer
    than 2 points or negative noise.
    """
    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    if n < 2:
        raise DataError(f"a dataset needs at least 2 points, got n={n}")
    if not noise >= 0:
        raise DataError(f"noise must be a non-negative number, got {noise}")
    x, y = DATASETS[name](n=n, noise=noise, rng=np.random.default_rng(seed))
    return x.astype(np.float64), y


def _parse_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def load_csv(path: str | Path) -> Dataset:
    """Read ``x,y,label`` rows (an optional header line first) into ``(x (N, 2), y (N,))``.

    Labels must be 0 or 1 and both classes present; coordinates must be finite. Every problem raises
    ``DataError`` naming the file and the line.
    """
    path = Path(path)
    try:
        with path.open(newline="") as handle:
            rows = [(number, row) for number, row in enumerate(csv.reader(handle), start=1)]
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DataError(f"{path}: cannot read it as CSV ({error})") from None

    rows = [(number, [cell.strip() for cell in row]) for number, row in rows if any(c.strip() for c in row)]
    if rows and all(_parse_number(cell) is None for cell in rows[0][1]):
        rows = rows[1:]  # a header line: no cell of the first row is a number
    if not rows:
        raise DataError(f"{path}: no data rows")

    values = np.empty((len(rows), 3))  # (N, 3)
    for i, (number, row) in enumerate(rows):
        if len(row) != 3:
            raise DataError(f"{path}, line {number}: expected 3 columns (x,y,label), found {len(row)}")
        for j, cell in enumerate(row):
            value = _parse_number(cell)
            if value is None:
                raise DataError(f"{path}, line {number}: {cell!r} is not a number")
            values[i, j] = value

    x, label = values[:, :2], values[:, 2]  # (N, 2), (N,)
    bad = np.flatnonzero(~np.isfinite(x).all(axis=1))
    if bad.size:
        raise DataError(f"{path}, line {rows[bad[0]][0]}: coordinates must be finite numbers")
    bad = np.flatnonzero((label != 0) & (label != 1))
    if bad.size:
        raise DataError(f"{path}, line {rows[bad[0]][0]}: label must be 0 or 1, found {rows[bad[0]][1][2]!r}")
    y = label.astype(np.int64)
    if np.unique(y).size < 2:
        raise DataError(f"{path}: all {len(y)} rows have label {y[0]}; two classes are needed")
    return x, y
