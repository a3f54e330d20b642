"""Overlays: what is drawn over or beside a view besides the marks of the Run: the head's half-planes, the
network diagram with the active layer lit, one worked glyph with its axes explained, the logit's level sets with
the directions it cannot see."""

from __future__ import annotations

import numpy as np
from manim import Mobject, Polygon, ValueTracker, VGroup, VMobject
from numpy.typing import ArrayLike

from ..level_sets import layered_level_sets
from ..metric import kernel_directions, logit_gradients
from .colour import Theme
from .framing import Framing, nice_step
from .marks import (
    DirectionField,
    EllipseField,
    PointCloud,
    PolylineSet,
    UnboundedMarks,
    clip_segments,
    ellipses_to_bezier,
    segments_to_bezier,
)
from .text import OutlineCache, PathText, label
from .views import LayerHeading, LayerView, sites_per_side, unbounded_sites

__all__ = [
    "LEVEL_OPACITY",
    "DecisionHalfPlanes",
    "LevelSets",
    "NetworkDiagram",
    "WorkedGlyph",
    "half_plane_polygons",
    "logit_levels",
    "merge_level_sets",
    "worked_site",
]


def half_plane_polygons(normal: np.ndarray, offset: float, low: np.ndarray, high: np.ndarray):
    """Split the box ``[low, high]`` by the line ``normal . p + offset = 0``: (negative side, positive side)
    corner lists, either possibly empty."""
    corners = np.array([[low[0], low[1]], [high[0], low[1]], [high[0], high[1]], [low[0], high[1]]])
    values = corners @ normal + offset  # (4,)
    sides: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
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
                self.add(
                    Polygon(
                        *[np.append(p, 0) for p in side],
                        stroke_width=0,
                        fill_color=colour,
                        fill_opacity=theme.half_plane_opacity,
                    )
                )
        direction = np.array([-normal[1], normal[0]])
        # The point of the line nearest the region's centre, so the segment spans the region wherever it is.
        anchor = r.centre - (float(normal @ r.centre) + offset) * normal / float(normal @ normal)
        span = float(np.linalg.norm(high - low))
        start, end = clip_segments(
            (anchor - span * direction / np.linalg.norm(direction))[None],
            (anchor + span * direction / np.linalg.norm(direction))[None],
            low,
            high,
        )
        self.line = VMobject(stroke_color=theme.boundary, stroke_width=3)
        if len(start):
            self.line.set_points(segments_to_bezier(start, end))
        self.add(self.line)


