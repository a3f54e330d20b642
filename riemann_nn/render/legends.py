"""Legends: what the marks mean, in words a student understands.

``key_row`` pairs a sample mark with its words (``class_sample``, ``glyph_sample``, ``glyph_samples`` for glyphs of
many colours, ``unbounded_sample``, ``line_sample``); ``ColourBar`` is a log-scale colour bar and ``PositionKey`` a
key of the input-position colours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from manim import RIGHT, VGroup, VMobject

from .colour import LogColourScale, Theme
from .framing import nice_step
from .marks import EllipseField, GlyphPalette, PointCloud, UnboundedMarks, segments_to_bezier, with_z
from .text import formula, label, line_label

__all__ = [
    "DASHED_WORDS",
    "UNBOUNDED_WORDS",
    "ColourBar",
    "PositionKey",
    "cell_sample",
    "class_sample",
    "format_magnitude",
    "glyph_sample",
    "glyph_samples",
    "key_row",
    "line_sample",
    "log_ticks",
    "ordinal",
    "readable_labels",
    "unbounded_sample",
]

UNBOUNDED_WORDS = "unbounded: the layer collapses here"
DASHED_WORDS = "dashed: larger than drawn"
MATHS_SCALE = 1.45  # typeset maths in a row is set this much larger than its words, to look the same size


def key_row(
    mark: VMobject, text: str, theme: Theme, *, font_size: float = 17, maths: tuple[str, str] | None = None
) -> VGroup:
    """A sample mark and its words on one baseline, in the muted colour; ``maths`` (LaTeX, plain text) is typeset
    after the words."""
    row = VGroup(mark, line_label(text, theme, font_size=font_size, color=theme.muted))
    if maths:
        row.add(formula(*maths, theme, color=theme.muted, font_size=MATHS_SCALE * font_size))
    return row.arrange(RIGHT, buff=0.12)


def class_sample(colour: str, *, radius: float = 0.065) -> PointCloud:
    """One data point of a class colour."""
    return PointCloud(color=colour, radius=radius).set_positions(np.zeros((1, 2)))


def glyph_sample(colour: str, *, stroke_width: float = 1.6, size: float = 1.0, dashed: bool = False) -> EllipseField:
    """A small metric glyph (an ellipse, long axis across); ``dashed`` as a glyph larger than drawn."""
    return EllipseField(color=colour, stroke_width=stroke_width).set_glyphs(
        np.zeros((1, 2)), size * np.diag([0.13, 0.075])[None], duty=np.array([0.5 if dashed else 1.0])
    )


def glyph_samples(
    colours: Sequence[str],
    *,
    stroke_width: float = 1.6,
    size: float = 0.6,
    dashed: bool = False,
    fill_opacity: float = 0.0,
    gap: float = 0.02,
) -> GlyphPalette:
    """Small metric glyphs in a zigzag cluster, one in each of ``colours`` (each as ``glyph_sample``, ``size`` times
    as large), ``gap`` apart: the sample of a field whose glyphs each take the colour of their site. As narrow as
    two glyphs side by side, so that the row's words keep their size."""
    major, minor = size * 0.13, size * 0.075  # semi-axes
    k = np.arange(len(colours))
    centres = np.column_stack([k * (major + gap / 2), (k % 2) * (2 * minor + gap)])  # (K, 2): up, down, up, ...
    maps = np.tile(np.diag([major, minor]), (len(colours), 1, 1))  # (K, 2, 2)
    duty = np.full(len(colours), 0.5 if dashed else 1.0)
    palette = GlyphPalette(colours, stroke_width=stroke_width, fill_opacity=fill_opacity)
    return palette.set_glyphs(centres, maps, k, duty=duty)


def unbounded_sample(theme: Theme, *, stroke_width: float = 2.2, half_length: float = 0.13) -> UnboundedMarks:
    """The mark of an unbounded site, lying across."""
    return UnboundedMarks(color=theme.unbounded, stroke_width=stroke_width).set_marks(
        np.zeros((1, 2)), np.array([[1.0, 0.0]]), half_length=half_length
    )


def cell_sample(
    colour: str,
    *,
    outline: str | None = None,
    stroke_width: float = 1.0,
    outline_opacity: float = 0.6,
    size: float = 0.1,
) -> GlyphPalette:
    """A small filled cell, a little sheared (cells are carried by a map), with an ``outline`` if given: a
    volume cell, or a folded one."""
    cell = GlyphPalette([colour], shape="square", stroke_width=0, fill_opacity=1.0)
    cell.set_glyphs(np.zeros((1, 2)), size * np.array([[[1.0, 0.35], [0.0, 0.9]]]), np.zeros(1, int))
    if outline is not None:
        cell.set_stroke(outline, width=stroke_width, opacity=outline_opacity)
    return cell


