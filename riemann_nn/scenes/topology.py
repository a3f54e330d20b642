"""What width 2 cannot do: a disc inside a ring, through a network of small invertible steps, and through one that
folds the plane.

    manim -pql scenes/topology.py

Act one (``rings-flow``): every step is a homeomorphism of the plane (``dt ||W_l|| <= 1/4``); a loop drawn in
the gap is carried along and stays a loop around the disc, so no line can cut the disc from the ring: the net
squeezes, and the pulled-back metric's glyphs blow up where it does. Act two (``rings-fold``): with large steps
the net separates the rings by folding the plane; the cells it turns over are red
(``det J_L < 0``), between the fold curves ``det J_L = 0``, carried with the data. ``RIEMANN_NN_PRESET`` /
``RIEMANN_NN_RUN`` replace act one's run, ``RIEMANN_NN_PATH`` and ``RIEMANN_NN_THEME`` work as for the other
scenes; subtitles are written beside the video.
"""

import dataclasses

import numpy as np
from manim import DOWN, LEFT, Create, FadeIn, FadeOut, VGroup

from riemann_nn.errors import RiemannNNError
from riemann_nn.folds import carry, circle, fold_curve
from riemann_nn.interpolate import LayerMotion
from riemann_nn.level_sets import pack
from riemann_nn.network import LIPSCHITZ
from riemann_nn.render.folds import CarriedCurves, OrientationCells, square_sample
from riemann_nn.render.legends import class_sample, key_row, line_sample
from riemann_nn.render.overlays import NetworkDiagram
from riemann_nn.render.story import (
    COUNTER_Y,
    DIAGRAM_TOP,
    PANEL_LEFT,
    PANEL_WIDTH,
    LayerStory,
    StoryLegend,
    run_header,
    scene_path_method,
    stray_outlines,
    window,
)
from riemann_nn.render.text import flowed, formula
from riemann_nn.render.views import LayerCounter, LayerView, site_cell

GAP_RADIUS = 0.75  # between the disc (radius 0.5) and the ring (from 1.0)


def preset_run(name: str):
    """A preset's Run from the cache (trained on first use); one clear line if that fails."""
    from riemann_nn.cache import load_or_train
    from riemann_nn.presets import get_preset

    try:
        return load_or_train(get_preset(name))
    except RiemannNNError as error:
        raise SystemExit(f"riemann-nn: {error}") from None


