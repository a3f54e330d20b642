"""``FreeStory``: a ``LayerStory`` whose stage the scene builds itself, for stories that are not one Run's layers
(a network while it trains, a sweep of depths). The verbs (``say``, ``read``, ``hold``, ``show``, ``hide``,
``present``, ``close``) and the captions, their reading times and subtitles are LayerStory's; the layer verbs
(``sweep``, ``half_planes``, ``grow_field``) are not for these stages.

A scene defines ``load_run()`` (the Run named in the header) and ``build_stage()``, which returns the view (a
``VGroup`` of the stage's parts, still ones first), the counter and the legend (a ``StoryLegend``). The title card
says ``question`` and the lines of ``card_lines()``; then the parts of the view become separate mobjects of the
scene, so that Manim draws the still ones once per animation instead of every frame.
"""

from __future__ import annotations

from manim import UP, FadeIn, FadeOut, Mobject, VGroup

from ..run import Run
from .colour import current_theme
from .story import DESIGN_LAYOUT, LayerStory, StoryLegend, Subtitled, run_header, run_in_words, window
from .subtitles import reading_seconds
from .text import title_block

__all__ = ["FreeStory"]


class FreeStory(LayerStory):
    """A story over a stage of the scene's own making (see the module)."""

    def load_run(self) -> Run:
        raise NotImplementedError

    def build_stage(self) -> tuple[VGroup, Mobject, StoryLegend]:
        raise NotImplementedError

    def make_header(self) -> VGroup:
        """The panel's top lines (LayerStory's ``run_header`` of ``self.run`` unless overridden)."""
        return run_header(self.run, self.theme)

    def card_lines(self) -> tuple[str, str]:
        """The title card's two lines under the question: the run in words, and facts."""
        accuracy = 100 * self.run.meta["training"]["accuracy"]
        return run_in_words(self.run), f"{self.run.name}  \u00b7  train accuracy {accuracy:.0f}%"

    def setup(self):
        Subtitled.setup(self)
        self.theme = current_theme()
        self.camera.background_color = self.theme.background  # type: ignore[union-attr]  # Cairo camera
        self.run = self.load_run()
        self.depth = self.run.depth
        self.layout = DESIGN_LAYOUT  # the stage is laid out for 16:9; captions and presented blocks follow it
        # The stage is the scene's own, not LayerStory's LayerView, counter and diagram (no verb here uses them).
        self.view, self.counter, self.legend = self.build_stage()  # type: ignore[assignment]
        self.header = self.make_header()
        self.diagram = VGroup()  # type: ignore[assignment]
        self.caption: Mobject | None = None
        self.caption_text = ""
        self.presented: Mobject | None = None
        self.read_until = 0.0

    def title_card(self, question: str | None = None) -> None:
        """As ``LayerStory.title_card``, with ``card_lines()`` under the question; then the stage is unpacked."""
        question = question or self.question or ""
        words, facts = self.card_lines()
        card = title_block(question, [words, facts], self.theme, width=self.layout.card_width)
        self.subtitles.open_cue(question, self.next_play(0.0))
        self.play(FadeIn(card, shift=0.15 * UP), run_time=0.8)
        self.hold(max(self.title_seconds - 0.8 - 0.4, reading_seconds(question)))
        stage = [self.header, self.counter, self.legend.data, self.view]
        self.subtitles.close_cue(self.next_play(0.35))
        self.play(
            FadeOut(card, rate_func=window(0.0, 0.35)),
            *[FadeIn(m, rate_func=window(0.15, 0.9)) for m in stage],
            run_time=1.2,
        )
        self.remove(self.view)
        self.add(*self.view.submobjects)
