"""Views: a Run drawn in a framed plot region at a continuous layer time, the one way every scene and the sheet
draw a layer.

``LayerView`` draws the warped grid, the data, a field of glyphs (metric ellipses in one colour or in colour bins,
volume cells, ...), marks where the metric is unbounded, the decision boundary and the axes, all moved by one
interpolated map (``LayerMotion``) and driven by one ``ValueTracker``: ``time`` in ``[0, L]``. What the field
shows comes from a glyph source, a callable ``(t, zoom) -> GlyphFrame`` (``MetricGlyphs``, ``VolumeCells``).

The framing follows the data so every layer fills the region whatever its scale; ``fit_sites`` (0..1) widens it
to every glyph site, so that no glyph centre ever leaves the region while glyphs show (glyphs crossing the
border are cut there, never dropped). ``LayerCounter`` says which layer the view is at, or moving between.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import numpy as np
from manim import Mobject, ValueTracker, VGroup
from numpy.typing import ArrayLike

from ..interpolate import LayerMotion, VolumeField
from ..metric import rank_deficient
from ..network import propagate
from ..run import Run
from .colour import LogColourScale, Theme, from_hex, oklab_to_srgb, srgb_to_oklab, to_hex
from .framing import FramedAxes, Framing, PlotRegion
from .marks import GlyphPalette, PointCloud, PolylineSet, UnboundedMarks, WarpedGrid
from .text import OutlineCache, PathText

__all__ = [
    "GlyphFrame",
    "GlyphSource",
    "LayerCounter",
    "LayerHeading",
    "LayerView",
    "MetricGlyphs",
    "PositionColours",
    "ViewStyle",
    "VolumeCells",
    "VolumeColours",
    "cap_glyphs",
    "cell_corners",
    "fold_colours",
    "fold_layer",
    "folded_cells",
    "grid_step",
    "input_box",
    "outline_folds",
    "site_cell",
    "sites_per_side",
    "unbounded_at",
    "unbounded_sites",
    "zoom_note",
]

STAGES = ("W x", "+ b")  # the staged c0 path's first two stages; the third is the activation


@dataclass(frozen=True)
class ViewStyle:
    """How a view draws: sizes in scene units, strokes in Manim's stroke widths, opacities in [0, 1].

    ``grid_opacity=None`` takes the theme's; 0 leaves the grid out, as ``point_opacity=0`` leaves out the data.
    """

    point_radius: float = 0.035
    point_opacity: float = 0.9
    grid_opacity: float | None = None
    grid_stroke: float = 1.2
    glyph_stroke: float = 2.0
    glyph_fill: float = 0.0
    glyph_cap: float = 0.6  # the largest semi-axis drawn, in site spacings; larger glyphs shrink, dashed
    unbounded_stroke: float = 2.6
    unbounded_half_length: float = 0.13
    boundary_stroke: float = 2.5
    axes_font_size: float = 16
    axis_names: bool = True  # "layer l, unit 1" under the x ticks, "unit 2" beside the y ticks, zoom above


class GlyphFrame(NamedTuple):
    """What a glyph source draws at one time: centres (M, 2) and maps (M, 2, 2) in layer coordinates (the unit
    circle or square goes to ``centre + map @ u``), colour bins (M,) int, and which sites are unbounded (M,) bool:
    those are drawn as ``UnboundedMarks`` along the map's long axis instead of a shape."""

    centres: np.ndarray
    maps: np.ndarray
    bins: np.ndarray
    unbounded: np.ndarray


class GlyphSource(Protocol):
    """A field a view draws: ``shape`` ("circle" or "square") and ``(t, zoom) -> GlyphFrame``; ``zoom`` (scene
    units per layer unit) is there for shapes of a fixed size on screen. Plain objects, not scene methods, so
    that Manim can copy the view for its animations."""

    shape: str

    def __call__(self, t: float, zoom: float) -> GlyphFrame: ...


class LayerHeading:
    """Which layer a time is at, or leaving and heading for: the direction of its last change is remembered, so a
    time just past layer 3 reads "3 -> 4" going forward and "4 -> 3" coming back."""

    def __init__(self):
        self.last: float | None = None
        self.forward = True

    def read(self, t: float) -> tuple[int, int]:
        """(from, to) layers; equal when ``t`` rests on a layer."""
        if self.last is not None and t != self.last:
            self.forward = t > self.last
        self.last = t
        nearest = round(t)
        if abs(t - nearest) < 1e-6:
            return nearest, nearest
        low = math.floor(t)
        return (low, low + 1) if self.forward else (low + 1, low)


