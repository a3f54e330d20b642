"""Degenerate directions: the metric pulled back from the one-dimensional logit has rank one, and its kernel
runs along the level sets of the logit; where a chart collapses, the input metric loses rank too.

    manim -pql scenes/kernels.py

Environment: as for scenes/transform.py (RIEMANN_NN_PRESET, RIEMANN_NN_RUN, RIEMANN_NN_PATH, RIEMANN_NN_THEME).
"""

import numpy as np
from manim import DOWN, LEFT, UP, FadeIn, FadeOut, Scene, ValueTracker, VGroup

import riemann_nn.metric as metric
from riemann_nn.level_sets import layered_level_sets
from riemann_nn.render import LayerCounter, LayerView, current_theme, formula, run_title, scene_path_method, scene_run
from riemann_nn.render.framing import PlotRegion, nice_step
from riemann_nn.render.marks import DirectionField, PolylineSet
from riemann_nn.render.story import PANEL_LEFT, PanelCaptions
from riemann_nn.render.text import label

RANK_ONE = 1e-6  # lam1 / lam2 below this: the input metric has (numerically) lost a direction


class LogitKernels(PanelCaptions, Scene):
    """Level sets of the logit, the rank-one logit metric's kernel along them, and collapsed charts."""

    default_preset = "seed-c2-sigmoid"
    seconds_per_layer = 1.2

    def construct(self):
        theme = current_theme()
        self.camera.background_color = theme.background
        run = scene_run(self.default_preset)
        view = LayerView(run, theme=theme, method=scene_path_method(run))
        self.caption = None

        # What is drawn besides the view: level sets logit = k (k != 0; 0 is the view's boundary), the logit
        # metric's kernel at the glyph sites, and the kernel of the input metric where it lost rank.
        levels = [] if run.is_custom else logit_levels(run)  # a custom network's file cannot trace new curves
        level_vertices, level_offsets = merge_level_sets(layered_level_sets(run, levels), depth=run.depth)
        level_lines = PolylineSet(color=theme.boundary, stroke_width=1.5, opacity=0.45)
        gradient = metric.logit_gradients(run.jacobian, run.head_weight)[0]  # (M, 2) at the input
        along_level_sets = np.column_stack([-gradient[:, 1], gradient[:, 0]])  # kernel of n n^T
        kernel_size = ValueTracker(0.0)
        kernels = DirectionField(color=theme.glyph, stroke_width=2.5)
        input_kernel, ratio = metric.kernel_directions(run.metric[0])
        collapsed = ratio < RANK_ONE
        collapse_size = ValueTracker(0.0)
        collapses = DirectionField(color=theme.unbounded, stroke_width=3.0)
        spacing = float(np.min(np.ptp(run.sites[0], axis=0))) / max(run.meta["geometry"]["sites_per_side"] - 1, 1)

        def follow_view(mobject):
            t, framing = view.time.get_value(), view.current_framing
            level_lines.set_polylines(framing.to_screen(view.motion.at(level_vertices, t)), level_offsets,
                                      region=view.region)
            jac = view.motion.jacobian(t)  # (M, 2, 2): tangent vectors ride on the same map as the points
            centres = framing.to_screen(view.motion.sites(t))
            half = 0.32 * spacing * framing.zoom * np.ones(1)
            kernels.set_directions(centres, np.einsum("mij,mj->mi", jac, along_level_sets),
                                   half_length=float(half[0] * kernel_size.get_value()) + 1e-9, region=view.region)
            pushed = np.einsum("mij,mj->mi", jac[collapsed], input_kernel[collapsed])
            collapses.set_directions(centres[collapsed], pushed, half_length=float(half[0] * collapse_size.get_value()) + 1e-9,
                                     region=view.region)

        overlay = VGroup(level_lines, kernels, collapses)
        follow_view(overlay)
        overlay.add_updater(follow_view)

        title = run_title(run, theme).move_to([PANEL_LEFT, 3.6, 0], aligned_edge=UP + LEFT)
        counter = LayerCounter(view, anchor=[PANEL_LEFT, 1.45], font_size=34)
        legend = kernel_legend(theme, levels).move_to([PANEL_LEFT, -3.35, 0], aligned_edge=DOWN + LEFT)

        # Beat 1: the input, the decision boundary and the level sets of the logit.
        self.play(FadeIn(title, shift=0.2 * DOWN), FadeIn(legend), FadeIn(view), FadeIn(overlay), FadeIn(counter),
                  *self.caption_to("Level sets of the logit\nlogit = k in the input", theme, run_time=1.5),
                  run_time=1.5)
        self.wait(1.0)

        # Beat 2: the rank-one metric of the logit and its kernel.
        self.play(kernel_size.animate.set_value(1.0),
                  *self.caption_to("From the logit alone,\ng = \u2207logit \u2207logit\u1d40\nhas rank one: its kernel\n"
                                   "runs along level sets", theme, run_time=1.5),
                  run_time=1.5)
        self.wait(2.0)

        # Beat 3: forward: the level sets straighten into the head's parallel lines.
        for layer in range(run.depth):
            captions = (self.caption_to("Through the layers the\nlevel sets straighten;\nthe kernel stays along\nthem",
                                        theme, run_time=self.seconds_per_layer) if layer == 0 else [])
            self.play(view.time.animate.set_value(layer + 1), *captions, run_time=self.seconds_per_layer)
        formulas = VGroup(formula(r"g = w\, w^{\top}", "g = w w^T", theme, font_size=34),
                          formula(r"\ker g \perp w", "ker g is perpendicular to w", theme, font_size=30))
        formulas.arrange(DOWN, aligned_edge=LEFT, buff=0.25).move_to([PANEL_LEFT, -0.75, 0], aligned_edge=UP + LEFT)
        self.play(*self.caption_to("Last layer: parallel\nlines w\u00b7x + c = k", theme, run_time=1.0), run_time=1.0)
        self.play(FadeIn(formulas, shift=0.2 * UP), run_time=0.8)
        self.wait(2.0)

        # Beat 4: back to the input; where the charts collapsed, the input metric has a kernel too.
        self.play(FadeOut(formulas), run_time=0.5)
        back = max(0.4, 6.0 / run.depth)
        for layer in reversed(range(run.depth)):
            captions = self.caption_to("Back to the input", theme, run_time=back) if layer == run.depth - 1 else []
            self.play(view.time.animate.set_value(layer), *captions, run_time=back)
        if collapsed.any():
            text = (f"At {int(collapsed.sum())} sites the input\nmetric J_L\u1d40J_L lost rank:\n"
                    "red, the directions the\nnetwork collapses")
        else:
            text = "No chart collapsed here:\nthe input metric J_L\u1d40J_L\nhas full rank everywhere"
        self.play(collapse_size.animate.set_value(1.0), *self.caption_to(text, theme, run_time=1.2), run_time=1.2)
        self.wait(3.0)


