"""Stills: one image of a Run with a panel per layer, drawn by Manim's Cairo camera like the videos.

Each panel shows one layer in its own coordinates: the data, the input's coordinate grid warped into that
layer, the pulled-back metric glyphs (exact at integer layers), the decision boundary (Runs that store it),
ticks with the true coordinates, and in the last panel the head's line and half-planes. A header names the run;
a legend says what the marks mean.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Text, VGroup, VMobject, tempconfig
from PIL import Image

from ..errors import ConfigError
from ..interpolate import LayerMotion
from ..outputs import atomic_write, check_output
from ..run import Run
from .boundary import DecisionHalfPlanes, PolylineSet
from .framing import FramedAxes, Framing, PlotRegion
from .glyphs import EllipseField
from .grid import WarpedGrid
from .paths import segments_to_bezier
from .points import PointCloud
from .scene_support import SCHEME_NAMES
from .theme import FONT, Theme, as_one_path, current_theme, label

FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
WIDTH_RANGE = (320, 12000)  # pixels


@dataclass(frozen=True)
class SheetLayout:
    """Where things go, in scene units (the camera maps ``frame_width`` units onto the image's width).

    Every panel is a square plot region of side ``panel``; the tick labels sit in the gutters to its left
    and below it, the "Layer l" title in the strip above it. Units are close to the videos' (a 1080p frame
    is 14.2 units wide), so fonts, strokes and dots read the same.
    """

    columns: int
    rows: int
    header_height: float
    panel: float = 3.2
    gutter_left: float = 0.62
    gutter_bottom: float = 0.36
    title_height: float = 0.5
    gap: float = 0.3
    margin: float = 0.3

    @property
    def cell(self) -> np.ndarray:
        return np.array([self.gutter_left + self.panel + self.gap,
                         self.title_height + self.panel + self.gutter_bottom + self.gap])

    @property
    def frame_width(self) -> float:
        return 2 * self.margin + self.columns * self.cell[0] - self.gap

    @property
    def frame_height(self) -> float:
        return 2 * self.margin + self.header_height + self.rows * self.cell[1] - self.gap

    def pixel_height(self, width: int) -> int:
        """The image height for an image ``width`` pixels wide."""
        return max(1, round(width * self.frame_height / self.frame_width))

    def region(self, index: int) -> PlotRegion:
        """The plot region of panel ``index`` (row-major)."""
        row, column = divmod(index, self.columns)
        left = -self.frame_width / 2 + self.margin + column * self.cell[0] + self.gutter_left
        top = self.frame_height / 2 - self.margin - self.header_height - row * self.cell[1] - self.title_height
        return PlotRegion(left=left, right=left + self.panel, bottom=top - self.panel, top=top)


def default_columns(panels: int) -> int:
    """A near-square grid with as few empty cells as possible: of ``ceil(sqrt(n))`` and one more column,
    the one leaving fewer cells empty (4 columns for 11 panels, 3 for 9, 4 for 7, 5 for 13)."""
    base = math.ceil(math.sqrt(panels))
    return min((base, base + 1), key=lambda c: (math.ceil(panels / c) * c - panels, c))


def sheet_columns(run: Run, columns: int | None) -> int:
    """``columns``, or the default grid's for ``run``; ``ConfigError`` for a count outside ``1..L+1``."""
    panels = run.depth + 1
    columns = default_columns(panels) if columns is None else columns
    if not (isinstance(columns, int) and 1 <= columns <= panels):
        raise ConfigError(f"columns must be a whole number from 1 to {panels} (one panel per layer 0..{run.depth}), "
                          f"got {columns!r}")
    return columns


def check_width(width: int) -> None:
    if not (isinstance(width, int) and WIDTH_RANGE[0] <= width <= WIDTH_RANGE[1]):
        raise ConfigError(f"width must be a whole number of pixels from {WIDTH_RANGE[0]} to {WIDTH_RANGE[1]}, "
                          f"got {width!r}")


