"""Vectorised construction of Bezier point arrays: many shapes as sub-paths of one ``VMobject``.

Manim draws a ``VMobject`` from groups of four points (anchor, handle, handle, anchor); consecutive curves
whose anchors differ start a new sub-path. Building the arrays with numpy and writing them once per frame
is what keeps thousands of dots, glyphs and grid segments cheap.
"""

from __future__ import annotations

import numpy as np

# Four cubic arcs approximating the unit circle (handle length 4/3 tan(pi/8)); a linear map sends them to
# the exact Bezier image of the circle, so the same control points draw any ellipse.
_K = 4.0 / 3.0 * np.tan(np.pi / 8)
UNIT_CIRCLE = np.array([
    [1, 0], [1, _K], [_K, 1], [0, 1],
    [0, 1], [-_K, 1], [-1, _K], [-1, 0],
    [-1, 0], [-1, -_K], [-_K, -1], [0, -1],
    [0, -1], [_K, -1], [1, -_K], [1, 0],
], dtype=float)  # (16, 2)


def _arcs(count: int) -> np.ndarray:
    """``count`` cubic arcs approximating the unit circle, as (4 count, 2) control points."""
    start = np.linspace(0, 2 * np.pi, count, endpoint=False)  # (C,)
    end = start + 2 * np.pi / count
    k = 4.0 / 3.0 * np.tan(np.pi / (2 * count))  # handle length of a circular arc of 2 pi / count
    p0 = np.column_stack([np.cos(start), np.sin(start)])
    p3 = np.column_stack([np.cos(end), np.sin(end)])
    p1 = p0 + k * np.column_stack([-np.sin(start), np.cos(start)])
    p2 = p3 - k * np.column_stack([-np.sin(end), np.cos(end)])
    return np.stack([p0, p1, p2, p3], axis=1).reshape(-1, 2)


# Data points are a few pixels wide: two arcs (radial error 2%, a tenth of a pixel) draw them with half the
# curves of a glyph's circle; Cairo's cost and Manim's path loop both grow with the number of curves.
DOT = _arcs(2)  # (8, 2)


def with_z(points: np.ndarray) -> np.ndarray:
    """(..., 2) -> (K, 3) with z = 0, flattened: Manim's point layout."""
    flat = points.reshape(-1, 2)
    return np.column_stack([flat, np.zeros(len(flat))])


def ellipses_to_bezier(centres: np.ndarray, maps: np.ndarray) -> np.ndarray:
    """Closed ellipses ``centre + A u`` (u on the unit circle): (M, 2), (M, 2, 2) -> (16 M, 3)."""
    shapes = centres[:, None, :] + np.einsum("mij,kj->mki", maps, UNIT_CIRCLE)  # (M, 16, 2)
    return with_z(shapes)


def discs_to_bezier(centres: np.ndarray, radius: float) -> np.ndarray:
    """Small circles of one radius around each centre (two arcs each): (N, 2) -> (8 N, 3)."""
    return with_z(centres[:, None, :] + radius * DOT)  # (N, 8, 2)


def segments_to_bezier(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Straight segments as cubic curves with handles at thirds: (K, 2), (K, 2) -> (4 K, 3)."""
    curves = np.stack([starts, (2 * starts + ends) / 3, (starts + 2 * ends) / 3, ends], axis=1)  # (K, 4, 2)
    return with_z(curves)


def clip_segments(starts: np.ndarray, ends: np.ndarray, low: np.ndarray, high: np.ndarray):
    """Clip segments (K, 2) to the box ``[low, high]`` (Liang-Barsky, vectorised).

    Returns the clipped starts and ends of the segments that keep some length inside the box.
    """
    d = ends - starts  # (K, 2)
    t0, t1 = np.zeros(len(d)), np.ones(len(d))
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-d, starts - low), (d, high - starts)):  # each (K, 2)
            r = q / p
            entering = p < 0
            leaving = p > 0
            t0 = np.maximum(t0, np.where(entering, r, -np.inf).max(axis=1))
            t1 = np.minimum(t1, np.where(leaving, r, np.inf).min(axis=1))
            parallel_outside = ((p == 0) & (q < 0)).any(axis=1)
            t1 = np.where(parallel_outside, -1.0, t1)
    keep = t0 < t1
    return starts[keep] + t0[keep, None] * d[keep], starts[keep] + t1[keep, None] * d[keep]