def line_sample(colour: str, *, stroke_width: float = 3.0, length: float = 0.3) -> VMobject:
    """A short horizontal stroke: the decision boundary, a level set."""
    line = VMobject(stroke_color=colour, stroke_width=stroke_width)
    return line.set_points(segments_to_bezier(np.array([[0.0, 0.0]]), np.array([[length, 0.0]])))


_SUPERSCRIPTS = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def log_ticks(low: float, high: float, *, most: int = 7) -> np.ndarray:
    """``log10`` of round values inside ``[low, high]``: powers of ten, else 1-3, 1-2-5 or 1-1.5-2-3-5-7 per
    decade (the coarsest giving at least four, thinned to at most ``most``), else evenly spaced round values
    for a range of less than a decade."""
    decades = range(math.floor(low) - 1, math.ceil(high) + 1)
    for mantissas in ((1.0,), (1.0, 3.0), (1.0, 2.0, 5.0), (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)):
        values = np.log10(sorted(m * 10.0**k for k in decades for m in mantissas))
        inside = values[(values >= low - 1e-9) & (values <= high + 1e-9)]
        if len(inside) >= 4:
            return inside[:: math.ceil(len(inside) / most)]
    start, end = 10.0**low, 10.0**high
    step = nice_step(end - start, target=6)
    values = step * np.arange(math.ceil(start / step - 1e-9), math.floor(end / step + 1e-9) + 1)
    return np.log10(values[values > 0])


def format_magnitude(log_value: float) -> str:
    """A tick label for ``10 ** log_value``: plain for 0.001 .. 1000, else a power of ten."""
    value = 10.0**log_value
    if 1e-3 <= value < 1e4 - 0.5:
        return f"{float(f'{value:.2g}'):g}"
    exponent = round(log_value)
    if abs(log_value - exponent) < 1e-6:
        return "10" + str(exponent).translate(_SUPERSCRIPTS)
    return f"{value:.0e}"


def ordinal(number: float) -> str:
    """2 -> "2nd", 98 -> "98th", 2.5 -> "2.5th"."""
    text = f"{number:g}"
    if not float(number).is_integer() or 10 <= int(number) % 100 <= 13:
        return text + "th"
    return text + {1: "st", 2: "nd", 3: "rd"}.get(int(number) % 10, "th")


def readable_labels(
    values: np.ndarray, positions: np.ndarray, widths: Sequence[float], *, gap: float = 0.12
) -> list[int]:
    """Which of the tick labels (centred at ``positions``, ``widths`` wide) to write so that none touch: every
    ``k``-th, for the smallest ``k`` leaving ``gap`` between neighbours, counted from the tick nearest the value
    ``log10 = 0`` (a factor of 1), which is always written."""
    width = np.asarray(widths, float)  # (T,)
    anchor = int(np.argmin(np.abs(np.asarray(values, float))))
    for step in range(1, len(values) + 1):
        kept = np.arange(anchor % step, len(values), step)  # (K,)
        room = np.diff(positions[kept]) - (width[kept][:-1] + width[kept][1:]) / 2  # (K-1,)
        if (room >= gap).all():
            return kept.tolist()
    return [anchor]