def render_sheet(run: Run, *, theme: Theme | str | None = None, columns: int | None = None, width: int = 2400,
                 glyphs: bool = True) -> Image.Image:
    """Draw ``run`` as one RGB image: a panel per layer ``0..L`` in a grid of ``columns``, ``width`` pixels wide
    (the height follows from the layout).

    ``theme`` is a Theme, a theme name or None (``$RIEMANN_NN_THEME``, else dark); ``columns`` defaults to a
    near-square grid; ``glyphs=False`` leaves the metric glyphs out. Raises ``ConfigError`` for a bad theme,
    column count or width.
    """
    check_width(width)
    theme = theme if isinstance(theme, Theme) else current_theme(theme)
    layout, mobjects = build_sheet(run, theme=theme, columns=columns, glyphs=glyphs)
    return capture_frame(mobjects, width=width, height=layout.pixel_height(width), frame_width=layout.frame_width,
                         background=theme.background)


def build_sheet(run: Run, *, theme: Theme, columns: int | None = None,
                glyphs: bool = True) -> tuple[SheetLayout, list]:
    """The sheet's layout and its mobjects, back to front (header, then each panel's; see ``layer_panel``).
    Raises ``ConfigError`` for a column count outside ``1..L+1``."""
    run.require_width(2, what="the sheet", instead="render scenes/space.py for width 3")
    panels = run.depth + 1
    columns = sheet_columns(run, columns)
    rows = math.ceil(panels / columns)
    layout = SheetLayout(columns=columns, rows=rows, header_height=0.0)
    # Typeset text goes to a throw-away folder: a still made anywhere leaves no media/texts behind.
    with tempfile.TemporaryDirectory(prefix="riemann-nn-text-") as text_root, tempconfig({"media_dir": text_root}):
        header = sheet_header(run, theme, max_width=layout.frame_width - 2 * layout.margin, glyphs=glyphs)
        layout = SheetLayout(columns=columns, rows=rows, header_height=header.height + 0.3)
        header.move_to([-layout.frame_width / 2 + layout.margin, layout.frame_height / 2 - layout.margin, 0],
                       aligned_edge=UP + LEFT)
        motion = LayerMotion(run)
        mobjects = [header]
        for layer in range(panels):
            mobjects.extend(layer_panel(run, motion, layer, layout.region(layer), theme, glyphs=glyphs))
    return layout, mobjects


def capture_frame(mobjects: list, *, width: int, height: int, frame_width: float, background: str) -> Image.Image:
    """Rasterise ``mobjects`` with Manim's Cairo camera on a ``width`` x ``height`` pixel frame centred at the
    origin, ``frame_width`` scene units wide (the height in units follows the pixel aspect, so nothing is
    stretched)."""
    from manim.camera.camera import Camera

    settings = {"pixel_width": width, "pixel_height": height, "frame_width": frame_width,
                "frame_height": frame_width * height / width, "background_color": background}
    with tempconfig(settings):
        camera = Camera(background_color=background)
        camera.capture_mobjects(mobjects)
        return camera.get_image().convert("RGB")


