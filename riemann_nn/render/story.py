"""The story side of a scene: which Run it shows, and ``PanelCaptions``, captions swapped inside animations
without overlapping."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np
from manim import FadeIn, FadeOut, Mobject, smooth

from ..errors import RiemannNNError
from ..interpolate import DEFAULT_METHOD
from ..run import Run
from .colour import Theme
from .text import caption

__all__ = ["DEFAULT_PRESET", "PANEL_LEFT", "PanelCaptions", "crossfade", "scene_path_method", "scene_run", "window"]

DEFAULT_PRESET = "seed-c2-sigmoid"


def scene_run(default_preset: str = DEFAULT_PRESET, *, geometry: dict | None = None) -> Run:
    """The Run a scene shows: ``$RIEMANN_NN_RUN`` (a Run file), else ``$RIEMANN_NN_PRESET``, else the default
    preset, trained and cached under ``media/runs/`` on first use.

    ``geometry`` overrides fields of the preset's geometry section (e.g. ``{"sites_per_side": 20}``); the
    changed configuration is cached under its own key. A Run file is shown as it is.
    A bad file or an unknown preset ends the render with one clear line (``SystemExit``).
    """
    from ..cache import load_or_train
    from ..presets import get_preset
    from ..run import load_run

    try:
        run_file = os.environ.get("RIEMANN_NN_RUN")
        if run_file:
            return load_run(Path(run_file))
        config = get_preset(os.environ.get("RIEMANN_NN_PRESET") or default_preset)
        return load_or_train(config.replace(geometry=geometry) if geometry else config)
    except RiemannNNError as error:
        raise SystemExit(f"riemann-nn: {error}") from None


def scene_path_method(run: Run) -> str:
    """The layer path: ``$RIEMANN_NN_PATH`` (straight, spline, staged) or the scheme's default."""
    return os.environ.get("RIEMANN_NN_PATH") or DEFAULT_METHOD[run.scheme]


PANEL_LEFT = 2.95  # the side panel's left edge; the plot region ends at 2.35


def window(start: float, end: float) -> Callable[[float], float]:
    """A rate function that rises smoothly from 0 to 1 between ``start`` and ``end`` of an animation."""
    return lambda t: smooth(float(np.clip((t - start) / max(end - start, 1e-9), 0.0, 1.0)))


def crossfade(old: Mobject | None, new: Mobject, *, run_time: float) -> list:
    """Animations replacing ``old`` (or nothing) by ``new`` in the same place within an animation of
    ``run_time``: the old one fades out in the first 0.3 s, then the new one fades in, so they never overlap."""
    out_end = min(0.3 / run_time, 0.4)
    in_end = min(0.8 / run_time, 1.0)
    animations = [FadeIn(new, rate_func=window(out_end, in_end))]
    if old is not None:
        animations.append(FadeOut(old, rate_func=window(0.0, out_end)))
    return animations


class PanelCaptions:
    """Mix into a ``Scene`` (before it): ``caption_to`` swaps the beat's caption inside an animation, and
    ``play`` keeps the caption and other static mobjects at the back afterwards, where Manim draws them once
    per animation instead of once per frame.

    Class attributes place the caption: ``caption_anchor`` (x, y) is where its ``caption_edge`` goes
    (default: the top-left corner under the side panel's layer counter).
    """

    caption = None
    caption_anchor = (PANEL_LEFT, 0.6)
    caption_edge = (-1, 1, 0)
    caption_font_size = 22

    def panel_mobjects(self) -> list:
        """Mobjects to keep behind the moving ones after every ``play``."""
        return [self.caption] if self.caption is not None else []

    def play(self, *animations, **kwargs):
        super().play(*animations, **kwargs)
        static = [mobject for mobject in self.panel_mobjects() if mobject in self.mobjects]
        if static:
            self.bring_to_back(*static)

    def caption_to(self, text: str, theme: Theme, *, run_time: float) -> list:
        """Animations replacing the caption within an animation of ``run_time`` (see ``crossfade``)."""
        new = caption(text, theme, font_size=self.caption_font_size)
        new.move_to([*self.caption_anchor, 0], aligned_edge=np.array(self.caption_edge, float))
        old, self.caption = self.caption, new
        return crossfade(old, new, run_time=run_time)
