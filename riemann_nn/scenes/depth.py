"""Depth as time: residual networks of 2 to 64 layers, each with dt = 10 / depth, shown in turn. The paths of a
few points through the layers approach smooth curves, the step per layer shrinks like 1 / depth, and the metric
each network induces on its input settles.

    manim -pql scenes/depth.py

Shows the presets ``depth-2`` ... ``depth-64`` (seed-spirals' data and training), with ``depth-128`` drawn faintly
as the nearest thing to the flow they approach; each is trained and cached on first use (about half a minute for
all). ``RIEMANN_NN_THEME`` picks the colours. Subtitles are written beside the video.
"""

import numpy as np
from manim import DOWN, LEFT, UP, FadeIn, ValueTracker, VGroup, VMobject

from riemann_nn.errors import RiemannNNError
from riemann_nn.metric import ellipses_of_factor, invert_chart, rank_deficient
from riemann_nn.presets import get_preset
from riemann_nn.render.flow import MetricMorph, PathMorph, StepPlot, SweepReadout, resample_paths, spread_points
from riemann_nn.render.framing import FramedAxes, Framing, PlotRegion
from riemann_nn.render.free_story import FreeStory
from riemann_nn.render.legends import class_sample, key_row, line_sample
from riemann_nn.render.marks import PointCloud, segments_to_bezier
from riemann_nn.render.story import HEADER_TOP, PANEL_LEFT, StoryLegend, dataset_in_words
from riemann_nn.render.text import formula, label

PATH_REGION = PlotRegion(left=-6.3, right=-1.5, bottom=-1.45, top=3.35)
METRIC_REGION = PlotRegion(left=-0.85, right=2.35, bottom=0.15, top=3.35)
STEP_REGION = PlotRegion(left=-0.85, right=2.35, bottom=-2.05, top=-0.55)
READOUT_ANCHOR = (PANEL_LEFT, 2.85)
POINTS = 12


def sweep_runs(depths) -> list:
    """The presets depth-N, trained and cached on first use; a problem ends the render with one line."""
    from riemann_nn.cache import load_or_train

    try:
        return [load_or_train(get_preset(f"depth-{depth}")) for depth in depths]
    except RiemannNNError as error:
        raise SystemExit(f"riemann-nn: {error}") from None


