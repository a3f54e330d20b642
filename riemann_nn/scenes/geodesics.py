"""Geodesics of the input metric g_0 = J_L^T J_L: straight lines of the last layer, pulled back to the input.

    manim -pql scenes/geodesics.py

Two points of each class, far apart along their arm of the data. In the last layer the shortest path between
them is the straight line (solid) while the straight input segment maps to a detour (dashed); pulled back
layer by layer, the shortest path bends in the input and the segment straightens. The panel gives the
Riemannian lengths. Environment: as for scenes/transform.py (RIEMANN_NN_PRESET, RIEMANN_NN_RUN,
RIEMANN_NN_PATH, RIEMANN_NN_THEME); the default preset is seed-spirals.
"""

import numpy as np
from manim import DOWN, LEFT, UP, FadeIn, Scene, ValueTracker, VGroup, VMobject
from scipy.sparse.csgraph import minimum_spanning_tree, shortest_path as tree_distances
from scipy.spatial.distance import cdist

from riemann_nn.network import propagate
from riemann_nn.errors import ConfigError
from riemann_nn.geodesic import Geodesic, shortest_path
from riemann_nn.render import (
    LayerCounter, LayerView, PointCloud, current_theme, formula, run_title, scene_path_method, scene_run,
)
from riemann_nn.render.marks import clip_segments, segments_to_bezier
from riemann_nn.render.story import PANEL_LEFT, PanelCaptions
from riemann_nn.render.text import label

# Where along its arm each endpoint sits (0 and 1: the arm's two ends), tried in turn until the last layer's
# chord lifts back to the input (a folded map can block it; then the energy minimiser's path is shown).
ARM_FRACTIONS = ((0.1, 0.9), (0.2, 0.8), (0.3, 0.7))
RING_RADIUS, DISC_RADIUS = 0.105, 0.075  # endpoint markers, scene units


class Geodesics(PanelCaptions, Scene):
    """Shortest paths under the pulled-back metric, from the last layer back to the input."""

    default_preset = "seed-spirals"
    needs_network = True  # shortest paths map new points through the net: a custom network's Run cannot
    seconds_back = 11.0  # the pull-back, spread over all layers
    geodesic_points = 200  # the lift's points: enough for a smooth curve where the net compresses strongly
    segment_samples = 400  # samples of the straight input segment, stretched a lot on its way to the last layer
    caption_anchor = (PANEL_LEFT, 0.95)

    def panel_mobjects(self) -> list:
        """The caption and the panel's tables, once shown, stay behind the moving mobjects."""
        return [*super().panel_mobjects(), *self.panel]

    def construct(self):
        theme = current_theme()
        self.camera.background_color = theme.background
        run = scene_run(self.default_preset)
        try:
            run.network_parameters("the geodesics scene")
        except ConfigError as error:  # a custom network's Run: one line, as scene_run's errors
            raise SystemExit(f"riemann-nn: {error}") from None
        view = LayerView(run, theme=theme, method=scene_path_method(run), show_boundary=False)
        depth = run.depth
        step_back = min(max(self.seconds_back / depth, 0.5), 2.0)
        view.time.set_value(depth)
        view.follow_layer(view)
        self.caption = None
        self.panel = []  # static panel mobjects, kept at the back once shown

        pairs = [arm_geodesic(run, label, points=self.geodesic_points) for label in (0, 1)]
        curves = GeodesicOverlay(view, pairs, theme=theme, segment_samples=self.segment_samples)
        lifted = all(path.method == "lift" for path in pairs)

        title = run_title(run, theme).move_to([PANEL_LEFT, 3.6, 0], aligned_edge=UP + LEFT)
        counter = LayerCounter(view, anchor=[PANEL_LEFT, 1.45], font_size=34)
        table = LengthTable(pairs, theme).move_to([PANEL_LEFT, -3.35, 0], aligned_edge=DOWN + LEFT)

        # Beat 1: the last layer, where distances are Euclidean. The panel goes in first: mobjects before the
        # first moving one are drawn once per animation, not once per frame. The overlay draws nothing yet.
        self.play(FadeIn(title, shift=0.2 * DOWN), FadeIn(view), FadeIn(counter),
                  *self.caption_to("The last layer: here\ndistance is Euclidean", theme, run_time=1.5), run_time=1.5)
        self.add(curves)
        self.wait(0.5)

        # Beat 2: two far-apart points of each class, and the straight line between them.
        self.panel += [table.header, table.geodesic_rows, table.segment_row]
        self.play(curves.marker_size.animate.set_value(1.0), FadeIn(table.header),
                  *self.caption_to("Two points of each class,\nfar apart along the data", theme, run_time=1.2),
                  run_time=1.2)
        straight_here = ("The shortest path: the\nstraight line" if lifted
                         else "The shortest path: as\nstraight as the image\nallows")
        self.play(curves.geodesic_drawn.animate.set_value(1.0), FadeIn(table.geodesic_rows),
                  *self.caption_to(straight_here, theme, run_time=2.0), run_time=2.0)
        self.wait(0.8)

        # Beat 3: the straight input segment between the same points, as the network bends it.
        self.play(curves.segment_drawn.animate.set_value(1.0), FadeIn(table.segment_row),
                  *self.caption_to("The straight input\nsegment, mapped here:\na detour", theme, run_time=2.0),
                  run_time=2.0)
        self.wait(1.5)

        # Beat 4: everything pulled back layer by layer, moved by one and the same map.
        for layer in reversed(range(depth)):
            captions = (self.caption_to("Pulled back layer by\nlayer: points, grid and\ncurves move together",
                                        theme, run_time=step_back) if layer == depth - 1 else [])
            self.play(view.time.animate.set_value(layer), *captions, run_time=step_back)

        # Beat 5: the input, where the shortest path under g_0 bends and the straight segment is longer.
        self.play(*self.caption_to("Input: the shortest path\nunder g\u2080 bends; the\nstraight line is longer",
                                   theme, run_time=1.2), run_time=1.2)
        length = formula(r"\ell(\gamma) = \int_0^1 \lVert J_L\, \dot\gamma \rVert \, dt",
                         "length(\u03b3) = \u222b |J_L \u03b3'(t)| dt", theme, font_size=26)
        length.move_to([PANEL_LEFT, -0.45, 0], aligned_edge=UP + LEFT)
        self.panel.append(length)
        self.play(FadeIn(length, shift=0.2 * UP), run_time=1.0)
        self.wait(3.0)


