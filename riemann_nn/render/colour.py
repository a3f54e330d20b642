"""Colour: the themes (``dark`` for projectors, ``light`` for bright rooms and print) and the colour maps.

The theme is chosen once for all scenes and stills with ``RIEMANN_NN_THEME=dark|light``. Colour maps feed
``marks.GlyphPalette`` (one field of shapes per colour bin):

- ``position_colours``: a smooth 2-D map of where a site lies in the input (hue from left to right, lightness
  from bottom to top), so the eye can follow each glyph through the layers;
- ``LogColourScale``: a diverging map of ``log10`` values (the volume element), neutral at 1, purple for
  squeezed areas and green for stretched ones, ends clipped at robust percentiles.

Colours are mixed in OKLab (perceptually even steps) and chosen per theme.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

__all__ = [
    "THEMES",
    "LogColourScale",
    "Theme",
    "current_theme",
    "diverging_colours",
    "from_hex",
    "oklab_to_srgb",
    "oklch",
    "position_bins",
    "position_colours",
    "srgb_to_oklab",
    "to_hex",
]


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    text: str
    muted: str  # secondary text, axes and ticks
    classes: tuple[str, str]  # class 0, class 1
    grid: str
    grid_opacity: float
    glyph: str
    boundary: str
    boundary_word: str  # the decision boundary's colour in a caption ("the white curve")
    half_plane_opacity: float
    unbounded: str  # marks of sites where the metric is unbounded (a collapsed layer)


THEMES = {
    "dark": Theme(
        name="dark",
        background="#10141B",
        text="#E8EAED",
        muted="#8A94A6",
        classes=("#F5A742", "#4FA8E8"),
        grid="#6C7A91",
        grid_opacity=0.55,
        glyph="#7EE0A8",
        boundary="#F2F2F2",
        boundary_word="white",
        half_plane_opacity=0.14,
        unbounded="#E0506A",
    ),
    "light": Theme(
        name="light",
        background="#FBFAF6",
        text="#1B1F27",
        muted="#5E6677",
        # Checked against deuteranopia/protanopia simulations: the glyphs (teal, light) and the unbounded marks
        # (deep red, dark, heavier arrows) differ in lightness and stroke, not only in hue; the orange is dark
        # enough for 3.8:1 on paper; the grid is dark enough to survive a washed-out projector.
        classes=("#C8650A", "#1F69B0"),
        grid="#6E7A8E",
        grid_opacity=0.55,
        glyph="#23907A",
        boundary="#1B1F27",
        boundary_word="black",
        half_plane_opacity=0.12,
        unbounded="#8A1818",
    ),
}


def current_theme(name: str | None = None) -> Theme:
    """The theme called ``name``, else ``$RIEMANN_NN_THEME``, else dark."""
    name = name or os.environ.get("RIEMANN_NN_THEME", "dark")
    if name not in THEMES:
        raise ConfigError(f"unknown theme {name!r}; choose one of: {', '.join(THEMES)}")
    return THEMES[name]


# -- OKLab (Björn Ottosson, 2020) ------------------------------------------------------------------------
_LMS_TO_LAB = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ]
)
_RGB_TO_LMS = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ]
)


def _to_linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _to_srgb(linear: np.ndarray) -> np.ndarray:
    linear = np.clip(linear, 0.0, 1.0)
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def srgb_to_oklab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] (..., 3) -> OKLab (..., 3)."""
    lms = _to_linear(np.asarray(rgb, float)) @ _RGB_TO_LMS.T
    return np.cbrt(lms) @ _LMS_TO_LAB.T


def oklab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """OKLab (..., 3) -> sRGB in [0, 1] (..., 3), clipped to the gamut."""
    lms = (np.asarray(lab, float) @ np.linalg.inv(_LMS_TO_LAB).T) ** 3
    return _to_srgb(lms @ np.linalg.inv(_RGB_TO_LMS).T)


def oklch(lightness, chroma, hue_degrees) -> np.ndarray:
    """OKLab from lightness, chroma and hue (broadcast together): (..., 3)."""
    h = np.radians(np.asarray(hue_degrees, float))
    lightness, chroma, h = np.broadcast_arrays(np.asarray(lightness, float), np.asarray(chroma, float), h)
    return np.stack([lightness, chroma * np.cos(h), chroma * np.sin(h)], axis=-1)


def to_hex(rgb: np.ndarray) -> list[str]:
    """sRGB in [0, 1] (K, 3) -> ["#RRGGBB", ...]."""
    return ["#" + "".join(f"{round(255 * float(c)):02X}" for c in row) for row in np.atleast_2d(rgb)]


