"""The camera the stories draw with: Manim's Cairo camera, handing each ``VMobject``'s path to Cairo in fewer
Python steps.

Manim's ``Camera.set_cairo_context_path`` walks a path's cubic curves one at a time in Python, reading six
numpy scalars per curve; at thousands of curves a frame (grid segments, glyph arcs, dots) that loop costs a
good part of the frame. ``PathCamera`` makes the same Cairo calls in the same order -- a ``move_to`` per
sub-path, a ``curve_to`` per curve, a ``close_path`` where the sub-path ends where it began by Manim's own test
of point equality -- so the pixels are exactly Manim's. A long path is written with numpy as Cairo's own path
elements and appended in one call (``cairo_append_path``, which makes those calls inside Cairo); a short one,
or every path where that call cannot be reached, goes through a tight Python loop over plain lists.

Reaching ``cairo_append_path`` takes two things pycairo does not offer from Python: the function itself, looked
up through pycairo's extension module (so it is the libcairo pycairo draws with), and a context's ``cairo_t``
pointer, read where pycairo's public C header puts it (``PycairoContext``: the object header, then the
pointer; other extensions such as PyGObject rely on that layout). Both are checked once on a scratch context
(a setting read back, a path appended and read back); if anything differs, the loop is used.
"""

from __future__ import annotations

import ctypes
import functools
import importlib
from collections.abc import Callable

import cairo
import numpy as np
from manim import VMobject
from manim.camera.camera import Camera

__all__ = ["PathCamera", "cairo_append_path", "closed_subpaths", "path_elements"]

_RTOL = 1.0e-5  # numpy.isclose's default, as in VMobject.consider_points_equals_2d
MOVE_TO, CURVE_TO, CLOSE_PATH = 0, 2, 3  # cairo_path_data_type_t


def closed_subpaths(points: np.ndarray, spans: np.ndarray, *, atol: float) -> np.ndarray:
    """Which sub-paths end where they start: ``VMobject.consider_points_equals_2d(first, last)`` for every
    sub-path at once. ``points`` (P, 3), ``spans`` (S, 2) point index ranges [start, end) -> (S,) bool."""
    first, last = points[spans[:, 0], :2], points[spans[:, 1] - 1, :2]  # (S, 2) each
    with np.errstate(invalid="ignore"):
        gap = np.abs(first - last)
        near = (gap <= atol + _RTOL * np.abs(last)) & np.isfinite(gap)
    return (near | (first == last)).all(axis=1)