class NetworkDiagram(VGroup):
    """The network as a tiny diagram, 2-2-...-2-1 (input, ``L`` layers of two neurons, the head), its top-left
    corner at ``anchor``, with the layer a view's time is at (or moving into) lit: while data move from layer
    ``l`` to ``l+1`` the connections into ``l+1`` and its neurons; on a staged c0 path the stage playing (the
    linear map lights the connections, the shift the neurons' rims, the activation their fill). ``head``
    (0..1) lights the head and its connections.

    The unlit diagram is one static path (drawn once per animation); the lit parts are two small moving ones.
    """

    def __init__(
        self,
        view: LayerView,
        *,
        anchor: ArrayLike,
        width: float = 3.9,
        height: float = 0.42,
        node_radius: float = 0.058,
        font_size: float = 14,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.view, depth, theme = view, view.run.depth, view.theme
        self.heading, self.head = LayerHeading(), ValueTracker(0.0)
        left, top = np.asarray(anchor, float)[:2]
        xs = left + node_radius + np.linspace(0.0, width - 2 * node_radius, depth + 2)  # (L+2,) column centres
        middle = top - node_radius - height / 2
        pair = np.array([middle + height / 2, middle - height / 2])
        self.columns = [np.column_stack([np.full(2, x), pair]) for x in xs[:-1]] + [np.array([[xs[-1], middle]])]
        self.radius = node_radius
        all_nodes = np.concatenate(self.columns)  # (2L+3, 2)
        edges = np.concatenate([self.edges_into(column) for column in range(1, depth + 2)])  # (E, 2, 2)
        self.static = VMobject(stroke_color=theme.muted, stroke_width=1.2, stroke_opacity=0.8)
        self.static.set_points(
            np.concatenate(
                [
                    segments_to_bezier(edges[:, 0], edges[:, 1]),
                    ellipses_to_bezier(all_nodes, node_radius * _EYES(len(all_nodes))),
                ]
            )
        )
        self.lit_lines = VMobject(stroke_color=theme.text, stroke_width=2.6, fill_opacity=0)
        self.lit_nodes = VMobject(fill_color=theme.text, fill_opacity=1.0, stroke_width=0)
        words = [
            label("input", theme, font_size=font_size, color=theme.muted),
            label("head", theme, font_size=font_size, color=theme.muted),
        ]
        bottom = middle - height / 2 - node_radius - 0.06
        words[0].move_to((xs[0] - node_radius, bottom, 0), aligned_edge=(-1, 1, 0))
        words[1].move_to((xs[-1] + node_radius, bottom, 0), aligned_edge=(1, 1, 0))
        self.words = VGroup(*words)
        self.add(self.static, self.words, self.lit_lines, self.lit_nodes)
        self.follow_time(self)
        self.add_updater(self.follow_time)

    def edges_into(self, column: int) -> np.ndarray:
        """The connections from column ``column - 1`` into ``column``, from rim to rim: (E, 2, 2)."""
        starts, ends = self.columns[column - 1], self.columns[column]
        pairs = np.array([[a, b] for a in starts for b in ends])  # (E, 2, 2)
        direction = pairs[:, 1] - pairs[:, 0]
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        return np.stack([pairs[:, 0] + self.radius * direction, pairs[:, 1] - self.radius * direction], axis=1)

    def lit(self, t: float) -> tuple[list[int], list[int], list[int]]:
        """Which columns have lit connections (into them), lit rims and lit neurons at time ``t``."""
        start, end = self.heading.read(t)
        if start == end:
            return [], [], [end]
        into = max(start, end)  # the connections between the two layers, whichever way the sweep goes
        stage = self.view.stage_at(t)
        if stage is None:
            return [into], [end], []
        if stage == self.view.run.activation:
            return [], [end], [end]
        return ([into], [], []) if stage == "W x" else ([into], [end], [])

    def follow_time(self, mobject: Mobject) -> None:
        edges, rims, nodes = self.lit(self.view.time.get_value())
        head = len(self.columns) - 1
        if self.head.get_value() > 0.5:
            edges, nodes = [*edges, head], [*nodes, head]
        lines = [segments_to_bezier(*np.moveaxis(self.edges_into(c), 1, 0)) for c in edges]
        centres = [self.columns[c] for c in rims]
        if centres:
            ring = np.concatenate(centres)
            lines.append(ellipses_to_bezier(ring, self.radius * _EYES(len(ring))))
        self.lit_lines.set_points(np.concatenate(lines) if lines else np.zeros((0, 3)))
        filled = np.concatenate([self.columns[c] for c in nodes]) if nodes else np.zeros((0, 2))
        self.lit_nodes.set_points(ellipses_to_bezier(filled, 0.78 * self.radius * _EYES(len(filled))))


def room_along(start: np.ndarray, direction: np.ndarray, region) -> float:
    """How far from ``start`` (2,) inside ``region`` one can go along the unit ``direction`` (2,)."""
    low, high = np.array([region.left, region.bottom]), np.array([region.right, region.top])
    with np.errstate(divide="ignore"):
        steps = np.where(
            direction > 0, (high - start) / direction, np.where(direction < 0, (low - start) / direction, np.inf)
        )
    return float(steps.min())


def _EYES(count: int) -> np.ndarray:
    """``count`` identity maps (count, 2, 2): unit circles, scaled by the caller."""
    return np.tile(np.eye(2), (count, 1, 1))


DOT_RADIUS = 0.055  # the worked glyph's site


class WorkedGlyph(VGroup):
    """One glyph followed through the layers with its site (a dot), ``magnify`` times the field's size, and
    arrows on its axes saying what they mean: the long axis, "squeezed" (moving far this way changes the last
    layer little), the short one, "stretched".

    ``grow`` (0..1) draws the glyph from nothing; ``arrows`` (0..1) grows the arrows out of the site and fades
    their words in. The words sit on a plate of the background colour, so that they read over the data; an
    arrow stops short of the plot's border, leaving its words room (a needle of a glyph is cut at the border).
    """

    def __init__(
        self, view: LayerView, site: int, *, magnify: float, font_size: float = 18, stroke_width: float = 3.6, **kwargs
    ):
        super().__init__(**kwargs)
        theme = view.theme
        self.view, self.site, self.magnify = view, site, magnify
        self.grow, self.arrows = ValueTracker(0.0), ValueTracker(0.0)
        self.outline = EllipseField(color=theme.glyph, stroke_width=stroke_width)
        self.dot = PointCloud(color=theme.text, radius=DOT_RADIUS, opacity=1.0)
        self.axes = VMobject(stroke_color=theme.text, stroke_width=3.0, fill_opacity=0)
        self.plates = VMobject(fill_color=theme.background, fill_opacity=0.85, stroke_width=0)
        self.words = PathText(OutlineCache(theme, font_size=font_size), color=theme.text)
        self.add(self.plates, self.outline, self.axes, self.dot, self.words)
        # The words' opacity is written only when ``arrows`` moves it: Manim runs this updater on the faded copy a
        # FadeOut (or FadeIn) interpolates towards, and rewriting it every frame would undo the fade.
        self.shown: float | None = None
        self.follow_view(self)
        self.add_updater(self.follow_view)

    @classmethod
    def chosen_for(cls, view: LayerView) -> WorkedGlyph:
        """The worked glyph of ``view`` at the site ``worked_site`` picks."""
        site, magnify = worked_site(view, unbounded_sites(view.run))
        return cls(view, site, magnify=magnify)

    def follow_view(self, mobject: Mobject) -> None:
        view = self.view
        t, framing = view.time.get_value(), view.current_framing  # the view is updated first
        centre = framing.to_screen(view.motion.sites(t)[self.site])  # (2,)
        grown = self.grow.get_value()
        glyph = framing.zoom * self.magnify * grown * view.motion.glyph_maps(t)[self.site]  # (2, 2)
        self.outline.set_glyphs(centre[None], glyph[None], region=view.region if grown > 0 else None)
        if grown <= 0:
            self.outline.set_points(np.zeros((0, 3)))
        self.dot.radius = DOT_RADIUS * min(1.0, 3 * grown)
        self.dot.set_positions(centre[None] if grown > 0 else np.zeros((0, 2)), region=view.region)
        reach = self.arrows.get_value()
        if reach <= 0:
            for part in (self.axes, self.plates, self.words):
                part.set_points(np.zeros((0, 3)))
            return
        u, sigma, _ = np.linalg.svd(glyph)  # columns of u: the long and the short axis
        room = np.array([room_along(centre, u[:, axis], view.region) for axis in (0, 1)]) - 0.7  # for the words
        tips = centre + reach * (u * np.clip(sigma, 0.0, np.maximum(room, 0.2))).T  # (2, 2): long, short tip
        shafts = [np.stack([centre, tip]) for tip in tips]
        heads = []
        for tip, direction in zip(tips, u.T):
            across = np.array([-direction[1], direction[0]])
            size = min(0.13, 0.5 * float(np.linalg.norm(tip - centre)))
            heads += [
                np.stack([tip - size * (direction - 0.6 * across), tip]),
                np.stack([tip - size * (direction + 0.6 * across), tip]),
            ]
        segments = np.stack(shafts + heads)  # (6, 2, 2)
        self.axes.set_points(segments_to_bezier(segments[:, 0], segments[:, 1]))
        words, middles, halves = ["squeezed", "stretched"], [], []
        region = view.region
        for word, tip, direction in zip(["squeezed", "stretched"], tips, u.T):
            outward = direction if (tip - centre) @ direction >= 0 else -direction
            align = -outward / np.abs(outward).max()  # the box's side facing the glyph sits by the tip
            half = self.words.cache.size(word) / 2 + 0.06
            middle = tip + 0.16 * outward - align * (half - 0.06)
            # A needle of a glyph may point at the border: its word is kept wholly inside the plot.
            low, high = np.array([region.left, region.bottom]) + half, np.array([region.right, region.top]) - half
            middles.append(np.clip(middle, low, np.maximum(low, high)))
            halves.append(half)
        self.words.place(words, np.array(middles))
        shown = min(1.0, 2 * reach)
        if shown != self.shown:  # only as the arrows grow: see ``shown`` in __init__
            self.words.set_fill(opacity=shown)
            self.plates.set_fill(opacity=0.85 * shown)
            self.shown = shown
        corners = np.stack(
            [middle + np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half for middle, half in zip(middles, halves)]
        )  # (2, 4, 2)
        self.plates.set_points(segments_to_bezier(corners.reshape(-1, 2), np.roll(corners, -1, axis=1).reshape(-1, 2)))


def worked_site(
    view: LayerView, unbounded: np.ndarray, *, last_radius: float = 0.45, input_axis: float = 1.1
) -> tuple[int, float]:
    """The site for a ``WorkedGlyph`` of ``view`` and its magnification: (site, magnify).

    The magnification makes the last layer's circle ``last_radius`` on screen (every site's circle has the same
    radius there); among sites never unbounded (``unbounded`` (L+1, M) per-layer flags) and well inside the data
    at the input, the one whose input ellipse is clearly long (axes about 3 : 1, the long semi-axis near
    ``input_axis``) with a short axis long enough for its arrow (both framed on the data alone, as before the
    field shows). A network that flattens every direction but one gives needles: then the least flat.
    """
    run, motion, region = view.run, view.motion, view.region
    first, last = Framing.fit(run.x[0], region), Framing.fit(run.x[-1], region)
    magnify = last_radius / (motion.scale * last.zoom)
    axes = np.linalg.svd(magnify * first.zoom * motion.glyph_maps(0.0), compute_uv=False)  # (M, 2) on screen
    aspect = axes[:, 0] / np.maximum(axes[:, 1], 1e-300)
    low, high = run.x[0].min(axis=0), run.x[0].max(axis=0)
    inside = ((run.sites[0] > low + 0.2 * (high - low)) & (run.sites[0] < high - 0.2 * (high - low))).all(axis=1)
    score = (
        np.abs(np.log(aspect / 3.0))
        + np.abs(np.log(np.maximum(axes[:, 0], 1e-300) / input_axis))
        + 4.0 * (axes[:, 1] < 0.15)
    )  # (M,): a short axis under 0.15 leaves no room for its arrow
    usable = ~unbounded.any(axis=0) & inside & np.isfinite(score)
    site = int(np.argmin(np.where(usable, score, np.inf))) if usable.any() else int(np.argmin(aspect))
    return site, float(magnify)


# -- the logit's level sets and the directions it cannot see ---------------------------------------------------
# The level sets' opacity per theme, in the boundary's colour: grey lines at least 3:1 (WCAG's contrast for graphics)
# from the background and from the decision boundary alike (tested), so they read on a washed-out projector and never
# pass for the boundary. On dark, the boundary's white at 0.55 (3:1 from the white) came too close to it.
LEVEL_OPACITY = {"dark": 0.42, "light": 0.55}


def logit_levels(run, *, count: int = 5) -> list[float]:
    """About ``count`` level values either side of 0 (0 itself, the decision boundary, left out), a 1-2-5 step
    apart, within the logits of 90 % of the data."""
    logits = np.abs(run.logits(run.x[-1]))  # (N,)
    reach = float(np.quantile(logits, 0.9)) or 1.0
    step = nice_step(reach, target=count)
    k = np.arange(1, int(reach // step) + 1)
    return sorted([*(-step * k), *(step * k)])


def merge_level_sets(traced, *, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """All levels' polylines (``level_sets.layered_level_sets``) as one packed set: vertices (L+1, P, 2) and
    offsets (K+1,)."""
    if not traced:
        return np.zeros((depth + 1, 0, 2)), np.zeros(1, np.int64)
    starts = np.cumsum([0] + [vertices.shape[1] for _, vertices, _ in traced])  # where each level begins
    offsets = np.concatenate([offsets[:-1] + start for (_, _, offsets), start in zip(traced, starts)] + [starts[-1:]])
    return np.concatenate([vertices for _, vertices, _ in traced], axis=1), offsets.astype(np.int64)


class LevelSets(VGroup):
    """The level sets ``logit = k`` of a view's Run (``levels``, traced in the input and carried by the view's
    map), and at every glyph site a stroke along them: the direction in which the logit does not change, the
    kernel of the rank-one metric the logit alone pulls back (``g = n n^T``, ``n`` its gradient). The strokes are
    pushed by the view's exact Jacobian ``J(t)``, as tangent vectors are, so they stay along the level sets in
    every layer. Where the input metric has lost a direction (a layer collapses the plane: ``run.unbounded[0]``),
    a bounded double arrow along its kernel, as the views mark unbounded glyphs. ``squeeze_order``: how many
    powers of ten flatter the whole network makes a small disc one way than the other at a typical site (the
    median of ``log10`` of ``J_L``'s singular values' ratio), for a scene to say that nearly collapsed is not
    collapsed.

    Trackers (0..1): ``reveal`` fades the level sets in, ``grow`` draws the strokes from nothing to ``stroke``
    site spacings long on screen (whatever the zoom), ``collapse`` the arrows. Strokes and arrows are cut at the
    plot's border, never dropped, while the view frames every site (``fit_sites``). The arrows are meant for the
    input and the layers before the collapse: past it their direction is squashed to nothing. Add it to the scene
    after the view, whose framing it reads.

    The level sets are grey lines (the boundary's colour at ``line_opacity``, by default ``LEVEL_OPACITY`` of the
    theme) drawn inside the view, just above its grid: the data and the decision boundary are drawn over them, and
    a band of the background colour ``casing`` wide on each side (``lines_casing``) parts them from the grid.
    """

    def __init__(
        self,
        view: LayerView,
        levels: list[float],
        *,
        stroke: float = 0.3,
        line_width: float = 2.2,
        line_opacity: float | None = None,
        casing: float = 1.5,
        stroke_width: float = 2.2,
        **kwargs,
    ):
        super().__init__(**kwargs)
        run, theme = view.run, view.theme
        self.view, self.levels = view, list(levels)
        self.line_opacity = LEVEL_OPACITY[theme.name] if line_opacity is None else line_opacity
        self.vertices, self.offsets = merge_level_sets(layered_level_sets(run, self.levels), depth=run.depth)
        gradient = logit_gradients(run.jacobian, run.head_weight)[0]  # (M, 2) at the input: J_L^T w
        self.along = np.column_stack([-gradient[:, 1], gradient[:, 0]])  # (M, 2): the kernel of n n^T
        self.collapsed = unbounded_sites(run)[0]  # (M,)
        self.lost = kernel_directions(run.metric[0][self.collapsed])[0]  # (C, 2): the kernel of g_0
        sigma = np.linalg.svd(run.jacobian[-1], compute_uv=False)  # (M, 2), descending
        self.squeeze_order = round(float(np.median(np.log10(sigma[:, 0] / np.maximum(sigma[:, 1], 1e-300)))))
        self.half_length = stroke * float(view.region.size.min()) / sites_per_side(run) / 2
        self.reveal, self.grow, self.collapse = ValueTracker(0.0), ValueTracker(0.0), ValueTracker(0.0)
        self.lines = PolylineSet(color=theme.boundary, stroke_width=line_width, opacity=0.0)
        self.lines_casing = PolylineSet(color=theme.background, stroke_width=line_width + 2 * casing, opacity=0.0)
        # Under the data and the boundary: into the view, right above its grid (at the back if it draws none).
        under = view.submobjects.index(view.grid) + 1 if view.grid in view.submobjects else 0
        view.submobjects[under:under] = [self.lines_casing, self.lines]
        self.strokes = DirectionField(color=theme.glyph, stroke_width=stroke_width)
        self.collapses = UnboundedMarks(color=theme.unbounded, stroke_width=view.style.unbounded_stroke)
        self.add(self.strokes, self.collapses)
        self.follow_view(self)
        self.add_updater(self.follow_view)

    def follow_view(self, mobject: Mobject) -> None:
        view = self.view
        t, framing = view.time.get_value(), view.current_framing  # the view is updated first
        reveal = self.reveal.get_value()
        self.lines.set_stroke(opacity=self.line_opacity * reveal)
        self.lines.set_polylines(framing.to_screen(view.motion.at(self.vertices, t)), self.offsets, region=view.region)
        self.lines_casing.set_stroke(opacity=reveal)
        self.lines_casing.set_points(self.lines.points)
        jacobian = view.motion.jacobian(t)  # (M, 2, 2): tangent vectors ride on the map that moves the points
        centres = framing.to_screen(view.motion.sites(t))  # (M, 2)
        grow, collapse = self.grow.get_value(), self.collapse.get_value()
        drawn = slice(None) if grow > 0 else slice(0)  # nothing at all before the strokes grow
        along = np.einsum("mij,mj->mi", jacobian[drawn], self.along[drawn])  # (M, 2)
        norm = np.linalg.norm(along, axis=1, keepdims=True)  # (M, 1)
        # A direction squashed to nothing (a flat score, or a layer that collapses it) is a stroke of no length:
        # still one per site, so that none blinks out and back.
        reach = grow * self.half_length * np.divide(along, norm, out=np.zeros_like(along), where=norm > 0)
        self.strokes.draw_segments(centres[drawn] - reach, centres[drawn] + reach, region=view.region)
        shown = slice(None) if collapse > 0 else slice(0)
        lost = np.einsum("mij,mj->mi", jacobian[self.collapsed][shown], self.lost[shown])  # (C, 2)
        self.collapses.set_marks(
            centres[self.collapsed][shown], lost, half_length=collapse * view.mark_half_length, region=view.region
        )
