"""Geodesics on screen: two far-apart data points of each class (a *pair*), the shortest path between them under
the input metric ``g_0 = J_L^T J_L`` and the straight input segment between them, carried through the layers with
a ``LayerView`` (``GeodesicOverlay``), and their lengths, one number per path (``LengthTable``).

Each pair has its own colour and letter (``pair_colours``, "A", "B"): the two colours differ in lightness and
stay apart under deuteranopia, protanopia and tritanopia, and the letters name the pairs for anyone who cannot
tell them apart at all. Shortest paths are drawn solid, straight segments dashed, the dashes of one length on
screen however much a layer stretches the segment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Mobject, ValueTracker, VGroup, VMobject
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.sparse.csgraph import shortest_path as tree_distances
from scipy.spatial.distance import cdist

from ..errors import ConfigError
from ..geodesic import Geodesic, shortest_path
from ..network import propagate
from ..run import Run
from .colour import Theme
from .marks import PointCloud, clip_segments, region_box, segments_to_bezier
from .text import OutlineCache, PathText, formula, label, line_label, symbol_defined
from .views import LayerView

__all__ = [
    "ARM_FRACTIONS",
    "PAIR_COLOURS",
    "PAIR_NAMES",
    "GeodesicOverlay",
    "GeodesicPair",
    "LengthTable",
    "arm_order",
    "far_pair",
    "format_length",
    "geodesic_pairs",
    "last_layer_caption",
    "length_formula",
    "length_notes",
    "pair_colours",
    "path_sample",
    "polyline_bezier",
    "ratio_caption",
    "with_network",
]

# Pair A, pair B per theme: on dark a light yellow and a pink, on light a near-black and a deep magenta. Chosen
# with a colour-vision-deficiency simulation (Machado et al. 2009): the two stay apart for every kind, and each
# stands out of the background by lightness.
PAIR_COLOURS = {"dark": ("#F0E442", "#E07BC4"), "light": ("#2A2A2A", "#A52A8C")}
PAIR_NAMES = ("A", "B")
ARM_FRACTIONS = (0.1, 0.9)  # where along its class's arm each end of a pair sits (0 and 1: the arm's ends)
DISC_RADIUS = 0.075  # endpoint markers, scene units; a rim of the background colour around them
RIM = 0.035
SOLID_STROKE, DASHED_STROKE = 4.5, 3.0


def with_network(run: Run) -> Run:
    """``run``, whose file must hold the network (shortest paths map new points through it); a custom network's
    Run ends the render with one line (``SystemExit``)."""
    try:
        run.network_parameters("the geodesics scene")
    except ConfigError as error:
        raise SystemExit(f"riemann-nn: {error}") from None
    return run


def pair_colours(theme: Theme) -> tuple[str, str]:
    """The colours of pair A and pair B in ``theme``."""
    return PAIR_COLOURS[theme.name]


@dataclass(frozen=True)
class GeodesicPair:
    """A pair of input points, its name ("A"), its colour, and the shortest path between them."""

    name: str
    colour: str
    path: Geodesic


def arm_order(points: np.ndarray) -> np.ndarray:
    """Each point's position along its arm, 0 at one end and 1 at the other: (N, 2) -> (N,).

    Distances along the minimum spanning tree from one end of its longest path (found by two sweeps): for
    spirals, moons and circles the tree runs along the data, so these follow the arm, not the straight line.
    """
    tree = minimum_spanning_tree(cdist(points, points))  # (N, N) sparse
    first = tree_distances(tree, directed=False, indices=0)  # (N,)
    along = tree_distances(tree, directed=False, indices=int(np.argmax(first)))  # (N,)
    return along / max(float(along.max()), 1e-12)


def far_pair(points: np.ndarray, *, fractions: tuple[float, float] = ARM_FRACTIONS) -> np.ndarray:
    """The two points of ``points`` (N, 2) nearest the ``fractions`` of the way along their arm: (2, 2)."""
    order = arm_order(points)  # (N,)
    return np.stack([points[np.argmin(np.abs(order - fraction))] for fraction in fractions])


def geodesic_pairs(run: Run, theme: Theme, *, points: int = 64) -> list[GeodesicPair]:
    """One pair per class, far apart along the class's data, with its shortest path (``method="auto"``: the lift
    of the last layer's chord where it exists, a global graph search otherwise)."""
    pairs = []
    for label_value, name, colour in zip((0, 1), PAIR_NAMES, pair_colours(theme)):
        start, end = far_pair(run.x[0][run.y == label_value])
        pairs.append(GeodesicPair(name, colour, shortest_path(run, start, end, points=points, method="auto")))
    return pairs