class DepthAsTime(FreeStory):
    """Residual nets of doubling depth over one time T: from jumps to a flow."""

    question = "What happens as a residual network gets deeper?"
    depths = (2, 4, 8, 16, 32, 64)  # the presets depth-N shown in turn: at least four, each twice the one before
    flow_depth = 128  # drawn faintly: the nearest net to the flow
    morph_seconds = 1.6

    def load_run(self):
        """``self.runs`` (shallow to deep) and ``self.flow_run``; the first run names the data."""
        *self.runs, self.flow_run = sweep_runs((*self.depths, self.flow_depth))
        return self.runs[0]

    @property
    def flow_time(self) -> float:
        """The time ``T = depth * dt`` every net of the sweep moves its points for."""
        return self.runs[0].depth * self.runs[0].dt

    def card_lines(self) -> tuple[str, str]:
        first, last = self.runs[0].depth, self.runs[-1].depth
        return (
            f"{dataset_in_words(self.run)}  \u00b7  residual (C1) tanh networks of {first} to {last} layers  "
            "\u00b7  two neurons per layer",
            f"presets depth-{first} \u2026 depth-{last}  \u00b7  dt = {self.flow_time:g} / depth  \u00b7  the same "
            "training for all",
        )

    def build_stage(self):
        theme = self.theme
        self.position = ValueTracker(0.0)
        chosen = spread_points(self.runs[0].x[0], POINTS)
        every = np.concatenate([run.x[:, chosen].reshape(-1, 2) for run in (*self.runs, self.flow_run)])
        framing = Framing.fit(every, PATH_REGION)
        flow = self.flow_paths(chosen, framing)
        data = PointCloud(color=theme.muted, radius=0.018, opacity=0.35).set_positions(
            framing.to_screen(self.runs[0].x[0]), region=PATH_REGION
        )
        axes = FramedAxes(PATH_REGION, theme, font_size=14).fit_to(framing)
        paths = PathMorph(self.runs, chosen, position=self.position, framing=framing, theme=theme)
        metric_framing = Framing.fit(self.runs[0].sites[0], METRIC_REGION, margin=0.06)
        scale, cap = self.glyph_scale(metric_framing)
        self.dashed = bool(
            (
                np.linalg.norm(
                    metric_framing.zoom * scale * np.stack([invert_chart(run.jacobian[-1]) for run in self.runs]),
                    ord=2,
                    axis=(-2, -1),
                )
                > cap
            ).any()
        )
        metric_border = FramedAxes(METRIC_REGION, theme, font_size=12)
        metric = MetricMorph(
            self.runs, position=self.position, framing=metric_framing, theme=theme, scale=scale, cap=cap
        )
        steps = StepPlot(self.runs, position=self.position, region=STEP_REGION, theme=theme)
        titles = VGroup(
            *[
                label(text, theme, font_size=17, color=theme.muted).move_to(
                    (region.left, region.top + 0.1, 0), aligned_edge=DOWN + LEFT
                )
                for text, region in (
                    (f"Paths of {POINTS} points through the layers", PATH_REGION),
                    ("Metric on the input, g\u2080", METRIC_REGION),
                    ("Mean step per layer", STEP_REGION),
                )
            ]
        )
        still = VGroup(data, flow, axes, metric_border.border, steps.axes, titles)
        stage = VGroup(still, paths, metric, steps)
        readout = SweepReadout(self.runs, position=self.position, theme=theme, anchor=READOUT_ANCHOR)
        legend = self.make_story_legend()
        return stage, readout, legend

    def flow_paths(self, chosen: np.ndarray, framing: Framing) -> VMobject:
        """The deepest net's paths, faint and thin: the flow the others approach."""
        curves = framing.to_screen(resample_paths(self.flow_run.x[:, chosen], np.linspace(0, 1, 257)))  # (S, P, 2)
        line = VMobject(stroke_color=self.theme.muted, stroke_width=4.0, stroke_opacity=0.3)
        return line.set_points(segments_to_bezier(curves[:-1].reshape(-1, 2), curves[1:].reshape(-1, 2)))

    def glyph_scale(self, framing: Framing) -> tuple[float, float]:
        """One glyph scale for every net: the median input glyph's major semi-axis, over every net's
        well-conditioned sites, is a third of the site spacing; and the cap, 0.6 spacings, on screen."""
        factors = np.concatenate([run.jacobian[-1] for run in self.runs])  # (K*M, 2, 2)
        unit, _ = ellipses_of_factor(
            factors[~rank_deficient(factors)], scale=1.0, max_axis=np.inf, convention="indicatrix"
        )
        bounds = np.asarray(self.runs[0].meta["geometry"]["bounds"], float)
        spacing = float((bounds[1] - bounds[0]).min()) / self.runs[0].meta["geometry"]["sites_per_side"]
        return 0.32 * spacing / float(np.median(unit[:, 0])), 0.6 * spacing * framing.zoom

    def make_header(self) -> VGroup:
        lines = VGroup(
            label(dataset_in_words(self.run), self.theme, font_size=26, bold=True),
            label(
                f"C1 residual  \u00b7  tanh  \u00b7  T = {self.flow_time:g}",
                self.theme,
                font_size=18,
                color=self.theme.muted,
            ),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        return lines.move_to((PANEL_LEFT, HEADER_TOP, 0), aligned_edge=UP + LEFT)

    def make_story_legend(self) -> StoryLegend:
        theme = self.theme
        classes = VGroup(
            *[key_row(class_sample(colour), name, theme) for colour, name in zip(theme.classes, ("class 0", "class 1"))]
        ).arrange(buff=0.45)
        rows = [
            classes,
            key_row(line_sample(theme.classes[0]), "a point's path, a dot per layer", theme),
            key_row(
                line_sample(theme.muted, stroke_width=4.0), f"{self.flow_run.depth} layers: nearly the flow", theme
            ),
        ]
        unbounded = any(rank_deficient(run.jacobian[-1]).any() for run in self.runs)
        return StoryLegend(theme, dashed=self.dashed, unbounded=unbounded, data_rows=rows)

    def morph_to(
        self, index: int, *, caption: str | None = None, seconds: float | None = None, each: bool = True
    ) -> None:
        """Blend to net ``index`` of the sweep, easing at every net on the way (``each``) or once, with a
        caption."""
        from manim import smooth

        from riemann_nn.render.story import layer_by_layer

        here = round(self.position.get_value())
        count = abs(index - here)
        run_time = seconds or self.morph_seconds * count
        captions = self.caption_animations(caption, run_time=run_time) if caption else []
        move = self.position.animate(rate_func=layer_by_layer(count) if each else smooth)
        self.play(move.set_value(index), *captions, run_time=run_time)

    def construct(self):
        depths = [run.depth for run in self.runs]
        time = depths[0] * self.runs[0].dt
        last = len(self.runs) - 1
        self.title_card()
        self.say(
            "Each layer moves every point one step: the layer's push, times the step size.",
            *[FadeIn(row) for row in self.legend.glyph_rows],
        )
        rule = VGroup(
            formula(
                r"x_l = x_{l-1} + \mathrm{d}t\, f_l(x_{l-1})",
                "x_l = x_(l-1) + dt f_l(x_(l-1))",
                self.theme,
                font_size=34,
            ),
            formula(rf"\mathrm{{d}}t = {time:g} / L", f"dt = {time:g} / L", self.theme, font_size=34),
        )
        self.present(
            rule.arrange(DOWN, aligned_edge=LEFT, buff=0.15),
            caption=f"The step size is {time:g} divided by the depth L: deeper networks take more, smaller "
            "steps over the same time.",
        )
        self.hide(
            rule,
            caption=f"With {depths[0]} layers, every point takes {depths[0]} long straight steps. Faint: "
            "its path through a very deep network.",
        )
        self.morph_to(1, caption="Double the depth: the steps are half as long, and the paths bend sooner.")
        self.hold(0.5)
        self.morph_to(2)
        self.hold(0.6)
        self.morph_to(
            last,
            caption=f"From {depths[3]} layers on the paths hardly change: smooth curves, the flow "
            "of a differential equation taken in small steps.",
            seconds=(last - 2) * self.morph_seconds,
        )
        self.say("The mean step (below right) halves with every doubling of the depth, like 1 / depth (dashed).")
        self.morph_to(
            0,
            seconds=1.2,
            each=False,
            caption="Now watch the metric on the input (top right) as the depth doubles again.",
        )
        self.morph_to(last, seconds=4.5)
        changes = [change for change in self.counter.changes if change is not None]
        self.say(
            f"It settles too: from {depths[0]} to {depths[1]} layers its glyphs change by "
            f"{100 * changes[0]:.0f}%, from {depths[-2]} to {depths[-1]} by {100 * changes[-1]:.0f}%."
        )
        self.close("A deep residual network is a flow taken in small steps, and its geometry converges with it.")
