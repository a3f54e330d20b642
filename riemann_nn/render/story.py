"""``PanelCaptions``: the side panel's captions for scenes told in beats (as in scenes/transform.py)."""

from __future__ import annotations

import numpy as np
from manim import FadeIn, FadeOut, smooth

from .scene_support import caption
from .theme import Theme

PANEL_LEFT = 2.95  # the side panel's left edge; the plot region ends at 2.35


class PanelCaptions:
    """Mix into a ``Scene``: ``caption_to`` swaps the beat's caption inside an animation, and ``play`` keeps
    the caption at the back afterwards, where static mobjects are drawn once per animation, not per frame."""

    caption = None
    caption_anchor = (PANEL_LEFT, 0.6)  # the caption's top-left corner

    def play(self, *animations, **kwargs):
        super().play(*animations, **kwargs)
        if self.caption is not None:
            self.bring_to_back(self.caption)

    def caption_to(self, text: str, theme: Theme, *, run_time: float, font_size: float = 22) -> list:
        """Animations replacing the caption within an animation of ``run_time``: the old one fades out in the
        first 0.3 s, then the new one fades in, so the two never overlap."""
        new = caption(text, theme, font_size=font_size).move_to([*self.caption_anchor, 0], aligned_edge=[-1, 1, 0])
        out_end = min(0.3 / run_time, 0.4)
        in_end = min(0.8 / run_time, 1.0)
        fade_in = FadeIn(new, rate_func=lambda t: smooth(np.clip((t - out_end) / (in_end - out_end), 0, 1)))
        animations = [fade_in]
        if self.caption is not None:
            animations.append(FadeOut(self.caption, rate_func=lambda t: smooth(min(t / out_end, 1.0))))
        self.caption = new
        return animations