def format_length(value: float) -> str:
    """A length for the table: three significant digits, no exponent for the usual range (0.00123 .. 999)."""
    return f"{float(f'{value:.3g}'):g}" if 1e-3 <= abs(value) < 1e3 else f"{value:.2e}"


def polyline_bezier(curves: list[np.ndarray], drawn: float, *, region=None, dash: float = 0.0) -> np.ndarray:
    """Bezier points of polylines (each (K, 2), in scene units), each drawn from its start to the fraction
    ``drawn`` of its length on screen, clipped to ``region`` (a ``PlotRegion``, or None); with ``dash`` > 0
    (scene units), dashes of that length on screen with gaps of the same length."""
    drawn = float(np.clip(drawn, 0.0, 1.0))
    starts, ends = [], []
    for curve in curves:
        a, b = curve[:-1], curve[1:]  # (K-1, 2)
        lengths = np.linalg.norm(b - a, axis=1)  # (K-1,)
        arc = np.concatenate([[0.0], np.cumsum(lengths)])  # (K,) on screen
        reach = drawn * arc[-1]
        if reach <= 0.0:
            continue
        keep = arc[:-1] < reach  # segments that start before the drawn end
        cut = np.clip((reach - arc[:-1]) / np.maximum(lengths, 1e-300), 0.0, 1.0)  # (K-1,): how much of each
        b = a + cut[:, None] * (b - a)
        if dash > 0:
            middles = arc[:-1] + 0.5 * np.minimum(lengths, reach - arc[:-1])
            keep &= (np.floor(middles / dash) % 2) == 0
        starts.append(a[keep])
        ends.append(b[keep])
    if not starts:
        return np.zeros((0, 3))
    start, end = np.concatenate(starts), np.concatenate(ends)
    if region is not None:
        start, end = clip_segments(start, end, *region_box(region))
    return segments_to_bezier(start, end) if len(start) else np.zeros((0, 3))


def path_sample(colour: str, *, dashed: bool, length: float = 0.42) -> VMobject:
    """A short horizontal stroke like a drawn path: solid (a shortest path) or dashed (a straight segment)."""
    xs = np.linspace(0.0, length, 41)
    line = VMobject(stroke_color=colour, stroke_width=DASHED_STROKE if dashed else SOLID_STROKE, fill_opacity=0)
    return line.set_points(
        polyline_bezier([np.column_stack([xs, np.zeros_like(xs)])], 1.0, dash=length / 5 if dashed else 0.0)
    )


