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
from manim import DOWN, LEFT, RIGHT, UP, VGroup, tempconfig
from PIL import Image

from ..errors import ConfigError
from ..interpolate import LayerMotion
from ..outputs import atomic_write, check_output
from ..run import Run
from .colour import Theme, current_theme
from .framing import Framing, PlotRegion
from .legends import DASHED_WORDS, UNBOUNDED_WORDS, class_sample, glyph_sample, key_row, line_sample, unbounded_sample
from .overlays import DecisionHalfPlanes
from .text import accuracy_in_words, label, line_label, network_in_words
from .views import LayerView, ViewStyle, unbounded_sites

__all__ = [
    "SHEET_STYLE",
    "SheetLayout",
    "build_sheet",
    "capture_frame",
    "default_columns",
    "layer_panel",
    "render_sheet",
    "save_sheet",
]

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
        return np.array(
            [self.gutter_left + self.panel + self.gap, self.title_height + self.panel + self.gutter_bottom + self.gap]
        )

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
        raise ConfigError(
            f"columns must be a whole number from 1 to {panels} (one panel per layer 0..{run.depth}), got {columns!r}"
        )
    return columns


def check_width(width: int) -> None:
    if not (isinstance(width, int) and WIDTH_RANGE[0] <= width <= WIDTH_RANGE[1]):
        raise ConfigError(
            f"width must be a whole number of pixels from {WIDTH_RANGE[0]} to {WIDTH_RANGE[1]}, got {width!r}"
        )


def render_sheet(
    run: Run, *, theme: Theme | str | None = None, columns: int | None = None, width: int = 2400, glyphs: bool = True
) -> Image.Image:
    """Draw ``run`` as one RGB image: a panel per layer ``0..L`` in a grid of ``columns``, ``width`` pixels wide
    (the height follows from the layout).

    ``theme`` is a Theme, a theme name or None (``$RIEMANN_NN_THEME``, else dark); ``columns`` defaults to a
    near-square grid; ``glyphs=False`` leaves the metric glyphs out. Raises ``ConfigError`` for a bad theme,
    column count or width.
    """
    check_width(width)
    theme = theme if isinstance(theme, Theme) else current_theme(theme)
    layout, mobjects = build_sheet(run, theme=theme, columns=columns, glyphs=glyphs)
    return capture_frame(
        mobjects,
        width=width,
        height=layout.pixel_height(width),
        frame_width=layout.frame_width,
        background=theme.background,
    )


def build_sheet(run: Run, *, theme: Theme, columns: int | None = None, glyphs: bool = True) -> tuple[SheetLayout, list]:
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
        header.move_to(
            (-layout.frame_width / 2 + layout.margin, layout.frame_height / 2 - layout.margin, 0),
            aligned_edge=UP + LEFT,
        )
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

    settings = {
        "pixel_width": width,
        "pixel_height": height,
        "frame_width": frame_width,
        "frame_height": frame_width * height / width,
        "background_color": background,
    }
    with tempconfig(settings):
        camera = Camera(background_color=background)
        camera.capture_mobjects(mobjects)
        return camera.get_image().convert("RGB")


# The videos' view, drawn smaller: a sheet panel is about a quarter of a video's plot region.
SHEET_STYLE = ViewStyle(
    point_radius=0.024,
    grid_stroke=1.0,
    glyph_stroke=1.6,
    unbounded_stroke=2.0,
    unbounded_half_length=0.09,
    boundary_stroke=2.0,
    axes_font_size=14,
    axis_names=False,
)


def layer_panel(
    run: Run,
    motion: LayerMotion,
    layer: int,
    region: PlotRegion,
    theme: Theme,
    *,
    glyphs: bool = True,
    style: ViewStyle = SHEET_STYLE,
) -> list:
    """The mobjects of one layer's panel, back to front: the head's half-planes (last layer), the layer's
    ``LayerView`` (grid, glyphs, points, boundary, axes; framing the glyph sites too when glyphs show) and the
    title."""
    view = LayerView(
        run,
        theme=theme,
        region=region,
        motion=motion,
        style=style,
        show_boundary=layer < run.depth,
        time=float(layer),
        glyph_size=float(glyphs),
        fit_sites=float(glyphs),
    )
    view.clear_updaters()  # a still: drawn once, here
    parts = [half_planes(run, view.current_framing, theme)] if layer == run.depth else []
    title = panel_title(layer, run.depth, theme)
    if title.width > region.size[0]:  # never into the next panel's tick labels
        title.scale_to_fit_width(region.size[0])
    return [*parts, view, title.move_to((region.left, region.top + 0.13, 0), aligned_edge=DOWN + LEFT)]