def merge_level_sets(traced, *, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """All levels' polylines as one packed set, merged once: vertices (L+1, P, 2) and offsets (K+1,)."""
    if not traced:
        return np.zeros((depth + 1, 0, 2)), np.zeros(1, np.int64)
    starts = np.cumsum([0] + [vertices.shape[1] for _, vertices, _ in traced])  # where each level begins
    offsets = np.concatenate([offsets[:-1] + start for (_, _, offsets), start in zip(traced, starts)] + [starts[-1:]])
    return np.concatenate([vertices for _, vertices, _ in traced], axis=1), offsets.astype(np.int64)


def logit_levels(run, count: int = 5) -> list[float]:
    """About ``count`` level values either side of 0, a 1-2-5 step apart, within the data's logit range."""
    logits = np.abs(run.logits(run.x[-1]))
    reach = float(np.quantile(logits, 0.9)) or 1.0
    step = nice_step(reach, target=count)
    k = np.arange(1, int(reach // step) + 1)
    return sorted([*(-step * k), *(step * k)])


def kernel_legend(theme, levels) -> VGroup:
    def row(mobject, text):
        return VGroup(mobject, label(text, theme, font_size=18, color=theme.muted)).arrange(buff=0.15)

    def line(colour, width):
        return PolylineSet(color=colour, stroke_width=width).set_polylines(
            np.array([[0.0, 0.0], [0.3, 0.0]]), np.array([0, 2]), region=PlotRegion())

    step = min((abs(level) for level in levels), default=1.0)
    level_rows = [row(line(theme.boundary, 1.5).set_stroke(opacity=0.45),
                      f"logit = \u00b1{step:g}, \u00b1{2 * step:g}, ...")] if levels else []  # only what is drawn
    return VGroup(
        row(line(theme.boundary, 2.5), "boundary, logit = 0"),
        *level_rows,
        row(line(theme.glyph, 2.5), "kernel, logit metric"),
        row(line(theme.unbounded, 3.0), "kernel, collapsed chart"),
    ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
