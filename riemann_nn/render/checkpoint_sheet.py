"""A still of training: the input plane at a few checkpoints of a Run, side by side (``riemann-nn sheet
--checkpoints``).

Each panel is the input layer as the sheet draws it (data, grid, metric glyphs, decision boundary), of the
network at one checkpoint (``export.run_at_checkpoint``); one glyph scale for all panels
(``export.input_glyph_scale``), so that glyphs of different moments compare. A panel's title gives its iteration
and the training accuracy there.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, VGroup, tempconfig
from PIL import Image

from ..checkpoints import Checkpoints
from ..errors import ConfigError
from ..export import input_glyph_scale, run_at_checkpoint
from ..outputs import atomic_write, check_output
from ..run import Run
from .colour import Theme, current_theme
from .framing import PlotRegion
from .sheet import FORMATS, SHEET_STYLE, SheetLayout, capture_frame, check_width, default_columns, sheet_header
from .text import line_label
from .views import LayerView

__all__ = ["DEFAULT_PANELS", "build_checkpoint_sheet", "checkpoint_positions", "save_checkpoint_sheet"]

DEFAULT_PANELS = 6


def checkpoint_positions(count: int, panels: int) -> list[int]:
    """``panels`` checkpoints of ``count``, evenly spread by index, the first and the last included (so, like the
    checkpoints, dense where training changes fast). ``ConfigError`` unless ``2 <= panels <= count``."""
    if isinstance(panels, bool) or not isinstance(panels, int) or not 2 <= panels <= count:
        raise ConfigError(
            f"--checkpoints takes from 2 to {count} panels (the run holds {count} checkpoints), got {panels!r}"
        )
    return [int(k) for k in np.rint(np.linspace(0, count - 1, panels)).astype(int)]


def _columns(panels: int, columns: int | None) -> int:
    columns = default_columns(panels) if columns is None else columns
    if isinstance(columns, bool) or not isinstance(columns, int) or not 1 <= columns <= panels:
        raise ConfigError(f"columns must be a whole number from 1 to {panels} (one per panel), got {columns!r}")
    return columns


def build_checkpoint_sheet(
    run: Run, *, theme: Theme, panels: int = DEFAULT_PANELS, columns: int | None = None, glyphs: bool = True
) -> tuple[SheetLayout, list]:
    """The layout and mobjects of the sheet: the run's header, then one panel per chosen checkpoint. Raises
    ``ConfigError`` for a run without checkpoints or a bad panel or column count."""
    checkpoints = Checkpoints.of_run(run)
    positions = checkpoint_positions(len(checkpoints), panels)
    columns = _columns(len(positions), columns)
    rows = math.ceil(len(positions) / columns)
    scale = input_glyph_scale(run, positions)
    layout = SheetLayout(columns=columns, rows=rows, header_height=0.0)
    with tempfile.TemporaryDirectory(prefix="riemann-nn-text-") as text_root, tempconfig({"media_dir": text_root}):
        header = sheet_header(run, theme, max_width=layout.frame_width - 2 * layout.margin, glyphs=glyphs)
        layout = SheetLayout(columns=columns, rows=rows, header_height=header.height + 0.3)
        header.move_to(
            (-layout.frame_width / 2 + layout.margin, layout.frame_height / 2 - layout.margin, 0),
            aligned_edge=UP + LEFT,
        )
        mobjects: list = [header]
        for index, position in enumerate(positions):
            mobjects.extend(_panel(run, checkpoints, position, scale, layout.region(index), theme, glyphs=glyphs))
    return layout, mobjects


def _panel(
    run: Run, checkpoints: Checkpoints, position: int, scale: float, region: PlotRegion, theme: Theme, *, glyphs: bool
) -> list:
    """The input plane of the network at checkpoint ``position``, and its title."""
    moment = run_at_checkpoint(run, position, scale=scale)
    view = LayerView(
        moment,
        theme=theme,
        region=region,
        style=SHEET_STYLE,
        time=0.0,
        glyph_size=float(glyphs),
        fit_sites=float(glyphs),
    )
    view.clear_updaters()  # a still: drawn once, here
    heading = VGroup(
        line_label(f"Iteration {int(checkpoints.iteration[position])}", theme, font_size=21, bold=True),
        line_label(f"accuracy {100 * checkpoints.accuracy[position]:.1f}%", theme, font_size=17, color=theme.muted),
    ).arrange(RIGHT, buff=0.16, aligned_edge=DOWN)
    if heading.width > region.size[0]:
        heading.scale_to_fit_width(region.size[0])
    return [view, heading.move_to((region.left, region.top + 0.13, 0), aligned_edge=DOWN + LEFT)]


def save_checkpoint_sheet(
    run: Run,
    path: str | Path,
    *,
    theme: Theme | str | None = None,
    panels: int = DEFAULT_PANELS,
    columns: int | None = None,
    width: int = 2400,
    glyphs: bool = True,
) -> Path:
    """Draw the input plane of ``run`` at ``panels`` of its checkpoints and write it to ``path`` (.png, .jpg)
    atomically. Everything is checked before drawing: ``ConfigError`` for a run without checkpoints, an unknown
    format or bad options, ``OutputError`` for a place that cannot be written; nothing is left behind on error."""
    path = Path(path)
    image_format = FORMATS.get(path.suffix.lower())
    if image_format is None:
        raise ConfigError(f"{path}: the sheet is written as {', '.join(FORMATS)}; choose a file name ending so")
    checkpoint_positions(len(Checkpoints.of_run(run)), panels)
    _columns(panels, columns)
    check_width(width)
    theme = theme if isinstance(theme, Theme) else current_theme(theme)
    check_output(path, create_parent=True)
    layout, mobjects = build_checkpoint_sheet(run, theme=theme, panels=panels, columns=columns, glyphs=glyphs)
    image: Image.Image = capture_frame(
        mobjects,
        width=width,
        height=layout.pixel_height(width),
        frame_width=layout.frame_width,
        background=theme.background,
    )
    atomic_write(
        path,
        lambda handle: image.save(handle, format=image_format, **({"quality": 92} if image_format == "JPEG" else {})),
    )
    return path