def layer_panel(run: Run, motion: LayerMotion, layer: int, region: PlotRegion, theme: Theme, *,
                glyphs: bool = True, point_radius: float = 0.024) -> list:
    """The mobjects of one layer's panel, back to front: half-planes (last layer), grid, glyphs, points, axes,
    title. Glyph maps are scaled by the panel's zoom, as in ``LayerView``."""
    points = run.x[layer]  # (N, 2)
    framing = Framing.fit(points, region)
    parts = []
    if layer == run.depth:
        parts.append(half_planes(run, framing, theme))
    parts.append(WarpedGrid(color=theme.grid, opacity=theme.grid_opacity, stroke_width=1.0)
                 .set_lines(framing.to_screen(run.grid[layer]), region=region))
    if glyphs:
        centres, maps, clipped = motion.glyphs(float(layer))  # (M, 2), (M, 2, 2), (M,)
        centres, maps = framing.to_screen(centres), framing.zoom * maps
        parts.append(EllipseField(color=theme.clipped_glyph, stroke_width=1.3)
                     .set_glyphs(centres[clipped], maps[clipped], region=region))
        parts.append(EllipseField(color=theme.glyph, stroke_width=1.6)
                     .set_glyphs(centres[~clipped], maps[~clipped], region=region))
    for label_value, colour in enumerate(theme.classes):
        parts.append(PointCloud(color=colour, radius=point_radius)
                     .set_positions(framing.to_screen(points[run.y == label_value]), region=region))
    if run.boundary is not None and layer < run.depth:  # at the last layer it is the head's line, drawn above
        parts.append(PolylineSet(color=theme.boundary, stroke_width=2.0)
                     .set_polylines(framing.to_screen(run.boundary[layer]), run.boundary_offsets, region=region))
    parts.append(FramedAxes(region, theme, font_size=14).show(framing))
    title = panel_title(layer, run.depth, theme)
    if title.width > region.size[0]:  # never into the next panel's tick labels
        title.scale_to_fit_width(region.size[0])
    parts.append(title.move_to([region.left, region.top + 0.13, 0], aligned_edge=DOWN + LEFT))
    return parts


def half_planes(run: Run, framing: Framing, theme: Theme) -> DecisionHalfPlanes:
    """The head's half-planes and line in ``framing``'s region. Built for the same region centred at the
    origin, then moved: ``DecisionHalfPlanes`` draws its line a region diagonal either side of the line's point
    nearest the scene origin, which for a panel far from the origin can stop short of the panel's edge."""
    r = framing.region
    centred = PlotRegion(left=-r.size[0] / 2, right=r.size[0] / 2, bottom=-r.size[1] / 2, top=r.size[1] / 2)
    centred_framing = Framing(centred, framing.centre, framing.zoom)
    return DecisionHalfPlanes(run.head_weight, run.head_bias, centred_framing, theme).shift(np.append(r.centre, 0.0))


def panel_title(layer: int, depth: int, theme: Theme) -> VGroup:
    """"Layer l" in the text colour, with "input" / "last · head's line" in the muted colour."""
    title = VGroup(line_label(f"Layer {layer}", theme, font_size=21, bold=True))
    note = "input" if layer == 0 else ("last \u00b7 head's line" if layer == depth else None)
    if note:
        title.add(line_label(note, theme, font_size=17, color=theme.muted))
        title.arrange(RIGHT, buff=0.16, aligned_edge=DOWN)
    return title


def line_label(text: str, theme: Theme, *, font_size: float, color: str | None = None,
               bold: bool = False) -> VGroup:
    """A one-line ``label`` whose box reaches from the font's descender to its ascender whatever the letters
    (an invisible bar "|" sets it), so labels arranged in a row sit on one baseline."""
    typeset = Text("|" + text, font=FONT, font_size=font_size, weight="BOLD" if bold else "NORMAL")
    words = as_one_path(VGroup(*typeset[1:]), color=color or theme.text)
    strut = as_one_path(typeset[0], color=theme.background).set_fill(opacity=0)
    strut.set_x(words.get_left()[0] + strut.width / 2)  # height only: no width of its own
    return VGroup(strut, words)