def path_elements(points: np.ndarray, spans: np.ndarray, closed: np.ndarray) -> np.ndarray:
    """Cairo's path elements (``cairo_path_data_t``, 16 bytes each) for the cubic curves ``points`` (4K, 3) in
    sub-paths ``spans`` (S, 2; point ranges covering all curves in order), ``closed`` (S,) bool: per sub-path a
    MOVE_TO to its first point, a CURVE_TO per curve (both handles and the end), a CLOSE_PATH where closed.

    Returns (D, 2) float64: a point is one row; a header is one row whose first 8 bytes hold the element's type
    and its length in rows (int32 each)."""
    first = spans[:, 0] // 4  # (S,) first curve of each sub-path
    count = spans[:, 1] // 4 - first  # (S,) its curves
    size = 2 + 4 * count + closed  # (S,) rows: MOVE_TO and a point, header and three points per curve, CLOSE_PATH
    end = np.cumsum(size)
    begin = end - size  # (S,) row of each MOVE_TO
    row = 4 * np.arange(len(points) // 4) + np.repeat(begin + 2 - 4 * first, count)  # (K,) row of each CURVE_TO
    elements = np.empty((int(end[-1]), 2))
    header = elements.view(np.int32)  # (D, 4): type, length, padding
    header[begin, :2] = (MOVE_TO, 2)
    elements[begin + 1] = points[spans[:, 0], :2]
    header[row, :2] = (CURVE_TO, 4)
    curves = points[:, :2].reshape(-1, 4, 2)  # (K, 4, 2)
    for k in (1, 2, 3):
        elements[row + k] = curves[:, k]
    header[end[closed] - 1, :2] = (CLOSE_PATH, 1)
    return elements


class _Path(ctypes.Structure):
    """``cairo_path_t``."""

    _fields_ = [("status", ctypes.c_int), ("data", ctypes.c_void_p), ("num_data", ctypes.c_int)]


_CONTEXT_POINTER = object.__basicsize__  # offset of ``cairo_t *ctx`` in pycairo's ``PycairoContext``


@functools.cache
def cairo_append_path() -> Callable[[cairo.Context, np.ndarray], None] | None:
    """``append(ctx, elements)``: Cairo's ``cairo_append_path`` for elements made by ``path_elements``, or None
    where it cannot be reached and checked (see the module)."""
    extension = importlib.import_module("cairo._cairo").__file__  # pycairo's compiled module
    if extension is None:
        return None
    try:
        library = ctypes.CDLL(extension)  # its symbols and those of the libcairo it links
        append, tolerance = library.cairo_append_path, library.cairo_get_tolerance
    except (OSError, AttributeError):  # cairo linked in without exported symbols (Windows wheels)
        return None
    if cairo.Context.__basicsize__ < _CONTEXT_POINTER + ctypes.sizeof(ctypes.c_void_p):
        return None
    append.argtypes, append.restype = [ctypes.c_void_p, ctypes.POINTER(_Path)], None
    tolerance.argtypes, tolerance.restype = [ctypes.c_void_p], ctypes.c_double

    def pointer(ctx: cairo.Context) -> int | None:
        return ctypes.c_void_p.from_address(id(ctx) + _CONTEXT_POINTER).value

    def append_path(ctx: cairo.Context, elements: np.ndarray) -> None:
        append(pointer(ctx), ctypes.byref(_Path(0, elements.ctypes.data, len(elements))))

    probe = cairo.Context(cairo.ImageSurface(cairo.FORMAT_ARGB32, 4, 4))
    probe.set_tolerance(0.3125)
    if not pointer(probe) or tolerance(pointer(probe)) != 0.3125:
        return None
    points = np.array([[0, 0, 0], [1, 2, 0], [3, 4, 0], [5, 6, 0], [5, 6, 0], [7, 8, 0], [9, 1, 0], [0, 0, 0]], float)
    append_path(probe, path_elements(points, np.array([[0, 8]]), np.array([True])))
    read = [(kind, tuple(values)) for kind, values in probe.copy_path()]
    expected = [
        (cairo.PATH_MOVE_TO, (0.0, 0.0)),
        (cairo.PATH_CURVE_TO, (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)),
        (cairo.PATH_CURVE_TO, (7.0, 8.0, 9.0, 1.0, 0.0, 0.0)),
        (cairo.PATH_CLOSE_PATH, ()),
        (cairo.PATH_MOVE_TO, (0.0, 0.0)),  # Cairo's own, after a close
    ]
    return append_path if read == expected else None


class PathCamera(Camera):
    """Manim's ``Camera`` whose ``set_cairo_context_path`` builds the same Cairo path, long paths in one call.

    ``batch_curves``: paths of at least this many curves are appended in one call (when it can be reached);
    shorter ones, where numpy's fixed costs outweigh the loop, go through the Python loop. A path whose point
    count is not a whole number of cubic curves (Manim skips the ragged end) goes through Manim's own method.
    """

    batch_curves = 48

    def set_cairo_context_path(self, ctx: cairo.Context, vmobject: VMobject) -> PathCamera:
        points = self.transform_points_pre_display(vmobject, vmobject.points)  # (P, 3)
        if len(points) == 0:
            return self
        per_curve = vmobject.n_points_per_cubic_curve
        if per_curve != 4 or len(points) % per_curve:
            super().set_cairo_context_path(ctx, vmobject)
            return self
        ctx.new_path()
        spans = vmobject.get_subpath_split_indices_from_points(points, n_dims=2)  # (S, 2) point indices
        closed = closed_subpaths(points, spans, atol=vmobject.tolerance_for_point_equality)  # (S,)
        append = cairo_append_path()
        if append is not None and len(points) >= 4 * self.batch_curves:
            append(ctx, path_elements(points, spans, closed))
            return self
        curves = points[:, :2].reshape(-1, 8)[:, 2:].tolist()  # (K, 6): both handles and the end of each curve
        starts = points[spans[:, 0], :2].tolist()  # (S, 2)
        move_to, curve_to, close_path = ctx.move_to, ctx.curve_to, ctx.close_path
        # A move_to starts a new sub-path by itself: Manim's new_sub_path before it changes nothing.
        for (first, last), (x, y), close in zip((spans // 4).tolist(), starts, closed.tolist()):
            move_to(x, y)
            for curve in curves[first:last]:
                curve_to(*curve)
            if close:
                close_path()
        return self
