"""Colour themes: ``dark`` (default, for projectors) and ``light`` (bright rooms, print).

Chosen once for all scenes and stills with ``RIEMANN_NN_THEME=dark|light``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from manim import Mobject, Text, VMobject

from ..errors import ConfigError

FONT = "DejaVu Sans"  # ships with Debian's fontconfig; a clean sans reads well on projectors


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
    half_plane_opacity: float
    clipped_glyph: str  # glyphs whose axes were clipped at max_axis (collapsed or exploding metric)


THEMES = {
    "dark": Theme(
        name="dark", background="#10141B", text="#E8EAED", muted="#8A94A6",
        classes=("#F5A742", "#4FA8E8"), grid="#6C7A91", grid_opacity=0.55,
        glyph="#7EE0A8", boundary="#F2F2F2", half_plane_opacity=0.14, clipped_glyph="#E0506A",
    ),
    "light": Theme(
        name="light", background="#FBFAF6", text="#1B1F27", muted="#5E6677",
        # Checked against deuteranopia/protanopia simulations: the glyphs (teal, light) and the clipped glyphs
        # (deep red, dark) differ in lightness, not only in hue; the orange is dark enough for 3.8:1 on paper.
        classes=("#C8650A", "#1F69B0"), grid="#8C97A8", grid_opacity=0.5,
        glyph="#23907A", boundary="#1B1F27", half_plane_opacity=0.12, clipped_glyph="#8A1818",
    ),
}


def current_theme(name: str | None = None) -> Theme:
    """The theme called ``name``, else ``$RIEMANN_NN_THEME``, else dark."""
    name = name or os.environ.get("RIEMANN_NN_THEME", "dark")
    if name not in THEMES:
        raise ConfigError(f"unknown theme {name!r}; choose one of: {', '.join(THEMES)}")
    return THEMES[name]


def label(content: str, theme: Theme, *, font_size: float = 24, color: str | None = None, bold: bool = False) -> VMobject:
    """Text in the house font and the theme's text colour (or ``color``), as one path (see ``as_one_path``)."""
    text = Text(content, font=FONT, font_size=font_size, weight="BOLD" if bold else "NORMAL", line_spacing=0.9)
    return as_one_path(text, color=color or theme.text)


def as_one_path(mobject: Mobject, *, color: str) -> VMobject:
    """A single-colour typeset mobject (``Text``, ``MathTex``) as one leaf ``VMobject`` holding every glyph
    outline as a sub-path: Cairo then sets up one path instead of one per character, and fades copy a plain
    point array instead of per-character SVG objects."""
    parts = [m.points for m in mobject.family_members_with_points()]
    flat = VMobject(fill_color=color, fill_opacity=1.0, stroke_width=0)
    flat.set_points(np.concatenate(parts) if parts else np.zeros((0, 3)))
    return flat