def arm_order(points: np.ndarray) -> np.ndarray:
    """Each point's position along its arm, 0 at one end and 1 at the other: (N, 2) -> (N,).

    Distances along the minimum spanning tree from one end of its longest path (found by two sweeps): for
    spirals, moons and circles the tree runs along the data, so these follow the arm, not the straight line.
    """
    tree = minimum_spanning_tree(cdist(points, points))  # (N, N) sparse
    first = tree_distances(tree, directed=False, indices=0)  # (N,)
    along = tree_distances(tree, directed=False, indices=int(np.argmax(first)))  # (N,)
    return along / max(float(along.max()), 1e-12)


def arm_geodesic(run, label: int, *, points: int) -> Geodesic:
    """The shortest path between two points of class ``label`` far apart along the data: the first pair in
    ``ARM_FRACTIONS`` whose chord lifts, else the energy minimiser between the first pair (on 64 points: on a
    folded map it is slow, and its length is measured along the segments anyway)."""
    data = run.x[0][run.y == label]  # (N, 2)
    order = arm_order(data)
    ends = [(data[np.argmin(np.abs(order - low))], data[np.argmin(np.abs(order - high))])
            for low, high in ARM_FRACTIONS]
    for a, b in ends:
        try:
            return shortest_path(run, a, b, points=points, method="lift")
        except ConfigError:  # the chord does not lift between these two: try the next pair
            continue
    return shortest_path(run, *ends[0], points=min(points, 64), method="energy")


class GeodesicOverlay(VGroup):
    """The geodesics (solid), the straight input segments (dashed) and their endpoints, in the coordinates of a
    ``LayerView``'s current layer: every curve is carried through the layers by the same interpolated map as
    the points (``LayerMotion.at``), so each frame is exact at every layer.

    ``geodesic_drawn`` and ``segment_drawn`` (0..1) are how much of each curve is drawn, from its start;
    ``marker_size`` (0..1) scales the endpoint markers.
    """

    def __init__(self, view: LayerView, pairs: list[Geodesic], *, theme, segment_samples: int = 400,
                 dash: int = 6, **kwargs):
        super().__init__(**kwargs)
        self.view = view
        run = view.run

        def through_layers(curves: np.ndarray) -> np.ndarray:  # (C, K, 2) -> (L+1, C, K, 2)
            return propagate(run.weight, run.bias, curves, scheme=run.scheme, activation=run.activation,
                                   dt=run.dt)

        s = np.linspace(0.0, 1.0, segment_samples)[:, None]  # (S, 1)
        segments = np.stack([p.points[0] + s * (p.points[-1] - p.points[0]) for p in pairs])  # (C, S, 2)
        # Paths come with as many points as their bends need: pad each with its end point to one length.
        longest = max(len(p.points) for p in pairs)
        padded = np.stack([np.concatenate([p.points, np.repeat(p.points[-1:], longest - len(p.points), axis=0)])
                           for p in pairs])  # (C, K, 2)
        self.geodesic_layers = through_layers(padded)  # (L+1, C, K, 2)
        self.segment_layers = through_layers(segments)  # (L+1, C, S, 2)
        self.end_layers = self.segment_layers[:, :, [0, -1]]  # (L+1, C, 2, 2)
        self.dash = dash
        self.geodesic_drawn, self.segment_drawn = ValueTracker(0.0), ValueTracker(0.0)
        self.marker_size = ValueTracker(0.0)
        self.segments = VMobject(stroke_color=theme.text, stroke_width=2.5, stroke_opacity=0.9, fill_opacity=0)
        self.geodesics = VMobject(stroke_color=theme.glyph, stroke_width=4.0, stroke_opacity=1.0, fill_opacity=0)
        # Endpoints: a disc of the class colour in a ring of the text colour, so they stand out of the data.
        self.rings = PointCloud(color=theme.text, radius=RING_RADIUS, opacity=1.0)
        self.discs = VGroup(*[PointCloud(color=colour, radius=DISC_RADIUS, opacity=1.0) for colour in theme.classes])
        self.add(self.segments, self.geodesics, self.rings, self.discs)
        self.follow_view(self)
        self.add_updater(self.follow_view)

    def follow_view(self, mobject: "GeodesicOverlay") -> None:
        """Redraw curves and endpoints at the view's layer time, in its framing (one vectorised write each)."""
        view = self.view
        t, framing, region = view.time.get_value(), view.current_framing, view.region
        geodesics = framing.to_screen(view.motion.at(self.geodesic_layers, t))  # (C, K, 2)
        segments = framing.to_screen(view.motion.at(self.segment_layers, t))  # (C, S, 2)
        ends = framing.to_screen(view.motion.at(self.end_layers, t))  # (C, 2, 2)
        self.geodesics.set_points(polyline_bezier(geodesics, self.geodesic_drawn.get_value(), region=region))
        self.segments.set_points(polyline_bezier(segments, self.segment_drawn.get_value(), region=region,
                                                 dash=self.dash))
        size = self.marker_size.get_value()
        self.rings.radius = RING_RADIUS * size
        self.rings.set_positions(ends.reshape(-1, 2) if size > 0 else np.zeros((0, 2)), region=region)
        for label, disc in enumerate(self.discs):
            disc.radius = DISC_RADIUS * size
            disc.set_positions(ends[label] if size > 0 else np.zeros((0, 2)), region=region)


