"""Marks: many shapes as sub-paths of one ``VMobject`` each, built with numpy and clipped to a plot region.

Manim draws a ``VMobject`` from groups of four points (anchor, handle, handle, anchor); consecutive curves
whose anchors differ start a new sub-path. Building the arrays with numpy and writing them once per frame
is what keeps thousands of dots, glyphs and grid segments cheap: Cairo's cost is per Python object.

Every mark class derives from ``Marks``, which writes a point array (or nothing) and clips straight segments
to a plot region (``framing.PlotRegion``). The marks: ``PointCloud`` (data points), ``WarpedGrid`` (grid lines),
``PolylineSet`` (the decision boundary, level sets), ``DirectionField`` (short segments through sites),
``EllipseField`` (metric glyphs in one colour), ``GlyphPalette`` (glyphs or cells in colour bins) and
``UnboundedMarks`` (sites whose metric has no bounded glyph). Glyphs are cut at the region's border, never
dropped: the number of sub-paths a field draws is the number of its sites (``closed_shapes``); a glyph
larger than a view draws it is dashed (``dashed_ellipses``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, Self

import numpy as np
from manim import CapStyleType, VGroup, VMobject

__all__ = [
    "DASHES",
    "OUTLINES",
    "SHAPES",
    "STROKE_UNIT",
    "UNIT_CIRCLE",
    "UNIT_SQUARE",
    "DirectionField",
    "EllipseField",
    "GlyphPalette",
    "Marks",
    "PlotRegion",
    "PointCloud",
    "PolylineSet",
    "UnboundedMarks",
    "WarpedGrid",
    "clip_segments",
    "clipped_outlines",
    "closed_shapes",
    "dashed_ellipses",
    "ellipses_to_bezier",
    "region_box",
    "route",
    "segments_to_bezier",
    "with_z",
]


class PlotRegion(Protocol):
    """The rectangle marks are clipped to (``framing.PlotRegion`` is one), in scene units."""

    @property
    def left(self) -> float: ...
    @property
    def right(self) -> float: ...
    @property
    def bottom(self) -> float: ...
    @property
    def top(self) -> float: ...

    def contains(self, screen: np.ndarray, *, margin: float = 0.0) -> np.ndarray: ...


# Four cubic arcs approximating the unit circle (handle length 4/3 tan(pi/8)); a linear map sends them to
# the exact Bezier image of the circle, so the same control points draw any ellipse.
_K = 4.0 / 3.0 * np.tan(np.pi / 8)
UNIT_CIRCLE = np.array(
    [
        [1, 0],
        [1, _K],
        [_K, 1],
        [0, 1],
        [0, 1],
        [-_K, 1],
        [-1, _K],
        [-1, 0],
        [-1, 0],
        [-1, -_K],
        [-_K, -1],
        [0, -1],
        [0, -1],
        [_K, -1],
        [1, -_K],
        [1, 0],
    ],
    dtype=float,
)  # (16, 2)


def with_z(points: np.ndarray) -> np.ndarray:
    """(..., 2) -> (K, 3) with z = 0, flattened: Manim's point layout."""
    flat = points.reshape(-1, 2)
    return np.column_stack([flat, np.zeros(len(flat))])


def ellipses_to_bezier(centres: np.ndarray, maps: np.ndarray) -> np.ndarray:
    """Closed ellipses ``centre + A u`` (u on the unit circle): (M, 2), (M, 2, 2) -> (16 M, 3)."""
    shapes = centres[:, None, :] + np.einsum("mij,kj->mki", maps, UNIT_CIRCLE)  # (M, 16, 2)
    return with_z(shapes)


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
    """The shared base: a set of shapes written as one point array per frame, clipped to a region.

    ``shapes_drawn`` counts the shapes (points, glyphs, marks) of the last write, where a class knows it.
    """

    shapes_drawn = 0

    def draw(self, points: np.ndarray, *, shapes: int = 0) -> Self:
        """Write Bezier ``points`` (4K, 3) of ``shapes`` shapes; an empty array draws nothing."""
        self.set_points(points if len(points) else np.zeros((0, 3)))
        self.shapes_drawn = shapes
        return self

    def draw_segments(self, starts: np.ndarray, ends: np.ndarray, *, region: PlotRegion | None) -> Self:
        """Straight segments (K, 2) each, clipped to ``region`` (when given)."""
        if region is not None:
            starts, ends = clip_segments(starts, ends, *region_box(region))
        return self.draw(segments_to_bezier(starts, ends))