class RingsInThePlane(LayerStory):
    """Two neurons per layer against a disc inside a ring: squeezed by invertible steps, separated by folds."""

    default_preset = "rings-flow"
    fold_preset = "rings-fold"
    question = "Can two neurons per layer pull a disc out of a ring?"
    seconds_per_layer = 0.6

    def setup(self):
        super().setup()
        bounds = self.run.meta["model"].get("residual_lipschitz") or [np.inf]
        if max(bounds) >= 1:  # the first act's claims hold for certainly invertible steps only
            raise SystemExit(
                "riemann-nn: scenes/topology.py shows c1 networks whose every step is invertible "
                f"(dt Lip(act) ||W_l|| < 1, e.g. --step-lipschitz); {self.run.name} is not one"
            )
        self.step_bound = max(bounds)

    def construct(self):
        accuracy = 100 * self.run.meta["training"]["accuracy"]
        # 0-1. The question; the data.
        self.title_card()
        self.say("Class 1, blue: a disc. Class 0: a ring around it, with a gap between them.")
        # 2. The rule of this network: small steps that never tear or fold.
        step = self.step_rule()
        self.present(step, caption="Each layer, a small step, bends the plane but never tears or folds it.")
        self.hide(step)
        # 3. A loop in the gap, carried with the data.
        loop, loop_key = self.carried_loop()
        self.add(loop)
        self.say("Draw a loop in the gap, around the disc.", loop.reveal.animate.set_value(1.0), FadeIn(loop_key))
        self.sweep(self.depth // 2, caption=f"Follow disc, ring and loop through {self.depth} such steps.")
        self.say(
            "The disc is pressed flat against the ring, but the loop still goes round it, and the ring round the loop."
        )
        self.sweep(self.depth)
        # 4. The best line, and why nothing better exists.
        planes = self.half_planes(
            f"The best straight line must cut through the loop and the ring: {accuracy:.0f}% "
            "of the points on their side."
        )
        self.say(
            "A map of the plane that never tears or folds (a homeomorphism) keeps every loop closed and what "
            "is inside, inside. No such map pulls a disc out of a ring."
        )
        # 5. Where it squeezes: the metric.
        self.hide(planes, loop, loop_key)
        self.play(self.diagram.head.animate.set_value(0.0), run_time=0.3)
        self.grow_field("Circles of one small radius at every site of the last layer.")
        self.sweep(
            0,
            caption="Pulled back to the input, they blow up into needles where the network squeezes "
            "the ring to let its line through.",
            holds={self.depth // 2: 1.0},
        )
        self.say("A long glyph: a step along it barely moves the last layer. The plane is crushed there, not cut.")
        # 6. The net that folds.
        self.fold_act()
        self.close(
            "Two neurons per layer and steps that never fold cannot free the disc. A fold can, and so can a "
            "third neuron: riemann-nn\u00a0render --scene\u00a0space"
        )

    def carried_loop(self) -> tuple[CarriedCurves, VGroup]:
        """A circle in the gap between disc and ring, carried through the layers with the data, and its legend
        row (in the place of the glyph row, which comes later)."""
        vertices, offsets = pack([circle(GAP_RADIUS)])
        loop = CarriedCurves(self.view, carry(self.run, vertices), offsets, color=self.theme.glyph)
        loop_key = key_row(line_sample(self.theme.glyph), "a loop in the gap, carried along", self.theme)
        loop_key.move_to(self.legend.glyph_rows[0], aligned_edge=LEFT)
        return loop, loop_key

    def step_rule(self) -> VGroup:
        """The layer's update with this run's dt and activation, the bound on ``||W_l||`` that keeps it
        invertible, and what the bound means, in two left-aligned lines that fit the panel unshrunk."""
        dt = self.run.dt
        norm_bound = self.step_bound / LIPSCHITZ[self.run.activation]  # the bound on dt ||W_l|| itself
        act = {"tanh": r"\tanh", "sigmoid": r"\sigma", "softplus": r"\operatorname{softplus}"}.get(
            self.run.activation, rf"\operatorname{{{self.run.activation}}}"
        )
        rule = VGroup(
            formula(r"x_l = x_{l-1}", "x_l = x_(l-1)", self.theme, font_size=36),  # two lines: unshrunk
            formula(
                rf"+\ {dt:g}\, {act}(W_l x_{{l-1}} + b_l)",
                f"+ {dt:g} {self.run.activation}(W_l x_(l-1) + b_l)",
                self.theme,
                font_size=34,
            ),
        )
        step = VGroup(
            rule.arrange(DOWN, aligned_edge=LEFT, buff=0.1),
            formula(
                rf"\|W_l\| \le {norm_bound / dt:.2g}", f"||W_l|| <= {norm_bound / dt:.2g}", self.theme, font_size=36
            ),
            flowed(
                f"each step changes distances by at most {100 * self.step_bound:.0f}%",
                self.theme,
                font_size=18,
                width=PANEL_WIDTH,
                color=self.theme.muted,
            ),
        )
        step.arrange(DOWN, aligned_edge=LEFT, buff=0.18)
        return step

    def fold_act(self) -> None:
        """Swap in the net with large steps, its cells coloured by orientation, and sweep it to its half-planes."""
        run = self.fold_run()
        old = [self.view, self.header, self.diagram, self.counter, self.legend]
        motion = LayerMotion(run, method=scene_path_method(run))
        motion_view = LayerView(
            run,
            theme=self.theme,
            motion=motion,
            glyph_size=1.0,
            glyphs=OrientationCells(motion, cell=0.8 * site_cell(run)),
            glyph_colours=[self.theme.grid, self.theme.unbounded],
            # The cells tile the input and are carried by the map: a line grid too would be a second lattice.
            style=dataclasses.replace(self.style, glyph_fill=0.35, glyph_stroke=0.0, grid_opacity=0.0),
        )
        fold_vertices, fold_offsets = fold_curve(run)
        fold = CarriedCurves(
            motion_view, carry(run, fold_vertices), fold_offsets, color=self.theme.unbounded, stroke_width=3.5
        )
        self.run, self.depth, self.view = run, run.depth, motion_view
        self.header = run_header(run, self.theme)
        self.diagram = NetworkDiagram(motion_view, anchor=(PANEL_LEFT, DIAGRAM_TOP), width=PANEL_WIDTH, height=0.36)
        self.counter = LayerCounter(
            motion_view,
            anchor=(PANEL_LEFT, COUNTER_Y),
            font_size=28,
            stage_anchor=(PANEL_LEFT + PANEL_WIDTH, COUNTER_Y),
        )
        self.legend = self.fold_legend()
        accuracy = 100 * run.meta["training"]["accuracy"]
        self.read()
        captions = self.caption_animations(
            f"Now large steps (dt = {run.dt:g}): this network separates disc and ring, {accuracy:.0f}%.", run_time=1.6
        )
        new = [self.view, self.header, self.diagram, self.counter, self.legend.data]
        self.play(
            *[FadeOut(m, rate_func=window(0.0, 0.3)) for m in old],  # one act after the other, never both
            *[FadeIn(m, rate_func=window(0.3, 0.7)) for m in new],
            *captions,
            run_time=1.6,
        )
        strays = self.name_stray_arcs()
        self.add(fold)  # after the view: it draws with the framing the view chose in the same frame
        self.say(
            "Red cells: the ones the network turns over, into their mirror image. The red curves: where it folds "
            "the plane.",
            fold.reveal.animate.set_value(1.0),
            *[FadeOut(boxes) for boxes in strays],
        )
        self.sweep(self.depth, caption="Watch the red band fold under the rest of the plane.")
        self.half_planes("Folded over, the ring lies on one side of the line: the plane was folded, not bent.")

    def name_stray_arcs(self) -> list[VGroup]:
        """Where the view's decision boundary has pieces far from the data (the view at its input), box them and
        say what they are; returns the boxes (none if there are no such pieces), to go with the next caption."""
        outlines = stray_outlines(self.view)
        if not len(outlines):
            return []
        self.say(
            "Boxed: arcs of the decision boundary far from the data. The network splits the plane there too, where "
            "no data guides it.",
            Create(outlines),
        )
        return [outlines]

    def fold_run(self):
        """The second act's network: ``fold_preset``, trained and cached on first use."""
        return preset_run(self.fold_preset)

    def fold_legend(self) -> StoryLegend:
        """The second act's legend: classes, the decision boundary, cells as they are and turned over, the fold."""
        theme = self.theme
        classes = VGroup(
            *[key_row(class_sample(colour), name, theme) for colour, name in zip(theme.classes, ("class 0", "class 1"))]
        ).arrange(buff=0.45)
        rows = [
            key_row(square_sample(theme.grid, opacity=0.6), "an input cell, carried by the map", theme),
            key_row(
                square_sample(theme.unbounded, opacity=0.6),
                "turned over:",
                theme,
                maths=(r"\det J_L < 0", "det J_L < 0"),
            ),
            key_row(line_sample(theme.unbounded), "the fold:", theme, maths=(r"\det J_L = 0", "det J_L = 0")),
            classes,
            key_row(line_sample(theme.boundary), "decision boundary", theme),
        ]
        return StoryLegend(theme, dashed=False, unbounded=False, data_rows=rows)