class LayerView(VGroup):
    """Everything drawn in the plot region, driven by ``time`` in ``[0, L]``; ``glyph_size`` (0 hides the field,
    1 draws it at full size), ``fit_sites`` (see the module) and ``glyph_fill`` (the field's fill opacity) are
    trackers too.

    Parameters
    ----------
    run : the Run to show.
    theme : colours.
    region : where in the scene to draw (the videos' plot region when None).
    method : layer path (straight, spline, staged); the scheme's default when None.
    motion : a ``LayerMotion`` to share (e.g. with a glyph source); built from ``run`` and ``method`` when None.
    glyphs : the field's source; the metric glyphs of the Run (``MetricGlyphs``) when None.
    glyph_colours : one colour per colour bin of the source; the theme's glyph colour when None.
    style : sizes, strokes and opacities.
    show_axes, show_boundary : draw the framed axes, and the decision boundary (Runs that carry it).
    time, glyph_size, fit_sites : the trackers' first values (the view is drawn with them at once).
    """

    def __init__(
        self,
        run: Run,
        *,
        theme: Theme,
        region: PlotRegion | None = None,
        method: str | None = None,
        motion: LayerMotion | None = None,
        glyphs: GlyphSource | None = None,
        glyph_colours: Sequence[str] | None = None,
        style: ViewStyle = ViewStyle(),
        show_axes: bool = True,
        show_boundary: bool = True,
        time: float = 0.0,
        glyph_size: float = 0.0,
        fit_sites: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        region = region or PlotRegion()
        self.run, self.theme, self.region, self.style = run, theme, region, style
        self.motion = motion or LayerMotion(run, method=method)
        self.time = ValueTracker(time)
        self.glyph_size = ValueTracker(glyph_size)
        self.fit_sites = ValueTracker(fit_sites)
        self.glyph_fill = ValueTracker(style.glyph_fill)  # the field's fill opacity, e.g. solid markers to rings
        self.applied_fill = style.glyph_fill  # the fill the glyphs were last given (``draw_glyphs``)
        self.glyph_source = glyphs or MetricGlyphs(self.motion)
        self.heading = LayerHeading()
        self.classes = [run.y == label for label in range(len(theme.classes))]  # (N,) masks
        grid_opacity = theme.grid_opacity if style.grid_opacity is None else style.grid_opacity
        self.grid = WarpedGrid(color=theme.grid, opacity=grid_opacity, stroke_width=style.grid_stroke)
        self.clouds = VGroup(
            *[PointCloud(color=c, radius=style.point_radius, opacity=style.point_opacity) for c in theme.classes]
        )
        self.glyphs = GlyphPalette(
            glyph_colours or [theme.glyph],
            shape=self.glyph_source.shape,
            stroke_width=style.glyph_stroke,
            fill_opacity=style.glyph_fill,
        )
        self.unbounded = UnboundedMarks(color=theme.unbounded, stroke_width=style.unbounded_stroke)
        self.boundary = PolylineSet(color=theme.boundary, stroke_width=style.boundary_stroke)
        self.axes = FramedAxes(region, theme, font_size=style.axes_font_size)
        self.show_grid, self.show_points = grid_opacity > 0, style.point_opacity > 0
        self.show_boundary = show_boundary and run.boundary is not None
        self.add(
            *[
                part
                for part, shown in (
                    (self.grid, self.show_grid),
                    (self.unbounded, True),
                    (self.glyphs, True),
                    (self.clouds, self.show_points),
                    (self.boundary, self.show_boundary),
                    (self.axes, show_axes),
                )
                if shown
            ]
        )
        self.input_zoom = Framing.fit(self.motion.points(0.0), region).zoom  # for the zoom note
        # On screen, a glyph's semi-axes stop at ``glyph_cap`` site spacings (of the sites filling the region, as
        # at the input), so the largest glyphs do not bury their neighbours; unbounded marks stay well apart,
        # at most 0.3 of a spacing either way.
        spacing = float(region.size.min()) / sites_per_side(run)
        self.glyph_cap = style.glyph_cap * spacing
        self.mark_half_length = min(style.unbounded_half_length, 0.3 * spacing)
        self.follow_layer(self)
        self.add_updater(self.follow_layer)

    def framing_at(self, t: float, points: np.ndarray | None = None) -> Framing:
        """The framing of layer time ``t``: the data (``points`` (N, 2) at ``t``, when known) fill the region,
        widened towards every glyph site as ``fit_sites`` goes from 0 to 1."""
        points = self.motion.points(t) if points is None else points  # (N, 2)
        low, high = points.min(axis=0), points.max(axis=0)
        widen = self.fit_sites.get_value()
        if widen > 0:
            sites = self.motion.sites(t)  # (M, 2)
            low = low + widen * (np.minimum(low, sites.min(axis=0)) - low)
            high = high + widen * (np.maximum(high, sites.max(axis=0)) - high)
        return Framing.fit_box(low, high, self.region)

    @property
    def framing(self) -> Framing:
        return self.framing_at(self.time.get_value())

    def draws_dashes(self) -> bool:
        """Whether some bounded glyph is larger than the view draws it (dashed) at some layer, framed as when the
        field shows (every site in the region)."""
        if self.glyph_source.shape != "circle":
            return False
        for layer in range(self.run.depth + 1):
            sites, bounded = self.motion.sites(float(layer)), ~unbounded_sites(self.run)[layer]  # (M, 2), (M,)
            zoom = Framing.fit(np.concatenate([sites, self.motion.points(float(layer))]), self.region).zoom
            sigma = np.linalg.svd(zoom * self.motion.glyph_maps(float(layer))[bounded], compute_uv=False)  # (B, 2)
            if (sigma[:, 0] > self.glyph_cap).any():
                return True
        return False

    def stage_at(self, t: float) -> str | None:
        """On a staged (c0) path between two layers, the stage playing: "W x", "+ b" or the activation."""
        if self.motion.method != "staged" or abs(t - round(t)) < 1e-6:
            return None
        stage = min(int(3 * (t - math.floor(t))), 2)
        return STAGES[stage] if stage < 2 else self.run.activation

    def follow_layer(self, mobject: Mobject) -> None:
        """Redraw grid, data, glyphs, boundary and axes at the tracker's layer time (one vectorised write each)."""
        t = self.time.get_value()
        points = self.motion.points(t)  # (N, 2)
        framing = self.framing_at(t, points)
        self.current_framing = framing  # for overlays drawn in the same coordinates (updated after the view)
        if self.show_grid:
            self.grid.set_lines(framing.to_screen(self.motion.grid(t)), region=self.region)
        if self.show_points:
            screen = framing.to_screen(points)  # (N, 2)
            for members, cloud in zip(self.classes, self.clouds):
                cloud.set_positions(screen[members], region=self.region)
        self.draw_glyphs(t, framing)
        boundary, offsets = self.run.boundary, self.run.boundary_offsets
        if self.show_boundary and boundary is not None and offsets is not None:
            self.boundary.set_polylines(framing.to_screen(self.motion.at(boundary, t)), offsets, region=self.region)
        # At the input the grid is straight, at round multiples: the ticks land on its lines.
        registered = grid_step(self.run) if t == 0.0 else None
        if self.style.axis_names:
            _, layer = self.heading.read(t)
            zoom = Framing.fit(points, self.region).zoom
            names = (f"layer {layer}, unit 1", "unit 2")
            self.axes.fit_to(framing, names=names, note=zoom_note(zoom / self.input_zoom), grid_step=registered)
        else:
            self.axes.fit_to(framing, grid_step=registered)

    def draw_glyphs(self, t: float, framing: Framing) -> None:
        fill = self.glyph_fill.get_value()
        # Written only when the tracker moves: Manim runs this updater on the faded copy a FadeIn or FadeOut of the
        # view interpolates from or towards, and rewriting the fill every frame would undo the fade.
        if fill != self.applied_fill:
            self.glyphs.set_fill(opacity=fill)
            self.applied_fill = fill
        size = self.glyph_size.get_value()
        if size <= 0:
            self.glyphs.set_glyphs(np.zeros((0, 2)), np.zeros((0, 2, 2)), np.zeros(0, int))
            self.unbounded.set_marks(np.zeros((0, 2)), np.zeros((0, 2)), half_length=0.0)
            return
        frame = self.glyph_source(t, framing.zoom)
        centres, maps = framing.to_screen(frame.centres), framing.zoom * size * frame.maps  # (M, 2), (M, 2, 2)
        bounded = ~frame.unbounded
        duty = None
        if self.glyph_source.shape == "circle":
            maps, duty = cap_glyphs(maps, self.glyph_cap)
        self.glyphs.set_glyphs(
            centres[bounded],
            maps[bounded],
            frame.bins[bounded],
            region=self.region,
            duty=None if duty is None else duty[bounded],
        )
        long_axis = np.linalg.svd(maps[~bounded])[0][..., 0] if (~bounded).any() else np.zeros((0, 2))  # (U, 2)
        self.unbounded.set_marks(
            centres[~bounded], long_axis, half_length=size * self.mark_half_length, region=self.region
        )


def cap_glyphs(maps: np.ndarray, cap: float) -> tuple[np.ndarray, np.ndarray]:
    """Screen maps (M, 2, 2) of glyphs whose long semi-axis exceeds ``cap``, shrunk as a whole to it (shape and
    direction kept), and the dash duty (M,) of each glyph: 1 (solid) up to the cap, then thinning with how much
    larger the glyph is, to 0.35 at ten times the cap and beyond. Both change continuously with the glyph, so
    nothing jumps during a sweep."""
    long_axis = np.linalg.norm(maps, ord=2, axis=(1, 2))  # (M,) the largest singular value
    shrink = np.minimum(1.0, cap / np.maximum(long_axis, 1e-300))  # (M,)
    excess = np.log10(1.0 / shrink)  # (M,) decades beyond the cap
    return maps * shrink[:, None, None], np.clip(1.0 - 0.65 * excess, 0.35, 1.0)


ZOOM_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)  # a zoom note rounds to one of these per decade