# Cairo's stroke width is counted in hundredths of a scene unit (Manim's ``cairo_line_width_multiple``).
STROKE_UNIT = 0.01


class PointCloud(Marks):
    """Discs of radius ``radius`` (scene units) at screen positions, rewritten in one vectorised call.

    Each disc is a stroke of (almost) no length with round caps, as wide as the disc: one cubic curve a point
    where a filled circle takes two, and Cairo strokes it faster than it fills (the path loop is Manim's cost
    per curve, in Python).
    """

    def __init__(self, *, color: str, radius: float = 0.035, opacity: float = 0.9, **kwargs):
        super().__init__(
            stroke_color=color,
            stroke_opacity=opacity,
            stroke_width=2 * radius / STROKE_UNIT,
            fill_opacity=0,
            cap_style=CapStyleType.ROUND,
            **kwargs,
        )
        self.radius = radius

    def set_positions(self, screen: np.ndarray, *, region: PlotRegion | None = None) -> PointCloud:
        """Put the discs at ``screen`` (N, 2); with ``region``, points outside it are not drawn."""
        if region is not None:
            screen = screen[region.contains(screen, margin=self.radius)]
        self.set_stroke(width=2 * self.radius / STROKE_UNIT)  # a radius changed since (markers that grow)
        # A sliver of length, so that each dot is an open path Cairo caps at both ends (a closed one gets none).
        ends = screen + np.array([1e-5 * self.radius, 0.0])
        return self.draw(segments_to_bezier(screen, ends), shapes=len(screen))


class WarpedGrid(Marks):
    """Grid lines given as screen polylines (R, S, 2), clipped to the plot region every frame."""

    def __init__(self, *, color: str, opacity: float = 0.5, stroke_width: float = 1.2, **kwargs):
        super().__init__(
            stroke_color=color, stroke_opacity=opacity, stroke_width=stroke_width, fill_opacity=0, **kwargs
        )

    def set_lines(self, lines: np.ndarray, *, region: PlotRegion) -> WarpedGrid:
        starts = lines[:, :-1].reshape(-1, 2)  # (R (S-1), 2)
        ends = lines[:, 1:].reshape(-1, 2)
        return self.draw_segments(starts, ends, region=region)


class PolylineSet(Marks):
    """Packed polylines (vertices (P, 2) in scene units, offsets (K+1,)) as one path, clipped to a region.

    The decision boundary in every layer: the same vertices move with the layer map, so the curve of the
    input straightens into the head's line at the last layer.
    """

    def __init__(self, *, color: str, stroke_width: float = 3.0, opacity: float = 0.95, **kwargs):
        super().__init__(
            stroke_color=color, stroke_width=stroke_width, stroke_opacity=opacity, fill_opacity=0, **kwargs
        )

    def set_polylines(self, vertices: np.ndarray, offsets: np.ndarray, *, region: PlotRegion) -> PolylineSet:
        inside_polyline = np.ones(max(len(vertices) - 1, 0), bool)  # segment k joins vertex k and k+1
        inside_polyline[offsets[1:-1] - 1] = False  # no segment between one polyline's end and the next start
        return self.draw_segments(vertices[:-1][inside_polyline], vertices[1:][inside_polyline], region=region)


class DirectionField(Marks):
    """Segments of one length (scene units) centred on sites, along given directions; one path."""

    def __init__(self, *, color: str, stroke_width: float = 2.5, **kwargs):
        super().__init__(stroke_color=color, stroke_width=stroke_width, fill_opacity=0, **kwargs)

    def set_directions(
        self, centres: np.ndarray, directions: np.ndarray, *, half_length: float, region: PlotRegion
    ) -> DirectionField:
        """Draw segments through ``centres`` (M, 2) along ``directions`` (M, 2, any length; zero rows are
        skipped), ``half_length`` either side, clipped to ``region``."""
        norm = np.linalg.norm(directions, axis=1, keepdims=True)  # (M, 1)
        keep = norm[:, 0] > 1e-300
        unit = directions[keep] / norm[keep]
        return self.draw_segments(centres[keep] - half_length * unit, centres[keep] + half_length * unit, region=region)


