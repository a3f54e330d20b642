"""Marks: many shapes as sub-paths of one ``VMobject`` each, built with numpy and clipped to a plot region.

Manim draws a ``VMobject`` from groups of four points (anchor, handle, handle, anchor); consecutive curves
whose anchors differ start a new sub-path. Building the arrays with numpy and writing them once per frame
is what keeps thousands of dots, glyphs and grid segments cheap: Cairo's cost is per Python object.

Every mark class derives from ``Marks``, which writes a point array (or nothing) and clips straight segments
to a ``framing.PlotRegion``. The marks: ``PointCloud`` (data points), ``WarpedGrid`` (grid lines),
``PolylineSet`` (the decision boundary, level sets), ``DirectionField`` (short segments through sites),
``EllipseField`` (metric glyphs in one colour) and ``GlyphPalette`` (glyphs or cells in colour bins).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np
from manim import VGroup, VMobject

if TYPE_CHECKING:
    from .framing import PlotRegion

__all__ = [
    "DOT", "SHAPES", "UNIT_CIRCLE", "UNIT_SQUARE", "DirectionField", "EllipseField", "GlyphPalette", "Marks",
    "PointCloud", "PolylineSet", "WarpedGrid", "clip_segments", "discs_to_bezier", "ellipses_to_bezier", "route",
    "segments_to_bezier", "with_z",
]

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


# The square [-1, 1]^2 as four straight cubic curves: a linear map sends it onto a parallelogram, as
# UNIT_CIRCLE is sent onto an ellipse (16 control points each, so both shapes share one code path).
_CORNERS = np.array([[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0]])
UNIT_SQUARE = segments_to_bezier(_CORNERS, np.roll(_CORNERS, -1, axis=0))[:, :2]  # (16, 2)
SHAPES = {"circle": UNIT_CIRCLE, "square": UNIT_SQUARE}


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


def region_box(region: PlotRegion) -> tuple[np.ndarray, np.ndarray]:
    """The region's lower-left and upper-right corners, (2,) each."""
    return np.array([region.left, region.bottom]), np.array([region.right, region.top])


class Marks(VMobject):
    """The shared base: a set of shapes written as one point array per frame, clipped to a region."""

    def draw(self, points: np.ndarray) -> "Marks":
        """Write Bezier ``points`` (4K, 3); an empty array draws nothing."""
        self.set_points(points if len(points) else np.zeros((0, 3)))
        return self

    def draw_segments(self, starts: np.ndarray, ends: np.ndarray, *, region: PlotRegion | None) -> "Marks":
        """Straight segments (K, 2) each, clipped to ``region`` (when given)."""
        if region is not None:
            starts, ends = clip_segments(starts, ends, *region_box(region))
        return self.draw(segments_to_bezier(starts, ends))


class PointCloud(Marks):
    """Filled discs of radius ``radius`` (scene units) at screen positions, rewritten in one vectorised call."""

    def __init__(self, *, color: str, radius: float = 0.035, opacity: float = 0.9, **kwargs):
        super().__init__(fill_color=color, fill_opacity=opacity, stroke_width=0, **kwargs)
        self.radius = radius

    def set_positions(self, screen: np.ndarray, *, region: PlotRegion | None = None) -> "PointCloud":
        """Put the discs at ``screen`` (N, 2); with ``region``, points outside it are not drawn."""
        if region is not None:
            screen = screen[region.contains(screen, margin=self.radius)]
        return self.draw(discs_to_bezier(screen, self.radius))


class WarpedGrid(Marks):
    """Grid lines given as screen polylines (R, S, 2), clipped to the plot region every frame."""

    def __init__(self, *, color: str, opacity: float = 0.5, stroke_width: float = 1.2, **kwargs):
        super().__init__(stroke_color=color, stroke_opacity=opacity, stroke_width=stroke_width,
                         fill_opacity=0, **kwargs)

    def set_lines(self, lines: np.ndarray, *, region: PlotRegion) -> "WarpedGrid":
        starts = lines[:, :-1].reshape(-1, 2)  # (R (S-1), 2)
        ends = lines[:, 1:].reshape(-1, 2)
        return self.draw_segments(starts, ends, region=region)


class PolylineSet(Marks):
    """Packed polylines (vertices (P, 2) in scene units, offsets (K+1,)) as one path, clipped to a region.

    The decision boundary in every layer: the same vertices move with the layer map, so the curve of the
    input straightens into the head's line at the last layer.
    """

    def __init__(self, *, color: str, stroke_width: float = 3.0, opacity: float = 0.95, **kwargs):
        super().__init__(stroke_color=color, stroke_width=stroke_width, stroke_opacity=opacity, fill_opacity=0,
                         **kwargs)

    def set_polylines(self, vertices: np.ndarray, offsets: np.ndarray, *, region: PlotRegion) -> "PolylineSet":
        inside_polyline = np.ones(max(len(vertices) - 1, 0), bool)  # segment k joins vertex k and k+1
        inside_polyline[offsets[1:-1] - 1] = False  # no segment between one polyline's end and the next start
        return self.draw_segments(vertices[:-1][inside_polyline], vertices[1:][inside_polyline], region=region)


