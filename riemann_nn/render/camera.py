"""The camera the stories draw with: Manim's Cairo camera, handing each ``VMobject``'s path to Cairo in fewer
Python steps.

Manim's ``Camera.set_cairo_context_path`` walks a path's cubic curves one at a time in Python, reading six
numpy scalars per curve; at thousands of curves a frame (grid segments, glyph arcs, dots) that loop costs about
as much as Cairo's stroking. ``PathCamera`` makes the same Cairo calls in the same order (a ``move_to`` per
sub-path, a ``curve_to`` per curve, a ``close_path`` where the sub-path ends where it began, by Manim's own
test of point equality) from plain Python lists built with numpy, so the pixels are exactly Manim's.
"""

from __future__ import annotations

import numpy as np
from manim import VMobject
from manim.camera.camera import Camera

__all__ = ["PathCamera", "closed_subpaths"]

_RTOL = 1.0e-5  # numpy.isclose's default, as in VMobject.consider_points_equals_2d


def closed_subpaths(points: np.ndarray, spans: np.ndarray, *, atol: float) -> np.ndarray:
    """Which sub-paths end where they start: ``VMobject.consider_points_equals_2d(first, last)`` for every
    sub-path at once. ``points`` (P, 3), ``spans`` (S, 2) point index ranges [start, end) -> (S,) bool."""
    first, last = points[spans[:, 0], :2], points[spans[:, 1] - 1, :2]  # (S, 2) each
    with np.errstate(invalid="ignore"):
        gap = np.abs(first - last)
        near = (gap <= atol + _RTOL * np.abs(last)) & np.isfinite(gap)
    return (near | (first == last)).all(axis=1)


class PathCamera(Camera):
    """Manim's ``Camera`` whose ``set_cairo_context_path`` builds the same Cairo path in one tight loop.

    A path whose point count is not a whole number of cubic curves (Manim skips the ragged end) goes through
    Manim's own method.
    """

    def set_cairo_context_path(self, ctx, vmobject: VMobject) -> PathCamera:
        points = self.transform_points_pre_display(vmobject, vmobject.points)  # (P, 3)
        if len(points) == 0:
            return self
        per_curve = vmobject.n_points_per_cubic_curve
        if per_curve != 4 or len(points) % per_curve:
            super().set_cairo_context_path(ctx, vmobject)
            return self
        ctx.new_path()
        spans = vmobject.get_subpath_split_indices_from_points(points, n_dims=2)  # (S, 2) point indices
        closed = closed_subpaths(points, spans, atol=vmobject.tolerance_for_point_equality).tolist()  # (S,)
        curves = points[:, :2].reshape(-1, 8)[:, 2:].tolist()  # (K, 6): both handles and the end of each curve
        starts = points[spans[:, 0], :2].tolist()  # (S, 2)
        move_to, curve_to, close_path = ctx.move_to, ctx.curve_to, ctx.close_path
        # A move_to starts a new sub-path by itself: Manim's new_sub_path before it changes nothing.
        for (first, last), (x, y), close in zip((spans // 4).tolist(), starts, closed):
            move_to(x, y)
            for curve in curves[first:last]:
                curve_to(*curve)
            if close:
                close_path()
        return self
