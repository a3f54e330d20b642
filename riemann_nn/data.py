"""Two-class 2-D datasets and CSV loading.

Every generator returns ``(x, y)`` with ``x`` of shape (N, 2), float64, and ``y`` of shape (N,), int64
labels in {0, 1}; classes are balanced (``N // 2`` and ``N - N // 2``). The same seed gives the same data.
Whatever the source, ``check_points`` holds the data to what the rest can compute with: 2 to ``MAX_POINTS``
points, finite coordinates within ``MAX_COORDINATE``, a spread that is not zero, two classes.
"""

from __future__ import annotations

import csv
import math
import os
import stat
from array import array
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .config import DATASETS as DATASET_NAMES
from .config import MAX_COORDINATE, MAX_POINTS, MAX_SEED, check_choice, check_float, check_int
from .errors import ConfigError, DataError

Dataset = tuple[np.ndarray, np.ndarray]

MIN_SPREAD = 1e-100  # below this, scaling the data to unit size would overflow the metric (1/spread squared)
MAX_CSV_BYTES = 256 * 2**20  # MAX_POINTS rows of three numbers need a tenth of this


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


# A disc of radius r1 inside an annulus r2..r3, as in the augmented-ODE experiments (Dupont et al. 2019).
RINGS_RADII = (0.5, 1.0, 1.5)


def rings(*, n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """A disc inside a ring (``RINGS_RADII`` r1 < r2 < r3): class 0 fills the annulus ``r2 <= |x| <= r3``, class 1
    the disc ``|x| <= r1``, both uniformly by area. No homeomorphism of the plane pulls the disc out of the ring,
    so an invertible width-2 network cannot separate them by a line; one extra dimension can."""
    r1, r2, r3 = RINGS_RADII
    y = _labels(n)
    u = rng.uniform(size=n)  # (N,) uniform by area: r^2 is uniform between the radii' squares
    r = np.where(y == 0, np.sqrt(r2**2 + u * (r3**2 - r2**2)), r1 * np.sqrt(u))  # (N,)
    t = rng.uniform(0, 2 * math.pi, size=n)  # (N,)
    x = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)  # (N, 2)
    return x + noise * rng.standard_normal((n, 2)), y


DATASETS: dict[str, Callable[..., Dataset]] = {
    "spirals": spirals,
    "circles": circles,
    "moons": moons,
    "xor": xor,
    "gaussians": gaussians,
    "rings": rings,
}


