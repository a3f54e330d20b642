"""Three schemes side by side: the same data through a C0, a C1 and a C2 network, layer by layer in sync.

    manim -ql scenes/compare.py

The paper's point made visible: a residual (C1) and a second-order (C2) network move the data in small steps,
like a flow, while an ordinary (C0) network jumps. Under each panel, the mean step of the current layer.

``RIEMANN_NN_RUN=yours.npz`` (``riemann-nn render --scene compare --run yours.npz``) shows your run beside
tanh networks of the other schemes trained on its data with its depth (trained once, then cached; a custom
network takes the C0 place); ``RIEMANN_NN_COMPARE_RUNS=c0.npz,c1.npz,c2.npz`` shows three Run files of one
depth instead of the presets ``compare-c0``, ``compare-c1``, ``compare-c2``; ``RIEMANN_NN_THEME`` picks the
colours (dark, light).
"""

import os
from pathlib import Path

import numpy as np
from manim import DOWN, RIGHT, UP, FadeIn, FadeOut, Scene, ValueTracker, VGroup

from riemann_nn.render import DecisionHalfPlanes, LayerCounter, LayerView, PlotRegion, current_theme
from riemann_nn.render.story import SCHEME_WORDS, PanelCaptions, crossfade, window
from riemann_nn.render.text import CUSTOM_WORDS, OutlineCache, PathText, accuracy_in_words, label, network_in_words
from riemann_nn.render.views import ViewStyle

# Three square panels in a row; the gaps leave room for each panel's y tick labels.
PANELS = (PlotRegion(-6.2, -2.4, -1.45, 2.35), PlotRegion(-1.7, 2.1, -1.45, 2.35), PlotRegion(2.8, 6.6, -1.45, 2.35))
TOP_ROW = 3.6  # layer counter (left) and notes (right)
READOUT_Y = -2.15  # the step readout under each panel, below the x tick labels
CAPTION_TOP = -2.85


def mean_step_lengths(x: np.ndarray) -> np.ndarray:
    """How far a layer moves the data, relative to the data's size: (L+1, N, 2) -> (L,).

    Step ``l`` is the mean over points of ``|x_{l+1} - x_l|`` divided by the larger side of the bounding box
    of ``x_l`` (the data the step starts from; floored at 1e-12 so a collapsed layer gives no inf/NaN).
    """
    lengths = np.linalg.norm(np.diff(x, axis=0), axis=-1)  # (L, N)
    extents = (x[:-1].max(axis=1) - x[:-1].min(axis=1)).max(axis=-1)  # (L,)
    return lengths.mean(axis=1) / np.maximum(extents, 1e-12)


def compare_runs(presets: tuple[str, str, str]) -> list:
    """The three Runs to compare: ``$RIEMANN_NN_COMPARE_RUNS`` (three comma-separated Run files), else
    ``$RIEMANN_NN_RUN`` in the place of its scheme with companions of the other two on its data
    (``companions.companion_run``), else the presets, trained and cached on first use. They must have the same
    depth.

    A bad list, a bad file, an unknown preset or unequal depths end the render with one line (``SystemExit``).
    """
    from riemann_nn.errors import RiemannNNError
    from riemann_nn.cache import load_or_train
    from riemann_nn.presets import get_preset
    from riemann_nn.run import load_run

    listed = os.environ.get("RIEMANN_NN_COMPARE_RUNS")
    try:
        if listed:
            files = [part.strip() for part in listed.split(",")]
            if len(files) != 3 or not all(files):
                raise SystemExit(f"riemann-nn: RIEMANN_NN_COMPARE_RUNS needs three comma-separated Run files, "
                                 f"got {listed!r}")
            runs = [load_run(Path(file)) for file in files]
        elif os.environ.get("RIEMANN_NN_RUN"):
            from riemann_nn.companions import companion_run

            yours = load_run(Path(os.environ["RIEMANN_NN_RUN"]))
            place = ("c0", "c1", "c2").index(yours.scheme) if not yours.is_custom else 0
            runs = [yours if index == place else companion_run(yours, scheme)
                    for index, scheme in enumerate(("c0", "c1", "c2"))]
        else:
            runs = [load_or_train(get_preset(name)) for name in presets]
    except RiemannNNError as error:
        raise SystemExit(f"riemann-nn: {error}") from None
    depths = [run.depth for run in runs]
    if len(set(depths)) != 1:
        raise SystemExit(f"riemann-nn: the compared runs must have the same depth, got {', '.join(map(str, depths))}")
    return runs