def from_hex(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0


# -- the input-position map ------------------------------------------------------------------------------
# Hue runs left to right from yellow through green, teal and blue to violet (no red: it marks clipped
# glyphs); lightness runs bottom to top, darker-to-lighter on the dark theme, within a band readable on
# each background. Chroma stays moderate: calm on a projector.
POSITION_HUES = (100.0, 320.0)
POSITION_LIGHTNESS = {"dark": (0.64, 0.90), "light": (0.38, 0.64)}
POSITION_CHROMA = 0.12


def position_colours(theme: Theme, per_side: int) -> list[str]:
    """``per_side ** 2`` colours of a 2-D map over the input; bin ``row * per_side + column`` (row 0 at the
    bottom, column 0 at the left), as ``position_bins`` numbers them."""
    centre = (np.arange(per_side) + 0.5) / per_side  # (P,)
    u, v = np.meshgrid(centre, centre, indexing="xy")  # (P, P): u along x (columns), v along y (rows)
    low, high = POSITION_LIGHTNESS[theme.name]
    lab = oklch(low + v * (high - low), POSITION_CHROMA, POSITION_HUES[0] + u * np.diff(POSITION_HUES)[0])
    return to_hex(oklab_to_srgb(lab.reshape(-1, 3)))


def position_bins(points: np.ndarray, bounds: np.ndarray, per_side: int) -> np.ndarray:
    """The position bin of each input point (M, 2) in ``bounds`` [[xmin, ymin], [xmax, ymax]]: (M,) int in
    ``[0, per_side ** 2)``; points on or beyond an edge go to the edge's bin."""
    fraction = (np.asarray(points, float) - bounds[0]) / np.maximum(bounds[1] - bounds[0], 1e-300)  # (M, 2)
    cell = np.clip(np.floor(fraction * per_side).astype(int), 0, per_side - 1)  # (M, 2)
    return cell[:, 1] * per_side + cell[:, 0]


# -- the diverging log scale ------------------------------------------------------------------------------
# (lightness, chroma, hue) of the squeezed end (purple), the neutral middle (a value of 1) and the stretched end
# (green), as in ColorBrewer's PRGn: clear of the class colours (orange, blue) and of the red of clipped glyphs.
# The ends stand out from the background more than the middle does: lighter on dark, darker on light.
DIVERGING = {
    "dark": ((0.70, 0.15, 310.0), (0.40, 0.012, 260.0), (0.82, 0.16, 135.0)),
    "light": ((0.50, 0.16, 310.0), (0.90, 0.008, 260.0), (0.56, 0.15, 135.0)),
}


def diverging_colours(theme: Theme, u: np.ndarray) -> list[str]:
    """Colours at positions ``u`` (K,) in [0, 1] of the diverging map: 0 squeezed end, 0.5 neutral, 1 stretched
    end, mixed linearly in OKLab on each side."""
    squeezed, neutral, stretched = (oklch(*stop) for stop in DIVERGING[theme.name])
    u = np.clip(np.asarray(u, float), 0.0, 1.0)[:, None]  # (K, 1)
    low_side = neutral + (1 - 2 * u) * (squeezed - neutral)
    high_side = neutral + (2 * u - 1) * (stretched - neutral)
    return to_hex(oklab_to_srgb(np.where(u < 0.5, low_side, high_side)))


@dataclass(frozen=True)
class LogColourScale:
    """A diverging colour scale of ``log10`` values from ``low`` (<= 0) to ``high`` (>= 0), neutral at 0.

    Each side is scaled to its own end (two slopes), so the neutral colour always means "unchanged". Values
    beyond an end get the end's colour; ``clipped_low`` / ``clipped_high`` say whether any value of the data
    the scale was made from lay beyond that end, ``percentiles`` which percentiles of it set the ends.
    """

    low: float
    high: float
    clipped_low: bool = False
    clipped_high: bool = False
    percentiles: tuple[float, float] | None = None

    @classmethod
    def robust(
        cls,
        values: np.ndarray,
        *,
        exclude: np.ndarray | None = None,
        percentiles: tuple[float, float] = (2.0, 98.0),
        min_half_span: float = 0.1,
    ) -> LogColourScale:
        """The scale spanning the ``percentiles`` of ``values`` (any shape; ``exclude``: a mask of values to
        ignore, e.g. collapsed charts), widened to contain 0 and at least ``min_half_span`` on each side."""
        kept = np.asarray(values, float)[~exclude] if exclude is not None else np.asarray(values, float).ravel()
        kept = kept[np.isfinite(kept)]
        if not kept.size:
            return cls(-min_half_span, min_half_span)
        low, high = np.percentile(kept, percentiles)
        low, high = min(float(low), -min_half_span), max(float(high), min_half_span)
        everything = np.asarray(values, float)
        return cls(
            low,
            high,
            bool((everything < low).any()),
            bool((everything > high).any()),
            (float(percentiles[0]), float(percentiles[1])),
        )

    def normalise(self, values: np.ndarray) -> np.ndarray:
        """``log10`` values (...) -> positions in [0, 1]: ``low`` -> 0, 0 -> 0.5, ``high`` -> 1, clipped beyond."""
        values = np.asarray(values, float)
        u = np.where(values < 0, 0.5 - 0.5 * values / self.low, 0.5 + 0.5 * values / self.high)
        return np.clip(u, 0.0, 1.0)

    def value_at(self, u: np.ndarray) -> np.ndarray:
        """The inverse of ``normalise`` on [0, 1]."""
        u = np.asarray(u, float)
        return np.where(u < 0.5, (1 - 2 * u) * self.low, (2 * u - 1) * self.high)

    def bins(self, values: np.ndarray, count: int) -> np.ndarray:
        """The colour bin (0 .. count-1) of each value: equal steps of ``normalise``. With an odd ``count`` the
        middle bin holds 0, so unchanged areas get exactly the neutral colour."""
        return np.minimum((self.normalise(values) * count).astype(int), count - 1)

    def colours(self, theme: Theme, count: int) -> list[str]:
        """The ``count`` bins' colours, each taken at its bin's centre."""
        return diverging_colours(theme, (np.arange(count) + 0.5) / count)