def make_dataset(name: str, *, n: int = 1000, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Make ``n`` points of the named dataset.

    Returns ``x`` (N, 2) float64 and ``y`` (N,) int64. Raises ``DataError`` for an unknown name, ``n`` not an
    integer from 2 to ``MAX_POINTS``, noise that is negative, not a finite number or so large that coordinates
    overflow, a seed outside 0 .. 2**63 - 1.
    """
    try:
        check_choice(name, DATASET_NAMES, "dataset")
        check_int(n, "n (the number of points)", low=2, high=MAX_POINTS)
        check_float(noise, "noise", low=0.0)
        check_int(seed, "seed", low=0, high=MAX_SEED)
    except ConfigError as error:
        raise DataError(str(error)) from None
    x, y = DATASETS[name](n=n, noise=noise, rng=np.random.default_rng(seed))
    return check_points(x, y, source=f"{name} with noise {noise:g}")


def check_points(x, y, *, source: str = "the data") -> Dataset:
    """``x`` (N, 2) as float64 and ``y`` (N,) as int64, after checking what every later step relies on.

    ``x`` must hold real numbers (not objects, strings or complex numbers), finite and within
    ``MAX_COORDINATE`` (beyond it the metric's arithmetic overflows), spread over more than ``MIN_SPREAD``;
    ``y`` the labels 0 and 1, both present; 2 to ``MAX_POINTS`` points. ``DataError`` naming ``source`` otherwise.
    Inputs are never modified.
    """
    _refuse_masked(x, f"{source}: points")
    try:
        x, y = np.asarray(x), np.asarray(y)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise DataError(f"{source}: points and labels must be arrays of numbers ({error})") from None
    if x.dtype.kind not in "iuf" or y.dtype.kind not in "biuf":
        raise DataError(f"{source}: points and labels must be real numbers, got dtypes {x.dtype} and {y.dtype}")
    if x.ndim != 2 or x.shape[1] != 2 or y.shape != x.shape[:1]:
        raise DataError(f"{source}: points must be (N, 2) and labels (N,), got shapes {x.shape} and {y.shape}")
    if not 2 <= len(x) <= MAX_POINTS:
        raise DataError(f"{source}: riemann-nn takes 2 to {MAX_POINTS:,} points, got {len(x):,}")
    x = x.astype(np.float64)  # a copy: the caller's array is never touched
    if not np.isfinite(x).all():
        raise DataError(f"{source}: coordinates must be finite numbers")
    largest = float(np.abs(x).max())
    if largest > MAX_COORDINATE:
        raise DataError(
            f"{source}: a coordinate of {largest:.3g} is beyond +-{MAX_COORDINATE:g}, where the metric's "
            "arithmetic overflows; rescale the data"
        )
    spread = float((x.max(axis=0) - x.min(axis=0)).max())
    if spread <= MIN_SPREAD:
        where = "all at one place" if spread == 0 else f"spread over only {spread:.3g}"
        raise DataError(f"{source}: the {len(x)} points are {where}; they need to span more than {MIN_SPREAD:g}")
    if not np.isin(y, (0, 1)).all():
        raise DataError(f"{source}: labels must be 0 or 1")
    y = y.astype(np.int64)
    if np.unique(y).size < 2:
        raise DataError(f"{source}: all {len(y)} points have label {y[0]}; two classes are needed")
    return x, y


OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs", " ": "spaces"}  # named when a row is one cell holding one


def _parse_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _parse_row(path: Path, number: int, cells: list[str]) -> tuple[float, float, float]:
    """One data row as (x, y, label); ``DataError`` naming the line for anything but two coordinates and a label."""
    if len(cells) != 3:
        other = next((name for mark, name in OTHER_SEPARATORS.items() if len(cells) == 1 and mark in cells[0]), None)
        hint = f" (separated by {other}? riemann-nn reads comma-separated values)" if other else ""
        raise DataError(f"{path}, line {number}: expected 3 columns (x,y,label), found {len(cells)}{hint}")
    parsed = []
    for cell in cells:
        value = _parse_number(cell)
        if value is None:
            raise DataError(f"{path}, line {number}: {cell!r} is not a number")
        parsed.append(value)
    x, y, label = parsed
    if not (math.isfinite(x) and math.isfinite(y)):
        raise DataError(f"{path}, line {number}: coordinates must be finite numbers")
    if max(abs(x), abs(y)) > MAX_COORDINATE:
        raise DataError(
            f"{path}, line {number}: a coordinate beyond +-{MAX_COORDINATE:g} (where the metric's "
            "arithmetic overflows); rescale the data"
        )
    if label not in (0.0, 1.0):
        raise DataError(f"{path}, line {number}: label must be 0 or 1, found {cells[2]!r}")
    return x, y, label


def load_csv(path: str | os.PathLike) -> Dataset:
    """Read ``x,y,label`` rows (an optional header line first) into ``(x (N, 2), y (N,))``.

    Labels must be 0 or 1 and both classes present; coordinates must be finite and within ``MAX_COORDINATE``.
    The file must be a regular file (a FIFO or a device would never end) of at most ``MAX_CSV_BYTES`` and
    ``MAX_POINTS`` rows; it is read as a stream. Every problem raises ``DataError`` naming the file and, where
    there is one, the line.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise DataError(f"load_csv needs a file path, got {type(path).__name__}")
    path = Path(path)
    try:
        status = path.stat()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read it ({error.strerror or error})") from None
    if not stat.S_ISREG(status.st_mode):
        raise DataError(f"{path}: not a regular file (a directory, FIFO or device); give a CSV file")
    if status.st_size > MAX_CSV_BYTES:
        raise DataError(
            f"{path}: {status.st_size:,} bytes is more than a CSV of {MAX_POINTS:,} points needs "
            f"(at most {MAX_CSV_BYTES:,})"
        )
    values = array("d")  # x, y, label of every data row, flat: 24 bytes a row however long the file
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # -sig: a leading byte-order mark is dropped
            first = True
            for number, row in enumerate(csv.reader(handle), start=1):
                cells = [cell.strip() for cell in row]
                if not any(cells):
                    continue
                if first:
                    first = False
                    if all(_parse_number(cell) is None for cell in cells):
                        continue  # a header line: no cell of the first row is a number
                values.extend(_parse_row(path, number, cells))
                if len(values) > 3 * MAX_POINTS:
                    raise DataError(f"{path}: more than {MAX_POINTS:,} rows; riemann-nn takes at most that many points")
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DataError(f"{path}: cannot read it as CSV ({error})") from None
    if not values:
        raise DataError(f"{path}: no data rows")
    table = np.frombuffer(values, dtype=np.float64).reshape(-1, 3)  # (N, 3)
    return check_points(table[:, :2], table[:, 2], source=str(path))


def encode_labels(y, *, positive=None) -> tuple[np.ndarray, list]:
    """Labels of any two different values as 0/1: ``(codes (N,) int64, [label of class 0, label of class 1])``.

    The values may be numbers, strings or booleans (0/1, -1/1, "benign"/"malignant", False/True). Class 1 is
    ``positive`` (the class a network gives a positive logit), by default the larger value, or the later one in
    sorted order; the labels come back as plain Python values (for ``meta.labels``). ``DataError`` unless ``y``
    is one-dimensional and holds exactly two different values (no NaN), and ``positive`` is one of them.
    """
    _refuse_masked(y, "labels")
    try:
        labels = np.asarray(y)
    except (ValueError, TypeError) as error:
        raise DataError(f"labels must be a one-dimensional array ({error})") from None
    if labels.ndim != 1:
        raise DataError(f"labels must be a one-dimensional array, got shape {labels.shape}")
    if labels.dtype.kind not in "biufUSO":
        raise DataError(f"labels must be numbers, strings or booleans, got dtype {labels.dtype}")
    if labels.dtype.kind == "S":  # bytes, as text: meta.labels is JSON, and the legends show them
        try:
            labels = np.char.decode(labels, "utf-8")
        except UnicodeDecodeError:
            raise DataError("labels given as bytes must be UTF-8 text") from None
    if labels.dtype.kind == "O" and not all(isinstance(v, LABEL_TYPES) and not isinstance(v, bytes) for v in labels):
        raise DataError("labels must be numbers, strings or booleans")
    if labels.dtype.kind == "f" and not np.isfinite(labels).all():
        raise DataError("labels must not be NaN or infinite")
    try:
        values, codes = np.unique(labels, return_inverse=True)  # sorted
    except TypeError:  # a mix of strings and numbers cannot be sorted
        raise DataError("labels must all be numbers or all be strings") from None
    if len(values) != 2:
        shown = ", ".join(repr(_plain(v)) for v in values[:5]) + (", ..." if len(values) > 5 else "")
        raise DataError(f"labels must take exactly two different values, got {len(values)}: {shown}")
    plain = [_plain(v) for v in values]
    if positive is not None:
        target = _plain(positive)
        matches = [
            k for k, value in enumerate(plain) if isinstance(value, str) == isinstance(target, str) and value == target
        ]
        if not matches:
            raise DataError(f"positive label {positive!r} is not one of the labels {plain[0]!r} and {plain[1]!r}")
        if matches[0] == 0:
            plain.reverse()
            codes = 1 - codes
    return codes.astype(np.int64).reshape(-1), plain


LABEL_TYPES = (str, bool, int, float, np.bool_, np.integer, np.floating)  # what JSON and the legends can hold


def _refuse_masked(values, what: str) -> None:
    """A masked array's hidden entries would count as data (``np.asarray`` drops the mask): refuse it."""
    if np.ma.isMaskedArray(values) and np.ma.is_masked(values):
        raise DataError(f"{what} are a masked array with masked entries; drop those points first (x[~mask])")


def _plain(value):
    """A numpy scalar as the Python value JSON can hold (``np.int64(1)`` -> 1, ``np.str_("a")`` -> "a")."""
    return value.item() if isinstance(value, np.generic) else value