class ColourBar(VGroup):
    """A horizontal colour bar of a ``LogColourScale``: positions linear in ``log10``, one rectangle per colour
    bin, tick labels at round values, and an arrow-head cap at each end that was clipped.

    Parameters
    ----------
    scale : the scale; its bins as ``GlyphPalette`` colours them.
    theme : colours.
    count : number of colour bins.
    title : the line above the bar.
    width, height : of the bar (scene units), caps not included.
    ends : the words under the bar's two ends.
    clip_note : say under the bar which percentiles the clipped ends are at.
    """

    def __init__(
        self,
        scale: LogColourScale,
        theme: Theme,
        *,
        count: int,
        title: str,
        width: float = 3.4,
        height: float = 0.22,
        font_size: float = 17,
        ends: tuple[str, str] = ("squeezed", "stretched"),
        clip_note: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.log_scale, self.width_units = scale, width
        em = font_size / 17  # the rows under the bar are spaced for the default size
        colours = scale.colours(theme, count)
        edges = self.position(scale.value_at(np.arange(count + 1) / count))  # (K+1,)
        centres = np.column_stack([(edges[:-1] + edges[1:]) / 2, np.zeros(count)])  # (K, 2)
        maps = np.zeros((count, 2, 2))
        maps[:, 0, 0], maps[:, 1, 1] = (edges[1:] - edges[:-1]) / 2 + 0.004, height / 2  # overlap a hair: no seams
        self.bar = GlyphPalette(colours, shape="square", stroke_width=0, fill_opacity=1.0)
        self.bar.set_glyphs(centres, maps, np.arange(count))
        self.caps = VGroup()
        for clipped, end, direction, colour in (
            (scale.clipped_low, 0.0, -1.0, colours[0]),
            (scale.clipped_high, width, 1.0, colours[-1]),
        ):
            if clipped:
                tip = [[end, height / 2], [end + direction * 0.8 * height, 0.0], [end, -height / 2]]
                cap = VMobject(fill_color=colour, fill_opacity=1.0, stroke_width=0)
                cap.set_points_as_corners(with_z(np.array(tip + tip[:1])))
                self.caps.add(cap)
        ticks = log_ticks(scale.low, scale.high)
        x = self.position(ticks)  # (T,)
        self.ticks = VMobject(stroke_color=theme.muted, stroke_width=1.5)
        self.ticks.set_points(
            segments_to_bezier(
                np.column_stack([x, np.full_like(x, -height / 2)]),
                np.column_stack([x, np.full_like(x, -height / 2 - 0.08)]),
            )
        )
        labels = [
            label(format_magnitude(v), theme, font_size=font_size, color=theme.muted).move_to(
                (p, -height / 2 - 0.24 * em, 0)
            )
            for v, p in zip(ticks, x)
        ]
        self.tick_labels = VGroup(*[labels[k] for k in readable_labels(ticks, x, [m.width for m in labels])])
        self.title = label(title, theme, font_size=font_size + 1, color=theme.text)
        self.title.move_to((0, height / 2 + 0.2, 0), aligned_edge=(-1, -1, 0))
        below = -height / 2 - 0.58 * em
        words = VGroup(
            label(ends[0], theme, font_size=font_size, color=theme.muted),
            label(ends[1], theme, font_size=font_size, color=theme.muted),
        )
        words[0].move_to((0, below, 0), aligned_edge=(-1, 1, 0))
        words[1].move_to((width, below, 0), aligned_edge=(1, 1, 0))
        self.add(self.title, self.bar, self.caps, self.ticks, self.tick_labels, words)
        if len(self.caps) and clip_note:
            at = "at the {} and\n{} percentiles".format(*map(ordinal, scale.percentiles)) if scale.percentiles else ""
            note = label(f"\u25c2 \u25b8  ends clipped {at}", theme, font_size=font_size - 2, color=theme.muted)
            self.add(note.move_to((0, -height / 2 - 0.95 * em, 0), aligned_edge=(-1, 1, 0)))

    def position(self, log_values: np.ndarray) -> np.ndarray:
        """Where ``log10`` values lie along the bar, from 0 at ``low`` to ``width`` at ``high`` of the scale."""
        low, high = self.log_scale.low, self.log_scale.high
        return (np.asarray(log_values, float) - low) / (high - low) * self.width_units


class PositionKey(VGroup):
    """A small mosaic of the input-position colours with a caption: glyph colour = where its site lies."""

    def __init__(
        self,
        colours: list[str],
        theme: Theme,
        *,
        per_side: int,
        side: float = 0.75,
        text: str = "glyph colour:\nwhere its site\nlies in the input",
        font_size: float = 17,
        **kwargs,
    ):
        super().__init__(**kwargs)
        step = side / per_side
        centre = (np.arange(per_side) + 0.5) * step - side / 2  # (P,)
        gx, gy = np.meshgrid(centre, centre, indexing="xy")
        mosaic = GlyphPalette(colours, shape="square", stroke_width=0, fill_opacity=1.0)
        tiles = np.tile(np.eye(2) * step * 0.46, (per_side**2, 1, 1))  # (P^2, 2, 2): small gaps between tiles
        mosaic.set_glyphs(np.column_stack([gx.ravel(), gy.ravel()]), tiles, np.arange(per_side**2))
        words = label(text, theme, font_size=font_size, color=theme.muted)
        self.add(mosaic, words.next_to(mosaic, (1, 0, 0), buff=0.2))