class SchemeComparison(PanelCaptions, Scene):
    """C0, C1 and C2 networks on the same data, driven by one time: jumps against a flow."""

    presets = ("compare-c0", "compare-c1", "compare-c2")
    seconds_per_layer = 1.25
    caption_anchor = ((PANELS[0].left + PANELS[-1].right) / 2, CAPTION_TOP)  # centred under the panels
    caption_edge = (0, 1, 0)

    def construct(self):
        theme = current_theme()
        self.camera.background_color = theme.background
        runs = compare_runs(self.presets)
        depth = runs[0].depth
        time = ValueTracker(0.0)
        views = []
        for run, region in zip(runs, PANELS):
            view = LayerView(run, theme=theme, region=region, method="straight", style=ViewStyle(axis_names=False))
            view.time = time  # one clock for all three: the panels stay in step by construction
            views.append(view)
        steps = [mean_step_lengths(run.x) for run in runs]  # 3 x (L,)
        titles = [panel_title(run, theme, region) for run, region in zip(runs, PANELS)]
        readouts = [StepReadout(step, time, theme=theme, anchor=[region.centre[0], READOUT_Y])
                    for step, region in zip(steps, PANELS)]
        counter = LayerCounter(views[0], anchor=[PANELS[0].left, TOP_ROW], font_size=30)
        notes = label(f"the same data  \u00b7  {depth} layers of width 2  \u00b7  straight paths between layers", theme,
                      font_size=16, color=theme.muted).move_to([PANELS[-1].right, TOP_ROW, 0], aligned_edge=RIGHT)
        self.caption = None

        # Beat 1: what this is.
        heading = label("Three kinds of network, one dataset", theme, font_size=42, bold=True)
        kinds = ", ".join(CUSTOM_WORDS if run.is_custom else SCHEME_WORDS[run.scheme] for run in runs)
        sub = label(f"{kinds}:\nhow far does each layer move the data?", theme, font_size=26, color=theme.muted)
        opening = VGroup(heading, sub).arrange(DOWN, buff=0.45).move_to([0, 0.3, 0])
        self.play(FadeIn(heading, shift=0.2 * DOWN), FadeIn(sub), run_time=1.2)
        self.wait(1.6)

        # Beat 2: the three inputs, dissolving in as the heading goes. The readouts are empty at the input;
        # they show from the first step on.
        self.add(*readouts)
        appear = window(0.2, 1.0)
        self.play(FadeOut(opening, rate_func=window(0.0, 0.35)),
                  *[FadeIn(mobject, rate_func=appear) for mobject in (*titles, notes, *views, counter)],
                  *self.caption_to("The same points in the input of each network", theme, run_time=1.8),
                  run_time=1.8)
        self.bring_to_back(*titles, notes)  # static from here on: drawn once per animation
        self.wait(1.0)

        # Beat 3: forward, one clock for all three. Under each panel, how far the current layer moves the data.
        forward = "Layer by layer, in sync.  Under each panel: the mean distance a point moves\n" \
                  "in this layer, as a fraction of the data's size"
        for layer in range(depth):
            captions = self.caption_to(forward, theme, run_time=self.seconds_per_layer) if layer == 0 else []
            self.play(time.animate.set_value(layer + 1), *captions, run_time=self.seconds_per_layer)
        self.wait(0.6)

        # Beat 4: at the last layer each head's line separates the classes.
        half_planes = [DecisionHalfPlanes(run.head_weight, run.head_bias, view.framing, theme)
                       for run, view in zip(runs, views)]
        self.add(*half_planes)
        self.bring_to_back(*half_planes)
        self.play(*map(FadeIn, half_planes),
                  *self.caption_to("Last layer: each head's straight line separates the two classes", theme,
                                   run_time=1.2), run_time=1.2)
        self.wait(1.2)

        # Beat 5: the point, with the numbers of the whole run.
        summaries = [VGroup(label(f"mean step {step.mean():.2f} \u00d7 data size", theme, font_size=18)
                            .move_to([region.centre[0], READOUT_Y, 0]),
                            label(f"(average over all {depth} layers)", theme, font_size=15, color=theme.muted)
                            .move_to([region.centre[0], READOUT_Y - 0.3, 0]))
                     for step, region in zip(steps, PANELS)]
        closing = "Residual (C1) and second-order (C2) nets move the data in small steps, like a flow;\n" \
                  "an ordinary (C0) net jumps at every layer"
        swaps = [animation for old, new in zip(readouts, summaries) for animation in crossfade(old, new, run_time=1.2)]
        self.play(*swaps, *self.caption_to(closing, theme, run_time=1.2), run_time=1.2)
        self.wait(3.5)


def panel_title(run, theme, region: PlotRegion) -> VGroup:
    """Scheme and activation over "dt . train accuracy", centred above ``region``. Lines are placed by their
    tops and bottoms, not stacked, so a descender in one title ("ordinary") does not lift it above the others."""
    m = run.meta["model"]
    x = region.centre[0]
    name = label(network_in_words(run), theme, font_size=22, bold=True)
    step = "" if run.is_custom else f"dt {m['dt']:g}  \u00b7  "
    details = label(f"{step}{accuracy_in_words(run)}", theme, font_size=16, color=theme.muted)
    return VGroup(name.move_to([x, region.top + 0.84, 0], aligned_edge=UP),
                  details.move_to([x, region.top + 0.15, 0], aligned_edge=DOWN))


class StepReadout(PathText):
    """"mean step 0.42 × data size" of the layer step a shared time is in, centred at ``anchor``.

    During the move from layer ``l`` to ``l + 1`` (and at rest on ``l + 1``) it shows step ``l``; at the input,
    nothing. Cached glyph paths, so the text can change in the middle of an animation.
    """

    def __init__(self, steps: np.ndarray, time: ValueTracker, *, theme, anchor, font_size: float = 18, **kwargs):
        super().__init__(OutlineCache(theme, font_size=font_size), color=theme.text, **kwargs)
        self.steps, self.time, self.anchor = np.asarray(steps, float), time, np.asarray(anchor, float)[:2]
        self.follow_time(self)
        self.add_updater(self.follow_time)

    def follow_time(self, mobject: "StepReadout") -> None:
        t = self.time.get_value()
        if t <= 1e-9:
            self.place([], np.zeros((0, 2)))
            return
        step = self.steps[min(int(np.ceil(t - 1e-9)), len(self.steps)) - 1]
        self.place([f"mean step {step:.2f} \u00d7 data size"], self.anchor[None])
