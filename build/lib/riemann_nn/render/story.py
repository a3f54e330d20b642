"""``PanelCaptions``: captions for scenes told in beats, swapped inside animations without overlapping."""

from __future__ import annotations

from typing import Callable

import numpy as np
from manim import FadeIn, FadeOut, Mobject, smooth

from .scene_support import caption
from .theme import Theme

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