class GeodesicOverlay(VGroup):
    """The pairs' shortest paths (solid) and straight input segments (dashed), their endpoints (a disc of the
    pair's colour on a rim of the background) and letters, in the coordinates of a ``LayerView``'s current
    layer: every curve is carried through the layers by the same interpolated map as the points
    (``LayerMotion.at``), so each frame is exact at every layer.

    ``geodesic_drawn`` and ``segment_drawn`` (0..1) are how much of each curve is drawn, from its start, by
    length on screen; ``marker_size`` (0..1) scales the endpoints and fades their letters in.
    """

    def __init__(
        self,
        view: LayerView,
        pairs: list[GeodesicPair],
        *,
        segment_samples: int = 600,
        dash: float = 0.11,
        font_size: float = 22,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.view, self.pairs, self.dash = view, pairs, dash
        run, theme = view.run, view.theme

        weight, bias = run.network_parameters("the geodesic overlay")

        def through_layers(curve: np.ndarray) -> np.ndarray:  # (K, 2) -> (L+1, K, 2)
            return propagate(weight, bias, curve, scheme=run.scheme, activation=run.activation, dt=run.dt)

        s = np.linspace(0.0, 1.0, segment_samples)[:, None]  # (S, 1)
        ends = [pair.path.points[[0, -1]] for pair in pairs]  # (2, 2) each
        self.geodesic_layers = [through_layers(pair.path.points) for pair in pairs]  # (L+1, K_i, 2) each
        self.segment_layers = [through_layers(a + s * (b - a)) for a, b in ends]  # (L+1, S, 2) each
        self.end_layers = np.stack([layers[:, [0, -1]] for layers in self.segment_layers], axis=1)  # (L+1, P, 2, 2)
        self.geodesic_drawn, self.segment_drawn = ValueTracker(0.0), ValueTracker(0.0)
        self.marker_size = ValueTracker(0.0)
        self.segments = [
            VMobject(stroke_color=pair.colour, stroke_width=DASHED_STROKE, fill_opacity=0) for pair in pairs
        ]
        self.geodesics = [
            VMobject(stroke_color=pair.colour, stroke_width=SOLID_STROKE, fill_opacity=0) for pair in pairs
        ]
        self.rims = PointCloud(color=theme.background, radius=DISC_RADIUS + RIM, opacity=1.0)
        self.discs = [PointCloud(color=pair.colour, radius=DISC_RADIUS, opacity=1.0) for pair in pairs]
        self.plates = VMobject(fill_color=theme.background, fill_opacity=0.8, stroke_width=0)
        cache = OutlineCache(theme, font_size=font_size)
        self.letters = [PathText(cache, color=pair.colour) for pair in pairs]
        self.add(*self.segments, *self.geodesics, self.rims, *self.discs, self.plates, *self.letters)
        self.follow_view(self)
        self.add_updater(self.follow_view)

    def follow_view(self, mobject: Mobject) -> None:
        """Redraw curves and endpoints at the view's layer time, in its framing (one vectorised write each)."""
        view = self.view
        t, framing, region = view.time.get_value(), view.current_framing, view.region
        for layers, curve in zip(self.geodesic_layers, self.geodesics):
            screen = framing.to_screen(view.motion.at(layers, t))  # (K, 2)
            curve.set_points(polyline_bezier([screen], self.geodesic_drawn.get_value(), region=region))
        for layers, curve in zip(self.segment_layers, self.segments):
            screen = framing.to_screen(view.motion.at(layers, t))  # (S, 2)
            curve.set_points(polyline_bezier([screen], self.segment_drawn.get_value(), region=region, dash=self.dash))
        size = self.marker_size.get_value()
        ends = framing.to_screen(view.motion.at(self.end_layers, t))  # (P, 2, 2)
        self.rims.radius = (DISC_RADIUS + RIM) * size
        self.rims.set_positions(ends.reshape(-1, 2) if size > 0 else np.zeros((0, 2)), region=region)
        for disc, points in zip(self.discs, ends):
            disc.radius = DISC_RADIUS * size
            disc.set_positions(points if size > 0 else np.zeros((0, 2)), region=region)
        self.place_letters(ends if size > 0 else ends[:0], size)

    def place_letters(self, ends: np.ndarray, size: float) -> None:
        """Each pair's letter beside both its ends (P, 2, 2), beyond them along the segment, on a plate."""
        boxes = []
        for letters in self.letters:
            letters.place([], np.zeros((0, 2)))
        for (a, b), pair, letters in zip(ends, self.pairs, self.letters):
            away = (a - b) / max(float(np.linalg.norm(a - b)), 1e-9)  # (2,) from b towards a, and on beyond
            anchors = np.stack([a + 0.3 * away, b - 0.3 * away])  # (2, 2)
            letters.place([pair.name] * 2, anchors)
            letters.set_fill(opacity=min(1.0, size))
            half = letters.cache.size(pair.name) / 2 + 0.05
            boxes += [anchor + np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half for anchor in anchors]
        if not boxes:
            self.plates.set_points(np.zeros((0, 3)))
            return
        corners = np.stack(boxes)  # (B, 4, 2)
        self.plates.set_points(segments_to_bezier(corners.reshape(-1, 2), np.roll(corners, -1, axis=1).reshape(-1, 2)))
        self.plates.set_fill(opacity=0.8 * min(1.0, size))


def length_notes(pairs: list[GeodesicPair]) -> list[str]:
    """What a reader of the ``LengthTable`` could wonder about, in words: a pair whose two numbers read the same
    (its straight segment is already a shortest path), and two pairs whose rows read the same."""
    notes = []
    rows = [(format_length(p.path.length), format_length(p.path.straight_length)) for p in pairs]
    for pair, (shortest, straight) in zip(pairs, rows):
        if shortest == straight:
            notes.append(f"{pair.name}: the straight line is already a shortest path")
    for i in range(len(pairs)):
        for j in range(i + 1, len(pairs)):
            if rows[i] == rows[j]:
                notes.append(f"{pairs[i].name} and {pairs[j].name}: the same lengths, to three digits")
    return notes


class LengthTable(VGroup):
    """The lengths of the paths, as the network measures them: one row per pair (its disc and letter), one column
    per kind of path (its line sample), one number per path; under it, ``length_notes`` where there are any."""

    def __init__(self, pairs: list[GeodesicPair], theme: Theme, *, font_size: float = 20, **kwargs):
        super().__init__(**kwargs)
        columns = (1.45, 3.05)  # x of the number columns' right edges
        heads = VGroup(
            *[
                VGroup(
                    path_sample(theme.text, dashed=dashed),
                    line_label(words, theme, font_size=font_size - 2, color=theme.muted),
                )
                .arrange(RIGHT, buff=0.1)
                .move_to((x, 0, 0), aligned_edge=RIGHT)
                for x, dashed, words in zip(columns, (False, True), ("shortest", "straight"))
            ]
        )
        self.rows = VGroup()
        self.cells = [[format_length(pair.path.length), format_length(pair.path.straight_length)] for pair in pairs]
        for index, (pair, cells) in enumerate(zip(pairs, self.cells)):
            y = -0.45 * (index + 1)
            key = VGroup(
                PointCloud(color=pair.colour, radius=DISC_RADIUS, opacity=1.0).set_positions(np.array([[0.08, y]])),
                line_label(pair.name, theme, font_size=font_size, color=pair.colour, bold=True).move_to(
                    (0.25, y, 0), aligned_edge=LEFT
                ),
            )
            numbers = [
                line_label(cell, theme, font_size=font_size).move_to((x, y, 0), aligned_edge=RIGHT)
                for x, cell in zip(columns, cells)
            ]
            self.rows.add(VGroup(key, *numbers))
        self.notes = VGroup(
            *[label(note, theme, font_size=font_size - 4, color=theme.muted) for note in length_notes(pairs)]
        )
        self.title = (
            label("length, as the network measures it", theme, font_size=font_size - 3, color=theme.muted)
            .next_to(heads, UP, buff=0.18)
            .set_x(0, LEFT)
        )
        self.add(self.title, heads, self.rows)
        if len(self.notes):
            self.add(
                self.notes.arrange(DOWN, aligned_edge=LEFT, buff=0.08).next_to(
                    self.rows, DOWN, buff=0.2, aligned_edge=LEFT
                )
            )
        self.heads = heads


def length_formula(theme: Theme, *, font_size: float = 32) -> VGroup:
    """The Riemannian length of an input path as a typeset formula, its velocity and the Jacobian defined in words
    under it."""
    return VGroup(
        formula(
            r"\ell(\gamma) = \int_0^1 \big\lVert J_L\, \dot\gamma(t) \big\rVert \, dt",
            "length(\u03b3) = \u222b |J_L \u03b3'(t)| dt",
            theme,
            font_size=font_size,
        ),
        symbol_defined(r"\dot\gamma(t)", "\u03b3'(t)", "the path's velocity in the input", theme),
        symbol_defined(r"J_L", "J_L", "how the last layer moves when\nthe input moves along the path", theme),
    ).arrange(DOWN, aligned_edge=LEFT, buff=0.16)


def last_layer_caption(pairs: list[GeodesicPair]) -> str:
    """What the solid paths are, said where they are drawn first: in the last layer."""
    if all(pair.path.method == "lift" for pair in pairs):
        return (
            "In the last layer distance is the ordinary one: the shortest way between the two ends is the "
            "straight line, solid."
        )
    return (
        "Solid: the shortest way between the two ends. The network folds the plane, so here it is only as "
        "straight as the folds allow."
    )


def ratio_caption(pairs: list[GeodesicPair]) -> str:
    """How much longer each straight input line is than the pair's shortest path, as the network measures."""
    ratios = [
        f"{pair.path.straight_length / max(pair.path.length, 1e-300):.1f} times for {pair.name}" for pair in pairs
    ]
    return f"One number per path. The straight lines are longer than the shortest paths: {', '.join(ratios)}."