class DirectionField(Marks):
    """Segments of one length (scene units) centred on sites, along given directions; one path."""

    def __init__(self, *, color: str, stroke_width: float = 2.5, **kwargs):
        super().__init__(stroke_color=color, stroke_width=stroke_width, fill_opacity=0, **kwargs)

    def set_directions(self, centres: np.ndarray, directions: np.ndarray, *, half_length: float,
                       region: PlotRegion) -> "DirectionField":
        """Draw segments through ``centres`` (M, 2) along ``directions`` (M, 2, any length; zero rows are
        skipped), ``half_length`` either side, clipped to ``region``."""
        norm = np.linalg.norm(directions, axis=1, keepdims=True)  # (M, 1)
        keep = norm[:, 0] > 1e-300
        unit = directions[keep] / norm[keep]
        return self.draw_segments(centres[keep] - half_length * unit, centres[keep] + half_length * unit,
                                  region=region)


class EllipseField(Marks):
    """Ellipses ``centre + A u`` over the unit circle ``u``; one array write per frame."""

    def __init__(self, *, color: str, stroke_width: float = 2.0, fill_opacity: float = 0.0, **kwargs):
        super().__init__(stroke_color=color, stroke_width=stroke_width, fill_color=color,
                         fill_opacity=fill_opacity, **kwargs)

    def set_glyphs(self, centres: np.ndarray, maps: np.ndarray, *, region: PlotRegion | None = None) -> "EllipseField":
        """Draw glyphs with screen ``centres`` (M, 2) and screen maps (M, 2, 2); those whose extent leaves
        ``region`` are not drawn, so no glyph is ever cut by the frame."""
        if region is not None and len(centres):
            reach = np.linalg.norm(maps, ord=2, axis=(1, 2))  # (M,) largest semi-axis
            inside = (region.contains(centres) & (centres[:, 0] - reach >= region.left)
                      & (centres[:, 0] + reach <= region.right) & (centres[:, 1] - reach >= region.bottom)
                      & (centres[:, 1] + reach <= region.top))
            centres, maps = centres[inside], maps[inside]
        return self.draw(ellipses_to_bezier(centres, maps))


def route(bins: np.ndarray, count: int) -> list[np.ndarray]:
    """Indices of the glyphs in each of ``count`` bins: ``count`` arrays that together hold every index once.

    ``bins`` (M,) int in [0, count); a value outside raises ``ValueError``.
    """
    bins = np.asarray(bins)
    if bins.size and (bins.min() < 0 or bins.max() >= count):
        raise ValueError(f"colour bins must lie in [0, {count}), got {bins.min()} .. {bins.max()}")
    order = np.argsort(bins, kind="stable")  # (M,)
    return np.split(order, np.cumsum(np.bincount(bins, minlength=count))[:-1])


class GlyphPalette(VGroup):
    """``K`` fields of shapes (``EllipseField`` each), one per colour: glyph ``m`` is drawn in field ``bins[m]``.

    Cairo draws one colour per ``VMobject``, so a field whose glyphs each have their own colour is drawn as
    ``K`` fields (``K`` colour bins), every glyph routed to the field of its bin: still ``K`` vectorised writes
    per frame, not one mobject per glyph.

    Parameters
    ----------
    colours : one colour per bin.
    shape : ``circle`` (ellipse glyphs) or ``square`` (parallelogram cells): the unit shape the maps transform.
    stroke_width, fill_opacity, stroke_opacity : the same for every field.
    """

    def __init__(self, colours: Sequence[str], *, shape: str = "circle", stroke_width: float = 1.6,
                 fill_opacity: float = 0.0, stroke_opacity: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        if shape not in SHAPES:
            raise ValueError(f"unknown glyph shape {shape!r}; choose one of: {', '.join(SHAPES)}")
        self.unit = SHAPES[shape]  # (16, 2)
        self.fields = [EllipseField(color=colour, stroke_width=stroke_width, fill_opacity=fill_opacity,
                                    stroke_opacity=stroke_opacity) for colour in colours]
        self.add(*self.fields)

    def set_glyphs(self, centres: np.ndarray, maps: np.ndarray, bins: np.ndarray, *,
                   region: PlotRegion | None = None) -> "GlyphPalette":
        """Draw shapes ``centre + A unit`` with screen ``centres`` (M, 2), screen maps (M, 2, 2) and colour
        ``bins`` (M,); shapes reaching outside ``region`` are left out, so none is cut by the frame."""
        shapes = centres[:, None, :] + np.einsum("mij,kj->mki", maps, self.unit)  # (M, 16, 2)
        bins = np.asarray(bins)
        if region is not None and len(shapes):
            low, high = shapes.min(axis=1), shapes.max(axis=1)  # (M, 2): the control hull holds the curve
            inside = ((low[:, 0] >= region.left) & (high[:, 0] <= region.right)
                      & (low[:, 1] >= region.bottom) & (high[:, 1] <= region.top))
            shapes, bins = shapes[inside], bins[inside]
        for field, members in zip(self.fields, route(bins, len(self.fields))):
            field.draw(with_z(shapes[members]))
        return self