# Outlines of the unit shapes as polygon corners, for shapes cut by the region's border (``clipped_outlines``):
# the affine image of a regular 48-gon deviates from its ellipse by 0.3 % of the area, well under a pixel at
# glyph sizes; a square needs only its corners.
_SAMPLES = np.linspace(0.0, 2 * np.pi, 48, endpoint=False)
OUTLINES = {
    "circle": np.column_stack([np.cos(_SAMPLES), np.sin(_SAMPLES)]),  # (48, 2)
    "square": np.array([[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0]]),  # (4, 2)
}
# The norm whose unit ball is the shape: a point v lies in the shape A (unit ball) + c iff norm(A^-1 (v - c)) <= 1.
_SHAPE_NORMS = {"circle": lambda v: np.linalg.norm(v, axis=-1), "square": lambda v: np.abs(v).max(axis=-1)}


def _ellipse_crossings(centres: np.ndarray, maps: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Where the ellipses ``c + A (cos p, sin p)`` cross the box's four lines: (G, 8, 2) offsets from the centres.

    On the line ``x_i = b``: ``|A_i| cos(p - p_i) = b - c_i`` with ``A_i`` row ``i`` of ``A`` at angle ``p_i``;
    lines the ellipse does not reach give its extreme point towards them instead (also on its border).
    """
    offsets = []
    for axis in (0, 1):
        row = maps[:, axis]  # (G, 2)
        reach = np.linalg.norm(row, axis=1)  # (G,)
        phase = np.arctan2(row[:, 1], row[:, 0])
        for bound in (low[axis], high[axis]):
            with np.errstate(divide="ignore", invalid="ignore"):
                cosine = np.where(reach > 0, (bound - centres[:, axis]) / reach, 2.0)
            turn = np.arccos(np.clip(cosine, -1.0, 1.0)) * (np.abs(cosine) <= 1)  # 0 where it does not reach
            for angle in (phase + turn, phase - turn):
                offsets.append(np.einsum("gij,gj->gi", maps, np.column_stack([np.cos(angle), np.sin(angle)])))
    return np.stack(offsets, axis=1)


def _parallelogram_crossings(outline: np.ndarray, low: np.ndarray, high: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Where the sides of parallelograms (corner offsets (G, 4, 2)) cross the box's four lines: (G, 16, 2)
    offsets; a side that does not cross a line gives its first corner instead (on the border too)."""
    start, end = outline, np.roll(outline, -1, axis=1)  # (G, 4, 2) each
    offsets = []
    for axis in (0, 1):
        for bound in (low[axis], high[axis]):
            target = (bound - centres[:, axis])[:, None]  # (G, 1)
            with np.errstate(divide="ignore", invalid="ignore"):
                t = (target - start[..., axis]) / (end[..., axis] - start[..., axis])  # (G, 4)
            t = np.where((t >= 0) & (t <= 1), t, 0.0)
            offsets.append(start + t[..., None] * (end - start))
    return np.concatenate(offsets, axis=1)


def clipped_outlines(
    centres: np.ndarray, maps: np.ndarray, *, shape: str, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """The shapes ``centre + A unit`` cut to the box ``[low, high]``, as closed polygons: (G, 2), (G, 2, 2) ->
    (G, V + 1, 2), first vertex repeated last (V = 60 for circles, 24 for squares).

    Both the shape and the box are convex and hold the centre (which must lie inside the box), so their
    intersection is star-shaped about it: its border point in any direction is the nearer of the shape's and
    the box's. The polygon takes points of the shape's border (its outline corners and where it crosses the box's
    lines) and the box's corners, each pulled in to that nearer point, in order of angle about the centre: every
    vertex lies on the cut shape's border, and every corner of it (where the shape meets the box, box corners
    inside the shape) is a vertex.
    """
    outline = np.einsum("gij,kj->gki", maps, OUTLINES[shape])  # (G, K, 2) from the centre
    crossings = (
        _ellipse_crossings(centres, maps, low, high)
        if shape == "circle"
        else _parallelogram_crossings(outline, low, high, centres)
    )
    corners = np.array([[low[0], low[1]], [high[0], low[1]], [high[0], high[1]], [low[0], high[1]]])
    to_corner = corners[None] - centres[:, None]  # (G, 4, 2)
    # det(A) A^-1 = adj(A): a corner d lies in the shape iff norm(adj(A) d) <= |det A| (no inverse of a flat A).
    adjugate = np.stack(
        [np.stack([maps[:, 1, 1], -maps[:, 0, 1]], -1), np.stack([-maps[:, 1, 0], maps[:, 0, 0]], -1)], 1
    )  # (G, 2, 2)
    det = np.abs(np.linalg.det(maps))[:, None]  # (G, 1)
    norm = _SHAPE_NORMS[shape](np.einsum("gij,gcj->gci", adjugate, to_corner))  # (G, 4)
    with np.errstate(divide="ignore", invalid="ignore"):
        towards = np.where(norm > det, det / norm, 1.0)  # (G, 4): the shape's border towards the corner, or the corner
        directions = np.concatenate([outline, crossings, to_corner], axis=1)  # (G, V, 2)
        offsets = np.concatenate([outline, crossings, towards[..., None] * to_corner], axis=1)
        reach = np.where(
            offsets > 0,
            (high - centres)[:, None] / offsets,
            np.where(offsets < 0, (low - centres)[:, None] / offsets, np.inf),
        ).min(axis=-1)  # (G, V)
    offsets = offsets * np.minimum(reach, 1.0)[..., None]  # pulled in to the box
    order = np.argsort(np.arctan2(directions[..., 1], directions[..., 0]), axis=1)  # (G, V)
    polygon = centres[:, None] + np.take_along_axis(offsets, order[..., None], axis=1)  # (G, V, 2)
    return np.concatenate([polygon, polygon[:, :1]], axis=1)


def closed_shapes(
    centres: np.ndarray, maps: np.ndarray, *, shape: str = "circle", region: PlotRegion | None = None
) -> np.ndarray:
    """Bezier points of the shapes ``centre + A unit`` (unit circle or square): (M, 2), (M, 2, 2) -> (P, 3).

    Every shape whose centre lies in ``region`` is drawn as exactly one closed sub-path: whole (four cubic curves)
    when it fits, else cut at the region's border (``clipped_outlines``), so no glyph is ever dropped or drawn past
    the border. A shape whose centre lies outside ``region`` is left out: views frame the glyph sites so that this
    does not happen while glyphs show.
    """
    shapes = centres[:, None, :] + np.einsum("mij,kj->mki", maps, SHAPES[shape])  # (M, 16, 2)
    if region is None or not len(centres):
        return with_z(shapes)
    low, high = region_box(region)
    hull_low, hull_high = shapes.min(axis=1), shapes.max(axis=1)  # (M, 2): the control hull holds the curve
    whole = (hull_low >= low).all(axis=1) & (hull_high <= high).all(axis=1)  # (M,)
    cut = ~whole & region.contains(centres)
    outlines = clipped_outlines(centres[cut], maps[cut], shape=shape, low=low, high=high)  # (C, V+1, 2)
    return np.concatenate(
        [with_z(shapes[whole]), segments_to_bezier(outlines[:, :-1].reshape(-1, 2), outlines[:, 1:].reshape(-1, 2))]
    )


DASHES = 12  # dashes around a dashed glyph
_DASH_STEPS = np.linspace(0.0, 1.0, 5)  # each dash is four straight pieces of its arc


def dashed_ellipses(centres: np.ndarray, maps: np.ndarray, duty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ellipses ``centre + A u`` as ``DASHES`` dashes each, every dash covering the fraction ``duty`` (G,) of its
    share of the outline (1 draws the whole outline): starts and ends of straight pieces, (P, 2) each."""
    start = 2 * np.pi * np.arange(DASHES) / DASHES  # (D,)
    angle = start[None, :, None] + (2 * np.pi / DASHES) * duty[:, None, None] * _DASH_STEPS  # (G, D, 5)
    unit = np.stack([np.cos(angle), np.sin(angle)], axis=-1)  # (G, D, 5, 2)
    points = centres[:, None, None] + np.einsum("gij,gdsj->gdsi", maps, unit)  # (G, D, 5, 2)
    return points[:, :, :-1].reshape(-1, 2), points[:, :, 1:].reshape(-1, 2)


class EllipseField(Marks):
    """Ellipses ``centre + A u`` over the unit circle ``u``; one array write per frame."""

    def __init__(self, *, color: str, stroke_width: float = 2.0, fill_opacity: float = 0.0, **kwargs):
        super().__init__(
            stroke_color=color, stroke_width=stroke_width, fill_color=color, fill_opacity=fill_opacity, **kwargs
        )

    def set_glyphs(
        self,
        centres: np.ndarray,
        maps: np.ndarray,
        *,
        region: PlotRegion | None = None,
        shape: str = "circle",
        duty: np.ndarray | None = None,
    ) -> EllipseField:
        """Draw glyphs with screen ``centres`` (M, 2) and screen maps (M, 2, 2), each one closed sub-path, cut at
        the border of ``region`` where they cross it (see ``closed_shapes``). Ellipses whose ``duty`` (M,) is
        below 1 are drawn dashed instead (``dashed_ellipses``), their dashes clipped to the region."""
        shapes = len(centres) if region is None else int(region.contains(centres).sum())
        dashed = np.zeros(len(centres), bool) if duty is None else np.asarray(duty) < 1.0  # (M,)
        points = closed_shapes(centres[~dashed], maps[~dashed], shape=shape, region=region)
        if dashed.any():
            starts, ends = dashed_ellipses(centres[dashed], maps[dashed], np.asarray(duty)[dashed])
            if region is not None:
                starts, ends = clip_segments(starts, ends, *region_box(region))
            points = np.concatenate([points, segments_to_bezier(starts, ends)])
        return self.draw(points, shapes=shapes)


class UnboundedMarks(Marks):
    """A double-headed arrow at each site where the metric is unbounded: a shaft of one length on screen along
    the direction in which the glyph has no end, an arrowhead at both ends; one closed sub-path per mark.

    Drawn instead of the glyph, which would be an infinitely long ellipse: a bounded mark that says "no end
    this way" (a collapsed layer maps a whole line through the site to one point).
    """

    def __init__(self, *, color: str, stroke_width: float = 2.6, **kwargs):
        super().__init__(stroke_color=color, stroke_width=stroke_width, fill_opacity=0, **kwargs)

    def set_marks(
        self, centres: np.ndarray, directions: np.ndarray, *, half_length: float, region: PlotRegion | None = None
    ) -> UnboundedMarks:
        """Arrows through ``centres`` (U, 2) along ``directions`` (U, 2, any length), ``half_length`` each way."""
        norm = np.linalg.norm(directions, axis=1, keepdims=True)  # (U, 1)
        along = np.where(norm > 0, directions / np.where(norm > 0, norm, 1.0), [1.0, 0.0])  # (U, 2)
        across = np.column_stack([-along[:, 1], along[:, 0]])
        head = 0.4 * half_length
        back, front = centres - half_length * along, centres + half_length * along  # (U, 2) each
        # One closed polyline per mark (like a glyph's): an arrowhead, the shaft, the other arrowhead, and back
        # along the shaft; retraced strokes draw nothing new.
        path = np.stack(
            [
                back + head * (along + across),
                back,
                back + head * (along - across),
                back,
                front,
                front - head * (along + across),
                front,
                front - head * (along - across),
                front,
                back,
                back + head * (along + across),
            ],
            axis=1,
        )  # (U, 11, 2)
        self.draw_segments(path[:, :-1].reshape(-1, 2), path[:, 1:].reshape(-1, 2), region=region)
        self.shapes_drawn = len(centres)
        return self


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

    def __init__(
        self,
        colours: Sequence[str],
        *,
        shape: str = "circle",
        stroke_width: float = 1.6,
        fill_opacity: float = 0.0,
        stroke_opacity: float = 1.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if shape not in SHAPES:
            raise ValueError(f"unknown glyph shape {shape!r}; choose one of: {', '.join(SHAPES)}")
        self.shape = shape
        self.fields = [
            EllipseField(
                color=colour, stroke_width=stroke_width, fill_opacity=fill_opacity, stroke_opacity=stroke_opacity
            )
            for colour in colours
        ]
        self.add(*self.fields)

    def set_glyphs(
        self,
        centres: np.ndarray,
        maps: np.ndarray,
        bins: np.ndarray,
        *,
        region: PlotRegion | None = None,
        duty: np.ndarray | None = None,
    ) -> GlyphPalette:
        """Draw shapes ``centre + A unit`` with screen ``centres`` (M, 2), screen maps (M, 2, 2) and colour
        ``bins`` (M,), each one closed sub-path, cut at the border of ``region`` where they cross it; ellipses
        with a ``duty`` (M,) below 1 dashed (see ``EllipseField.set_glyphs``)."""
        for field, members in zip(self.fields, route(np.asarray(bins), len(self.fields))):
            field.set_glyphs(
                centres[members],
                maps[members],
                region=region,
                shape=self.shape,
                duty=None if duty is None else np.asarray(duty)[members],
            )
        return self