def sheet_header(run: Run, theme: Theme, *, max_width: float, glyphs: bool = True) -> VGroup:
    """The run's name over its scheme, activation, depth, dt and accuracy, and the legend: to the right when it
    fits, else below. On narrow sheets the facts and the legend go over two lines; whatever is still wider than
    ``max_width`` is scaled down."""
    m = run.meta["model"]
    facts = [f"{SCHEME_NAMES[m['scheme']]}  \u00b7  {m['activation']}  \u00b7  {m['depth']} layers of width 2",
             f"dt {m['dt']:g}  \u00b7  train accuracy {100 * run.meta['training']['accuracy']:.1f}%"]
    details = label("  \u00b7  ".join(facts), theme, font_size=19, color=theme.muted)
    if details.width > max_width:
        details = VGroup(*[label(line, theme, font_size=19, color=theme.muted) for line in facts])
        details.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
    names = VGroup(label(run.name, theme, font_size=30, bold=True), details)
    names.arrange(DOWN, aligned_edge=LEFT, buff=0.14)
    legend = sheet_legend(theme, glyphs=glyphs, clipped=glyphs and bool(run.clipped.any()),
                          boundary=run.boundary is not None)
    if names.width + 0.8 + legend.width <= max_width:
        legend.next_to(names, RIGHT, buff=0.0).align_to(names, DOWN)
        legend.shift((max_width - names.width - legend.width) * RIGHT)
    else:
        if legend.width > max_width:
            half = math.ceil(len(legend) / 2)
            legend = VGroup(VGroup(*legend[:half]).arrange(RIGHT, buff=0.4),
                            VGroup(*legend[half:]).arrange(RIGHT, buff=0.4))
            legend.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        legend.next_to(names, DOWN, aligned_edge=LEFT, buff=0.2)
    header = VGroup(names, legend)
    if header.width > max_width:
        header.scale_to_fit_width(max_width)
    return header


def sheet_legend(theme: Theme, *, glyphs: bool, clipped: bool, boundary: bool) -> VGroup:
    """One row: a disc per class, the metric glyph (and the clipped one), the decision boundary (in every layer,
    for Runs that store it) or the head's line (the last layer only)."""
    def entry(mark, text):
        return VGroup(mark, line_label(text, theme, font_size=17, color=theme.muted)).arrange(RIGHT, buff=0.12)

    def glyph(colour):
        field = EllipseField(color=colour, stroke_width=1.6)
        return field.set_glyphs(np.zeros((1, 2)), np.diag([0.13, 0.075])[None])

    line = VMobject(stroke_color=theme.boundary, stroke_width=3)
    line.set_points(segments_to_bezier(np.array([[0.0, 0.0]]), np.array([[0.3, 0.0]])))
    entries = [entry(PointCloud(color=colour, radius=0.065).set_positions(np.zeros((1, 2))), name)
               for colour, name in zip(theme.classes, ("class 0", "class 1"))]
    if glyphs:
        entries.append(entry(glyph(theme.glyph), "metric"))
    if clipped:
        entries.append(entry(glyph(theme.clipped_glyph), "clipped"))
    entries.append(entry(line, "decision boundary" if boundary else "head's line"))
    return VGroup(*entries).arrange(RIGHT, buff=0.4)


def save_sheet(run: Run, path: str | Path, *, theme: Theme | str | None = None, columns: int | None = None,
               width: int = 2400, glyphs: bool = True) -> Path:
    """Render the sheet of ``run`` (see ``render_sheet``) and write it to ``path`` (.png, .jpg) atomically:
    a temporary file in the same folder, renamed into place. Raises ``ConfigError`` for an unknown format or bad
    options, ``OutputError`` for a place that cannot or must not be written (all checked before rendering);
    nothing is left behind on any error."""
    path = Path(path)
    image_format = FORMATS.get(path.suffix.lower())
    if image_format is None:
        raise ConfigError(f"{path}: the sheet is written as {', '.join(FORMATS)}; choose a file name ending so")
    columns = sheet_columns(run, columns)
    check_width(width)
    theme = theme if isinstance(theme, Theme) else current_theme(theme)
    check_output(path, create_parent=True)
    image = render_sheet(run, theme=theme, columns=columns, width=width, glyphs=glyphs)
    atomic_write(path, lambda handle: image.save(handle, format=image_format,
                                                 **({"quality": 92} if image_format == "JPEG" else {})))
    return path
