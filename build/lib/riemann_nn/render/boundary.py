"""The head's decision boundary in the last layer: a straight line and the two half-planes it bounds."""

from __future__ import annotations

import numpy as np
from manim import Polygon, VGroup, VMobject

from .framing import Framing
from .paths import clip_segments, segments_to_bezier
from .theme import Theme


def half_plane_polygons(normal: np.ndarray, offset: float, low: np.ndarray, high: np.ndarray):
    """Split the box ``[low, high]`` by the line ``normal . p + offset = 0``: (negative side, positive side)
    corner lists, either possibly empty."""
    corners = np.array([[low[0], low[1]], [high[0], low[1]], [high[0], high[1]], [low[0], high[1]]])
    values = corners @ normal + offset  # (4,)
    sides = ([], [])
    for i in range(4):
        p, q, vp, vq = corners[i], corners[(i + 1) % 4], values[i], values[(i + 1) % 4]
        sides[int(vp > 0)].append(p)
        if (vp > 0) != (vq > 0):
            crossing = p + (vp / (vp - vq)) * (q - p)
            sides[0].append(crossing)
            sides[1].append(crossing)
    return [np.array(side) for side in sides]


class DecisionHalfPlanes(VGroup):
    """Shaded half-planes ``logit < 0`` / ``logit > 0`` (class colours) and the line ``logit = 0``."""

    def __init__(self, head_weight: np.ndarray, head_bias: float, framing: Framing, theme: Theme, **kwargs):
        super().__init__(**kwargs)
        r = framing.region
        low, high = np.array([r.left, r.bottom]), np.array([r.right, r.top])
        # The line in scene coordinates: w . ((p - region centre) / zoom + centre) + c = 0.
        normal = np.asarray(head_weight, float) / framing.zoom
        offset = float(head_weight @ framing.centre + head_bias) - float(normal @ r.centre)
        for side, colour in zip(half_plane_polygons(normal, offset, low, high), theme.classes):
            if len(side) >= 3:
                self.add(Polygon(*[np.append(p, 0) for p in side], stroke_width=0,
                                 fill_color=colour, fill_opacity=theme.half_plane_opacity))
        direction = np.array([-normal[1], normal[0]])
        # The point of the line nearest the region's centre, so the segment spans the region wherever it is.
        anchor = r.centre - (float(normal @ r.centre) + offset) * normal / float(normal @ normal)
        span = float(np.linalg.norm(high - low))
        start, end = clip_segments((anchor - span * direction / np.linalg.norm(direction))[None],
                                   (anchor + span * direction / np.linalg.norm(direction))[None], low, high)
        self.line = VMobject(stroke_color=theme.boundary, stroke_width=3)
        if len(start):
            self.line.set_points(segments_to_bezier(start, end))
        self.add(self.line)


class PolylineSet(VMobject):
    """Packed polylines (vertices (P, 2) in scene units, offsets (K+1,)) as one path, clipped to a region.

    The decision boundary in every layer: the same vertices move with the layer map, so the curve of the
    input straightens into the head's line at the last layer.
    """

    def __init__(self, *, color: str, stroke_width: float = 3.0, opacity: float = 0.95, **kwargs):
        super().__init__(stroke_color=color, stroke_width=stroke_width, stroke_opacity=opacity, fill_opacity=0,
                         **kwargs)

    def set_polylines(self, vertices: np.ndarray, offsets: np.ndarray, *, region) -> "PolylineSet":
        inside_polyline = np.ones(max(len(vertices) - 1, 0), bool)  # segment k joins vertex k and k+1
        inside_polyline[offsets[1:-1] - 1] = False  # no segment between one polyline's end and the next start
        starts, ends = vertices[:-1][inside_polyline], vertices[1:][inside_polyline]
        low, high = np.array([region.left, region.bottom]), np.array([region.right, region.top])
        starts, ends = clip_segments(starts, ends, low, high)
        self.set_points(segments_to_bezier(starts, ends) if len(starts) else np.zeros((0, 3)))
        return self