def polyline_bezier(curves: np.ndarray, drawn: float, *, region=None, dash: int = 0) -> np.ndarray:
    """Bezier points of polylines (C, K, 2) in scene units, each drawn from its start to the fraction
    ``drawn`` of its segments, clipped to ``region`` (a ``PlotRegion``, or None); with ``dash`` > 0, ``dash``
    segments drawn then ``dash`` left out, in turn."""
    count = curves.shape[1] - 1  # segments per curve
    reach = float(np.clip(drawn, 0.0, 1.0)) * count
    starts, ends = curves[:, :-1].copy(), curves[:, 1:].copy()  # (C, K-1, 2)
    index = np.arange(count)  # (K-1,)
    keep = index < reach
    last = min(int(reach), count - 1)
    if reach < count:  # the segment being drawn ends part way
        ends[:, last] = starts[:, last] + (reach - last) * (ends[:, last] - starts[:, last])
    if dash:
        keep &= (index // dash) % 2 == 0
    starts, ends = starts[:, keep].reshape(-1, 2), ends[:, keep].reshape(-1, 2)
    if region is not None:
        low, high = np.array([region.left, region.bottom]), np.array([region.right, region.top])
        starts, ends = clip_segments(starts, ends, low, high)
    return segments_to_bezier(starts, ends) if len(starts) else np.zeros((0, 3))


class LengthTable(VGroup):
    """Riemannian lengths, one column per pair (keyed by a disc of its class colour), one row per curve with its
    line sample (so the table is the legend too): the geodesic, the output distance, the straight segment."""

    def __init__(self, pairs: list[Geodesic], theme, *, font_size: float = 17, **kwargs):
        super().__init__(**kwargs)
        columns = (2.65, 3.35)  # x of the number columns' left edges, from the table's left edge

        def text(content, x, y, *, colour=None, edge=LEFT):
            return label(content, theme, font_size=font_size, color=colour or theme.muted).move_to(
                [x, y, 0], aligned_edge=edge)

        def row(y, sample, name, values):
            cells = VGroup(text(name, 0.5, y), *[text(f"{v:.1f}", x, y, colour=theme.text)
                                                  for x, v in zip(columns, values)])
            if sample is not None:
                cells.add(sample.move_to([0.2, y, 0]))
            return cells

        self.header = VGroup(text("Riemannian length", 0.0, 0.0, edge=UP + LEFT))
        for x, colour in zip(columns, theme.classes):
            self.header.add(PointCloud(color=colour, radius=DISC_RADIUS, opacity=1.0).set_positions(
                np.array([[x + 0.22, -0.12]])))
        self.geodesic_rows = VGroup(
            row(-0.5, line_sample(theme.glyph, 4.0), "geodesic", [p.length for p in pairs]),
            row(-0.84, None, "output distance", [p.output_distance for p in pairs]),
        )
        self.segment_row = row(-1.18, line_sample(theme.text, 2.5, dash=2), "straight segment",
                               [p.straight_length for p in pairs])
        self.add(self.header, self.geodesic_rows, self.segment_row)


def line_sample(colour: str, width: float, *, dash: int = 0) -> VMobject:
    """A short horizontal stroke, solid or dashed like the curves."""
    xs = np.linspace(0.0, 0.4, 13)
    curve = np.column_stack([xs, np.zeros_like(xs)])[None]  # (1, 13, 2)
    line = VMobject(stroke_color=colour, stroke_width=width, fill_opacity=0)
    return line.set_points(polyline_bezier(curve, 1.0, dash=dash))
