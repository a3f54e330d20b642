"""Colour themes: ``dark`` (default, for projectors) and ``light`` (bright rooms, print).

Chosen once for all scenes and stills with ``RIEMANN_NN_THEME=dark|light``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import ConfigError


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


THEMES = {
    "dark": Theme(
        name="dark", background="#10141B", text="#E8EAED", muted="#8A94A6",
        classes=("#F5A742", "#4FA8E8"), grid="#6C7A91", grid_opacity=0.55,
        glyph="#7EE0A8", boundary="#F2F2F2", half_plane_opacity=0.14,
    ),
    "light": Theme(
        name="light", background="#FBFAF6", text="#1B1F27", muted="#5E6677",
        classes=("#D27611", "#1F69B0"), grid="#8C97A8", grid_opacity=0.6,
        glyph="#1E8A4F", boundary="#1B1F27", half_plane_opacity=0.12,
    ),
}


def current_theme(name: str | None = None) -> Theme:
    """The theme called ``name``, else ``$RIEMANN_NN_THEME``, else dark."""
    name = name or os.environ.get("RIEMANN_NN_THEME", "dark")
    if name not in THEMES:
        raise ConfigError(f"unknown theme {name!r}; choose one of: {', '.join(THEMES)}")
    return THEMES[name]