def half_planes(run: Run, framing: Framing, theme: Theme) -> DecisionHalfPlanes:
    """The head's half-planes and line in ``framing``'s region. Built for the same region centred at the
    origin, then moved: ``DecisionHalfPlanes`` draws its line a region diagonal either side of the line's point
    nearest the scene origin, which for a panel far from the origin can stop short of the panel's edge."""
    r = framing.region
    centred = PlotRegion(left=-r.size[0] / 2, right=r.size[0] / 2, bottom=-r.size[1] / 2, top=r.size[1] / 2)
    centred_framing = Framing(centred, framing.centre, framing.zoom)
    planes = DecisionHalfPlanes(run.head_weight, float(run.head_bias), centred_framing, theme)
    return planes.shift(np.append(r.centre, 0.0))


def panel_title(layer: int, depth: int, theme: Theme) -> VGroup:
    """ "Layer l" in the text colour, with "input" / "last · head's line" in the muted colour."""
    title = VGroup(line_label(f"Layer {layer}", theme, font_size=21, bold=True))
    note = "input" if layer == 0 else ("last \u00b7 head's line" if layer == depth else None)
    if note:
        title.add(line_label(note, theme, font_size=17, color=theme.muted))
        title.arrange(RIGHT, buff=0.16, aligned_edge=DOWN)
    return title


def sheet_header(run: Run, theme: Theme, *, max_width: float, glyphs: bool = True) -> VGroup:
    """The run's name over its scheme, activation, depth, dt and accuracy, and the legend: to the right when it
    fits, else below. On narrow sheets the facts and the legend go over two lines; whatever is still wider than
    ``max_width`` is scaled down."""
    m = run.meta["model"]
    step = "" if run.is_custom else f"dt {m['dt']:g}  \u00b7  "
    facts = [f"{network_in_words(run)}  \u00b7  {m['depth']} layers of width 2", f"{step}{accuracy_in_words(run)}"]
    details = label("  \u00b7  ".join(facts), theme, font_size=19, color=theme.muted)
    if details.width > max_width:
        details = VGroup(*[label(line, theme, font_size=19, color=theme.muted) for line in facts])
        details.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
    names = VGroup(label(run.title, theme, font_size=30, bold=True), details)
    names.arrange(DOWN, aligned_edge=LEFT, buff=0.14)
    # Whether a panel dashes a glyph depends on the panel's shape only (glyph sizes and the cap both scale with
    # it): ask a square view.
    dashed = (
        glyphs
        and LayerView(
            run, theme=theme, region=PlotRegion(0.0, 1.0, 0.0, 1.0), style=SHEET_STYLE, show_axes=False
        ).draws_dashes()
    )
    legend = sheet_legend(
        theme,
        glyphs=glyphs,
        dashed=dashed,
        unbounded=glyphs and bool(unbounded_sites(run).any()),
        boundary=run.boundary is not None,
        classes=run.class_names,
    )
    if names.width + 0.8 + legend.width <= max_width:
        legend.next_to(names, RIGHT, buff=0.0).align_to(names, DOWN)
        legend.shift((max_width - names.width - legend.width) * RIGHT)
    else:
        if legend.width > max_width:
            half = math.ceil(len(legend) / 2)
            legend = VGroup(
                VGroup(*legend[:half]).arrange(RIGHT, buff=0.4), VGroup(*legend[half:]).arrange(RIGHT, buff=0.4)
            )
            legend.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        legend.next_to(names, DOWN, aligned_edge=LEFT, buff=0.2)
    header = VGroup(names, legend)
    if header.width > max_width:
        header.scale_to_fit_width(max_width)
    return header


def sheet_legend(
    theme: Theme,
    *,
    glyphs: bool,
    dashed: bool,
    unbounded: bool,
    boundary: bool,
    classes: tuple[str, str] = ("class 0", "class 1"),
) -> VGroup:
    """One row: a disc per class, the metric glyph (and dashed glyphs, and the mark of unbounded sites, where
    the panels draw them), the decision boundary (in every layer, for Runs that store it) or the head's line
    (the last layer only)."""
    entries = [key_row(class_sample(colour), name, theme) for colour, name in zip(theme.classes, classes)]
    if glyphs:
        entries.append(key_row(glyph_sample(theme.glyph), "metric", theme))
    if dashed:
        entries.append(key_row(glyph_sample(theme.glyph, dashed=True), DASHED_WORDS, theme))
    if unbounded:
        entries.append(
            key_row(
                unbounded_sample(theme, stroke_width=SHEET_STYLE.unbounded_stroke, half_length=0.11),
                UNBOUNDED_WORDS,
                theme,
            )
        )
    entries.append(key_row(line_sample(theme.boundary), "decision boundary" if boundary else "head's line", theme))
    return VGroup(*entries).arrange(RIGHT, buff=0.4)


def save_sheet(
    run: Run,
    path: str | Path,
    *,
    theme: Theme | str | None = None,
    columns: int | None = None,
    width: int = 2400,
    glyphs: bool = True,
) -> Path:
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
    atomic_write(
        path,
        lambda handle: image.save(handle, format=image_format, **({"quality": 92} if image_format == "JPEG" else {})),
    )
    return path