def zoom_note(ratio: float) -> str | None:
    """How much larger (or smaller) than the input's the current framing draws a unit, in a few round words:
    ``zoom_note(93.0)`` is "zoom ×100 of the input", ``zoom_note(0.3)`` "zoom ×0.3 of the input", None within
    a factor 1.25 of the input's (nothing to say)."""
    if not np.isfinite(ratio) or ratio <= 0 or abs(math.log(ratio)) < math.log(1.25):
        return None
    decade = 10.0 ** math.floor(math.log10(ratio))
    mantissa = min((*ZOOM_STEPS, 10.0), key=lambda step: abs(math.log(ratio / (decade * step))))
    return f"zoom \u00d7{decade * mantissa:.3g} of the input"


class LayerCounter(VGroup):
    """ "Layer l of L" for the layer the view rests on or is moving into (so it never names the layer the data
    are leaving; "Layer 0 (input)" on the input or moving into it), with the stage of a staged c0 path on a second
    line or at ``stage_anchor``; left edge pinned at ``anchor``."""

    def __init__(
        self,
        view: LayerView,
        *,
        anchor: ArrayLike,
        font_size: float = 34,
        stage_anchor: ArrayLike | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.view, self.anchor = view, np.asarray(anchor, float)[:2]
        self.heading = LayerHeading()
        self.layer = PathText(OutlineCache(view.theme, font_size=font_size), color=view.theme.text)
        self.stage = PathText(OutlineCache(view.theme, font_size=0.62 * font_size), color=view.theme.muted)
        # The stage goes right-aligned at ``stage_anchor`` (on the counter's line), else on a line below.
        self.stage_anchor = (
            np.asarray(stage_anchor, float)[:2]
            if stage_anchor is not None
            else self.anchor + np.array([0.0, -0.025 * font_size])
        )
        self.stage_align = np.array([1.0, 0.0]) if stage_anchor is not None else np.array([-1.0, 0.0])
        self.add(self.layer, self.stage)
        self.follow_time(self)
        self.add_updater(self.follow_time)

    def text_at(self, t: float) -> tuple[str, str | None]:
        """The counter's two lines at time ``t`` (the second None when there is no stage to name)."""
        _, end = self.heading.read(t)
        stage = self.view.stage_at(t)
        layer = "Layer 0 (input)" if end == 0 else f"Layer {end} of {self.view.run.depth}"
        return layer, (f"step: {stage}" if stage else None)

    def follow_time(self, mobject: Mobject) -> None:
        layer, stage = self.text_at(self.view.time.get_value())
        self.layer.place([layer], self.anchor[None], align=np.array([-1.0, 0.0]))
        self.stage.place([stage] if stage else [], self.stage_anchor[None], align=self.stage_align)


def sites_per_side(run) -> int:
    """How many glyph sites the Run has along each side of the input box."""
    return int(run.meta.get("geometry", {}).get("sites_per_side", round(np.sqrt(run.sites.shape[1]))))


def grid_step(run) -> float | None:
    """The spacing of the grid lines at the input (``meta.geometry.grid_step``); None for files from before the
    grid was placed at round multiples."""
    step = run.meta.get("geometry", {}).get("grid_step")
    return None if step is None else float(step)


def input_box(run) -> np.ndarray:
    """The input box the glyph sites tile, [[xmin, ymin], [xmax, ymax]]: ``meta.geometry.bounds``, or for files
    without it, the sites' extent widened by half a spacing (the sites are cell centres)."""
    bounds = run.meta.get("geometry", {}).get("bounds")
    if bounds is not None:
        return np.asarray(bounds, float)
    sites = run.sites[0]
    half = (sites.max(axis=0) - sites.min(axis=0)) / max(sites_per_side(run) - 1, 1) / 2
    return np.stack([sites.min(axis=0) - half, sites.max(axis=0) + half])


def site_cell(run) -> np.ndarray:
    """The map of the unit square [-1, 1]^2 onto a site's cell of the input grid: (2, 2), half the spacing
    along each axis."""
    box = input_box(run)
    return np.diag((box[1] - box[0]) / sites_per_side(run) / 2)


def unbounded_sites(run: Run) -> np.ndarray:
    """Where each layer's metric glyph is unbounded: (L+1, M) bool (a Run derives it when its file lacks it)."""
    flags = run.unbounded
    assert flags is not None, "a Run derives its unbounded flags on construction"
    return flags


def unbounded_at(flags: np.ndarray, t: float) -> np.ndarray:
    """Which glyphs are unbounded at time ``t``, from per-layer flags (L+1, M): a layer's own flags on a layer,
    either end's between two (the step's maps pass through the unbounded one's arbitrarily close): (M,) bool."""
    low, high = math.floor(t), math.ceil(t)
    return flags[int(low)] | flags[int(high)]


# -- colour bins of a field ------------------------------------------------------------------------------
class PositionColours:
    """Fixed colour bins (M,): each glyph keeps the colour of its site's input position."""

    def __init__(self, bins: np.ndarray):
        self.fixed = np.asarray(bins)

    def bins(self, t: float) -> np.ndarray:
        return self.fixed.copy()


class VolumeColours:
    """Colour bins of ``log10 sqrt(det g(t))`` on a ``LogColourScale``, recomputed at every time."""

    def __init__(self, volume: VolumeField, scale: LogColourScale, count: int):
        self.volume, self.scale, self.count = volume, scale, count

    def bins(self, t: float) -> np.ndarray:
        return self.scale.bins(self.volume.at(t)[0], self.count)


# -- glyph sources -----------------------------------------------------------------------------------------
class MetricGlyphs:
    """The metric glyphs of ``motion`` (exact at every layer): centres, maps and which sites are unbounded.

    ``colours.bins(t)`` gives each glyph's colour bin (all 0 when None). With ``marker_radius`` (scene units)
    the glyphs grow from small round markers as ``morph`` goes 0 -> 1; sites are unbounded only once the
    markers are more glyph than marker (``morph`` past one half).
    """

    shape = "circle"

    def __init__(
        self,
        motion: LayerMotion,
        colours: PositionColours | VolumeColours | None = None,
        *,
        marker_radius: float | None = None,
    ):
        self.motion, self.colours = motion, colours
        self.marker_radius = marker_radius
        self.morph = ValueTracker(0.0 if marker_radius is not None else 1.0)

    def __call__(self, t: float, zoom: float) -> GlyphFrame:
        centres, maps = self.motion.sites(t), self.motion.glyph_maps(t)  # (M, 2), (M, 2, 2): true sizes
        unbounded = unbounded_at(unbounded_sites(self.motion.run), t)  # (M,)
        morph = self.morph.get_value()
        if self.marker_radius is not None:
            maps = (1 - morph) * (self.marker_radius / zoom) * np.eye(2) + morph * maps  # (M, 2, 2)
        bins = self.colours.bins(t) if self.colours is not None else np.zeros(len(centres), int)
        return GlyphFrame(centres, maps, bins, unbounded & (morph > 0.5))


class VolumeCells:
    """Every site's input cell (``cell`` maps the unit square onto it) pushed by the exact Jacobian ``J(t)``:
    a parallelogram of area ``|det J(t)|`` times the input cell's, coloured by ``log10 sqrt(det g(t))``.

    With ``corners`` (``cell_corners``: the input cells' corners carried through the layers), a cell is instead
    the parallelogram through its own carried corners (their mean edges), ``cell`` applied in its frame (e.g.
    ``0.94 * I`` for gaps between cells): the secant of the map over the cell, which tiles with its neighbours
    even where the map bends within a cell, where the tangent parallelogram would overshoot them by far. The
    colour is the exact volume element at the site either way.

    ``strength`` (0..1) scales the values before they are binned: at 0 every cell has the neutral colour, so
    a scene can show the cells first and their colours once it has said what they mean. With ``folds``, folded
    cells (``folded_cells`` of the exact ``J(t)`` at the sites: where the map itself turns them over; a secant
    cell spanning a sharp bend may turn over where nothing folds) go to bins ``count .. 2 count - 1``, the same
    values' bins shifted by ``count``: the view then needs ``fold_colours`` (twice as many colours), and
    ``outline_folds`` marks them.

    With ``cap``, a cell larger than ``cap`` times the median cell (the maps' 2-norms, at each time) is shrunk about
    its centre to that size, shape and orientation kept: where the map bends or folds sharply within a cell its
    corners fly apart, and the parallelogram through them, no picture of the cell's image, would bury the data.
    """

    shape = "square"

    def __init__(
        self,
        volume: VolumeField,
        scale: LogColourScale,
        count: int,
        *,
        cell: np.ndarray,
        folds: bool = False,
        corners: np.ndarray | None = None,
        cap: float | None = None,
    ):
        self.volume, self.scale, self.count, self.cell, self.folds = volume, scale, count, cell, folds
        self.corners, self.cap = corners, cap
        self.strength = ValueTracker(1.0)

    @classmethod
    def of_run(
        cls,
        volume: VolumeField,
        scale: LogColourScale,
        count: int,
        *,
        fill: float = 1.0,
        folds: bool = False,
        cap: float | None = None,
    ) -> VolumeCells:
        """The cells of ``volume``'s Run, ``fill`` of their size: through their carried corners where the Run's
        sites are the centres of a grid of cells (exported Runs), else tangent to the map at the sites."""
        corners = cell_corners(volume.motion.run)
        cell = fill * (np.eye(2) if corners is not None else site_cell(volume.motion.run))
        return cls(volume, scale, count, cell=cell, folds=folds, corners=corners, cap=cap)

    def cells(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Centres (M, 2) and maps (M, 2, 2) of the unit square onto the cells at time ``t``."""
        motion = self.volume.motion
        if self.corners is None:
            return motion.sites(t), motion.jacobian(t) @ self.cell
        carried = motion.at(self.corners, t)  # (P+1, P+1, 2): rows of x, bottom row first
        low_left, low_right = carried[:-1, :-1], carried[:-1, 1:]  # (P, P, 2) each
        up_left, up_right = carried[1:, :-1], carried[1:, 1:]
        centres = (low_left + low_right + up_left + up_right) / 4
        half_x = (low_right - low_left + up_right - up_left) / 4  # where the unit square's (1, 0) goes
        half_y = (up_left - low_left + up_right - low_right) / 4
        maps = np.stack([half_x, half_y], axis=-1).reshape(-1, 2, 2)  # (M, 2, 2): columns are the half edges
        return centres.reshape(-1, 2), maps @ self.cell

    def folded(self, t: float) -> np.ndarray:
        """Which cells are folded over at time ``t``: (M,) bool."""
        return folded_cells(self.volume.motion.jacobian(t))

    def folded_at_layers(self) -> np.ndarray:
        """Which cells are folded over at every layer: (L+1, M) bool."""
        return folded_cells(self.volume.motion.run.jacobian)

    def __call__(self, t: float, zoom: float) -> GlyphFrame:
        centres, maps = self.cells(t)
        if self.cap is not None:
            reach = np.linalg.norm(maps, ord=2, axis=(1, 2))  # (M,)
            limit = self.cap * np.median(reach)
            maps = maps * np.minimum(1.0, limit / np.maximum(reach, 1e-300))[:, None, None]  # (M, 2, 2)
        values, _ = self.volume.at(t)  # (M,)
        bins = self.scale.bins(self.strength.get_value() * values, self.count)
        if self.folds:
            bins = bins + self.count * self.folded(t)
        return GlyphFrame(centres, maps, bins, np.zeros(len(bins), bool))


def cell_corners(run: Run) -> np.ndarray | None:
    """The corners of the glyph sites' input cells (``input_box`` cut into ``sites_per_side`` squares a side),
    carried through the layers by the network: (L+1, P+1, P+1, 2), rows of x, bottom row first. None when the
    sites are not those cells' centres (a Run of another layout), or the Run holds no network to carry them (a
    custom network's)."""
    if run.is_custom:
        return None
    box, per_side = input_box(run), sites_per_side(run)
    xs, ys = (np.linspace(box[0, k], box[1, k], per_side + 1) for k in (0, 1))  # (P+1,) each
    if len(run.sites[0]) != per_side**2:
        return None
    centres = np.stack(np.meshgrid((xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2, indexing="xy"), axis=-1)
    if not np.allclose(centres.reshape(-1, 2), run.sites[0], atol=1e-9 * float(np.abs(box).max())):
        return None
    corners = np.stack(np.meshgrid(xs, ys, indexing="xy"), axis=-1)  # (P+1, P+1, 2)
    return propagate(run.weight, run.bias, corners, scheme=run.scheme, activation=run.activation, dt=run.dt)


def folded_cells(jacobian: np.ndarray) -> np.ndarray:
    """Which cells a map has folded over: their Jacobian's determinant has the sign opposite to most cells'.
    Across a fold line ``det J`` changes sign and the map is two-to-one, so a folded cell lies on top of others;
    a map that mirrors the whole plane turns every cell over alike and folds none. Numerically singular cells
    (``metric.rank_deficient``: a collapsed chart, or the instant of a fold) are not folded and do not vote: the
    sign of a determinant like 1e-40 is rounding noise. (..., M, 2, 2) -> (..., M) bool, each map on its own."""
    sign = np.where(rank_deficient(jacobian), 0.0, np.sign(np.linalg.det(jacobian)))  # (..., M)
    most = np.sign(sign.sum(axis=-1, keepdims=True))  # (..., 1)
    most = np.where(most == 0, 1.0, most)  # a tie: the input's orientation
    return sign == -most


def fold_layer(folded: np.ndarray, *, share: float = 0.5) -> int | None:
    """The layer at which to name the folds, from which cells are folded at every layer (L+1, M) (e.g.
    ``VolumeCells.folded_at_layers``): the first whose folded cells are at least ``share`` of the most any layer
    has, so that the fold is plain to see there; None when no layer folds."""
    counts = np.asarray(folded).sum(axis=-1)  # (L+1,)
    return int(np.argmax(counts >= share * counts.max())) if counts.max() else None


FOLD_FADE = 0.4  # how much of its colour a folded cell keeps, the rest the background's


def fold_colours(colours: Sequence[str], theme: Theme, *, keep: float = FOLD_FADE) -> list[str]:
    """``colours`` followed by the same colours faded towards the background (``keep`` of each colour): the
    palette of ``VolumeCells`` with ``folds``. Mixed in OKLab, as every colour map here."""
    lab = srgb_to_oklab(np.array([from_hex(c) for c in colours]))  # (K, 3)
    background = srgb_to_oklab(from_hex(theme.background))  # (3,)
    return [*colours, *to_hex(oklab_to_srgb(background + keep * (lab - background)))]


FOLD_OUTLINE = 0.6  # the outline's opacity: plain on the flap, quieter than the decision boundary


def outline_folds(palette: GlyphPalette, *, count: int, theme: Theme, stroke_width: float = 1.0) -> GlyphPalette:
    """Give the folded cells' fields (bins ``count`` and up, see ``VolumeCells``) a thin outline in the text
    colour, so that a folded flap reads as cells lying over others, not as a crack."""
    for field in palette.fields[count:]:
        field.set_stroke(theme.text, width=stroke_width, opacity=FOLD_OUTLINE)
    return palette
