"""Training as a film: the input plane with its metric glyphs and decision boundary beside the last layer, while
the network learns; the loss and accuracy fill in below, the iteration counts up.

    manim -pql scenes/training.py

Shows ``seed-spirals-film`` (seed-spirals with 40 checkpoints). ``RIEMANN_NN_PRESET=<name>`` shows another
preset (trained with 40 checkpoints when it has none), ``RIEMANN_NN_RUN=<file.npz>`` a Run file trained with
``riemann-nn train --checkpoints K``; ``RIEMANN_NN_THEME`` picks the colours. Between checkpoints the parameters
are interpolated, so the motion is smooth and exact at every checkpoint. Subtitles are written beside the video.
"""

import numpy as np
from manim import DOWN, LEFT, VGroup, linear

from riemann_nn.export import input_glyph_scale
from riemann_nn.metric import invert_chart, rank_deficient
from riemann_nn.presets import FILM_CHECKPOINTS
from riemann_nn.render.framing import PlotRegion
from riemann_nn.render.free_story import FreeStory
from riemann_nn.render.story import PANEL_LEFT, StoryLegend
from riemann_nn.render.text import label
from riemann_nn.render.training import (
    CheckpointGlyphs,
    IterationCounter,
    LastLayerPanel,
    LossCurve,
    MovingBoundary,
    TrainingMoment,
    film_run,
)
from riemann_nn.render.views import LayerView, ViewStyle

INPUT_REGION = PlotRegion(left=-6.35, right=-2.55, bottom=-0.35, top=3.45)
LAST_REGION = PlotRegion(left=-1.45, right=2.35, bottom=-0.35, top=3.45)
CURVE_REGION = PlotRegion(left=-6.35, right=1.2, bottom=-3.3, top=-1.25)
COUNTER_ANCHOR = (PANEL_LEFT, 2.85)
FILM_STYLE = ViewStyle(
    point_radius=0.028, point_opacity=0.85, grid_opacity=0.25, glyph_stroke=1.6, axes_font_size=14, axis_names=False
)


class TrainingFilm(FreeStory):
    """A network learning, as a film: what the boundary, the last layer and the input's metric do meanwhile."""

    default_preset = "seed-spirals-film"
    question = "What changes while a network learns?"

    def load_run(self):
        return film_run(self.default_preset, checkpoints=FILM_CHECKPOINTS)

    def card_lines(self) -> tuple[str, str]:
        words, _ = super().card_lines()
        steps, snapshots = self.run.meta["training"]["iterations"], len(self.run.checkpoints)
        return words, f"{self.run.name}  \u00b7  {steps} training steps, {snapshots} snapshots"

    def build_stage(self):
        """The input plane (metric glyphs and the moving boundary) beside the last layer, the loss curve under
        them, the iteration counter in the panel."""
        self.last_position = len(self.run.checkpoints) - 1
        self.moment = TrainingMoment(self.run)
        scale = input_glyph_scale(self.run, list(range(self.last_position + 1)))
        self.input_view = view = LayerView(
            self.run,
            theme=self.theme,
            region=INPUT_REGION,
            style=FILM_STYLE,
            glyphs=CheckpointGlyphs(self.moment, scale=scale),
            show_boundary=False,
            fit_sites=1.0,
        )
        # The input's grid and axes never move: they go into Manim's still background. The glyphs change every
        # frame, and the data stay on top of them.
        view.clear_updaters()
        view.remove(*view.submobjects)
        input_still = VGroup(view.grid, view.axes)
        input_glyphs = VGroup(view.unbounded, view.glyphs, view.clouds)
        input_glyphs.add_updater(lambda group: view.draw_glyphs(0.0, view.current_framing))
        boundary = MovingBoundary(self.moment, view, color=self.theme.boundary, stroke_width=FILM_STYLE.boundary_stroke)
        last_panel = LastLayerPanel(self.moment, theme=self.theme, region=LAST_REGION, style=FILM_STYLE)
        curve = LossCurve(self.moment, theme=self.theme, region=CURVE_REGION)
        titles = VGroup(
            *[
                label(text, self.theme, font_size=18, color=self.theme.muted).move_to(
                    (region.left, region.top + 0.12, 0), aligned_edge=DOWN + LEFT
                )
                for text, region in (
                    ("Input plane (layer 0)", INPUT_REGION),
                    (f"Last layer ({self.depth})", LAST_REGION),
                )
            ]
        )
        stage = VGroup(input_still, titles, curve.axes, input_glyphs, boundary, last_panel, curve)
        counter = IterationCounter(self.moment, theme=self.theme, anchor=COUNTER_ANCHOR)
        legend = StoryLegend(self.theme, dashed=self._dashed(scale), unbounded=self._unbounded())
        return stage, counter, legend

    def _dashed(self, scale: float) -> bool:
        """Whether some glyph is larger than the view draws it at some checkpoint."""
        zoom = self.input_view.current_framing.zoom
        checkpoints, sites = self.run.checkpoints, self.run.sites[0]
        for k in range(len(checkpoints)):
            last = checkpoints.at(k).jacobians(sites)[-1]  # (M, 2, 2)
            long_axes = zoom * scale * np.linalg.norm(invert_chart(last), ord=2, axis=(1, 2))  # (M,)
            if (long_axes > self.input_view.glyph_cap).any():
                return True
        return False

    def _unbounded(self) -> bool:
        checkpoints, sites = self.run.checkpoints, self.run.sites[0]
        return any(rank_deficient(checkpoints.at(k).jacobians(sites)[-1]).any() for k in range(len(checkpoints)))

    def train_to(self, position: float, seconds: float, *, caption: str | None = None) -> None:
        """Play training from the moment shown to checkpoint ``position`` at a steady pace of checkpoints."""
        captions = self.caption_animations(caption, run_time=seconds) if caption else []
        self.play(self.moment.position.animate(rate_func=linear).set_value(position), *captions, run_time=seconds)

    def construct(self):
        self.title_card()
        self.say(
            f"Left: the input plane. Right: the last layer, where a straight {self.theme.boundary_word} line "
            "must separate the classes."
        )
        self.say("Untrained, the network barely moves the plane: the last layer looks like the input.")
        self.grow_glyphs(
            "Glyphs: small circles of the last layer, pulled back to the input. Untrained, they stay circles."
        )
        self.train_to(
            self.run.checkpoints.position(20),
            6.0,
            caption=f"Now it learns. Watch the {self.theme.boundary_word} boundary, and below it the loss: "
            "how wrong the network still is.",
        )
        self.say("First it stretches the whole plane one way and squeezes it the other way.")
        self.train_to(
            self.last_position,
            10.0,
            caption="Then the boundary bends to follow the spirals, and in the last layer the classes come apart.",
        )
        self.say(
            "Near the boundary the ellipses grow long and thin along it: the network stretches the plane "
            "across the boundary and squeezes it along it."
        )
        self.close(
            "Learning moves the boundary, and the geometry follows. Your own film: "
            "riemann-nn\u00a0train --checkpoints\u00a040"
        )

    def grow_glyphs(self, caption: str) -> None:
        """Grow the glyph field from nothing, its legend rows fading in."""
        from manim import FadeIn

        self.read()
        self.play(
            self.input_view.glyph_size.animate.set_value(1.0),
            *[FadeIn(row) for row in self.legend.glyph_rows],
            *self.caption_animations(caption, run_time=1.5),
            run_time=1.5,
        )
