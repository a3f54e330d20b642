"""Three runs side by side: ``ComparisonStory``, a ``LayerStory`` over three panels driven by one clock, and its
pieces: which runs (``compare_runs``), how far each layer moves the data (``mean_step_lengths``,
``StepReadout``), where a network first presses the plane flat (``collapse_layer``, ``collapse_words``), the panels'
titles, and the runs and the outcome in words.

The runs: ``$RIEMANN_NN_COMPARE`` (three comma-separated Run files or preset names, in panel order), else the
user's run (``$RIEMANN_NN_RUN`` or ``$RIEMANN_NN_PRESET``, as every scene reads it) in the panel of its scheme (a
custom network in the first) beside tanh networks of the other schemes trained on its data
(``companions.companion_run``), else the presets ``compare-c0``, ``compare-c1``, ``compare-c2``. Runs of different
depths stay in step by their share of the way: while the deepest moves through its layers, a shallower one moves
through its own in the same time.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Create, FadeIn, Mobject, ValueTracker, VGroup

from ..errors import RiemannNNError
from ..run import Run
from .colour import Theme
from .framing import PlotRegion
from .legends import class_sample, key_row, line_sample
from .overlays import DecisionHalfPlanes, NetworkDiagram
from .story import SCHEME_WORDS, LayerStory, crossfade, dataset_in_words, stray_outlines
from .text import CUSTOM_WORDS, SCHEME_NAMES, OutlineCache, PathText, label
from .views import LayerCounter, LayerView, ViewStyle

__all__ = [
    "COMPARE_PRESETS",
    "PANELS",
    "ComparisonStory",
    "ScaledTime",
    "StepReadout",
    "collapse_layer",
    "collapse_stops",
    "collapse_words",
    "compare_runs",
    "comparison_legend",
    "data_in_words",
    "kind_in_words",
    "mean_step_lengths",
    "networks_in_words",
    "opening_words",
    "panel_title_words",
    "panel_titles",
    "runs_in_words",
    "same_data",
    "step_summary",
    "steps_in_words",
    "stray_words",
    "sweep_words",
    "with_companions",
]

COMPARE_PRESETS = {"c0": "compare-c0", "c1": "compare-c1", "c2": "compare-c2"}
# Three square panels in a row; the gaps and margins leave room for each panel's y tick labels.
PANELS = (
    PlotRegion(-6.35, -2.65, -0.95, 2.55),
    PlotRegion(-1.85, 1.85, -0.95, 2.55),
    PlotRegion(2.65, 6.35, -0.95, 2.55),
)
TITLE_Y = 3.75  # each panel's title, above its network diagram
TITLE_OVERHANG = 0.35  # how far a title may reach past its panel's sides (the gaps between panels are 0.8)
DIAGRAM_TOP = 3.45
COUNTER_Y = 2.88  # the layer counter, between the diagram's "input" and "head"
READOUT_Y = -1.72  # the step readout under each panel, below the x tick labels


def _one_line_exit(message: str) -> SystemExit:
    return SystemExit(f"riemann-nn: {message}")


def _load(entry: str) -> Run:
    """A Run file (an existing path or a name ending in .npz) or a preset, trained and cached on first use."""
    from ..cache import load_or_train
    from ..presets import get_preset
    from ..run import load_run

    if entry.endswith(".npz") or Path(entry).is_file():
        return load_run(Path(entry))
    return load_or_train(get_preset(entry))


def compare_runs(presets: dict[str, str] = COMPARE_PRESETS) -> list[Run]:
    """The three Runs to compare, in panel order (see the module): ``$RIEMANN_NN_COMPARE`` (or its older name
    ``$RIEMANN_NN_COMPARE_RUNS``), else the user's run in the panel of its scheme (a custom network in the first)
    beside tanh networks of the other schemes trained on its data (``companions.companion_run``), else
    ``presets`` (scheme -> preset; a user's run that is one of them shows them all).

    A bad list, a bad file, an unknown preset or a user's run of another width end the render with one line
    (``SystemExit``).
    """
    listed = os.environ.get("RIEMANN_NN_COMPARE") or os.environ.get("RIEMANN_NN_COMPARE_RUNS")
    try:
        if listed:
            entries = [part.strip() for part in listed.split(",")]
            if len(entries) != 3 or not all(entries):
                raise _one_line_exit(
                    f"RIEMANN_NN_COMPARE needs three comma-separated Run files or presets, got {listed!r}"
                )
            runs = [_load(entry) for entry in entries]
        else:
            user = os.environ.get("RIEMANN_NN_RUN") or os.environ.get("RIEMANN_NN_PRESET")
            if user and user not in presets.values():
                return with_companions(_load(user), list(presets))
            runs = [_load(name) for name in presets.values()]
        for run in runs:
            run.require_width(2, what="the compare scene")
        return runs
    except RiemannNNError as error:
        raise _one_line_exit(str(error)) from None


def with_companions(run: Run, schemes: list[str]) -> list[Run]:
    """``run`` in the panel of its scheme (a custom network in the first), and in the others a tanh network of
    that scheme trained on ``run``'s points with its depth (``companions.companion_run``, cached)."""
    from ..companions import companion_run

    run.require_width(2, what="the compare scene")
    place = schemes[0] if run.is_custom else run.scheme
    if place not in schemes:
        raise _one_line_exit(
            f"{run.name} is a {run.scheme} network and no panel shows {run.scheme}; list three "
            f"runs in RIEMANN_NN_COMPARE instead"
        )
    return [run if scheme == place else companion_run(run, scheme) for scheme in schemes]


def mean_step_lengths(x: np.ndarray) -> np.ndarray:
    """How far a layer moves the data, relative to the data's size: (L+1, N, 2) -> (L,).

    Step ``l`` is the mean over points of ``|x_{l+1} - x_l|`` divided by the larger side of the bounding box
    of ``x_l`` (the data the step starts from; floored at 1e-12 so a collapsed layer gives no inf/NaN).
    """
    lengths = np.linalg.norm(np.diff(x, axis=0), axis=-1)  # (L, N)
    extents = (x[:-1].max(axis=1) - x[:-1].min(axis=1)).max(axis=-1)  # (L,)
    return lengths.mean(axis=1) / np.maximum(extents, 1e-12)


def collapse_layer(run: Run, *, ratio: float = 0.01) -> int | None:
    """The first layer that presses the plane nearly flat, onto a curve or a point (a collapse), or None.

    Layer ``l`` collapses when, at the median glyph site, its chart squeezes a small disc at least ``1 / ratio``
    times more one way than the other: ``sigma_min(J_l) <= ratio * sigma_max(J_l)`` (a zero Jacobian counts).
    """
    sigma = np.linalg.svd(run.jacobian, compute_uv=False)  # (L+1, M, 2), descending
    flatness = np.median(sigma[..., 1] / np.maximum(sigma[..., 0], 1e-300), axis=1)  # (L+1,)
    flat = np.flatnonzero(flatness <= ratio)
    return int(flat[0]) if len(flat) else None


def collapse_stops(runs: list[Run], depth: int) -> dict[int, list[Run]]:
    """Where on the clock of the deepest run (``depth`` layers) each run's first collapse shows: the first whole
    layer of that clock at which the run has reached its collapsed layer (runs of other depths move by their share
    of the way, ``ScaledTime``) -> the runs collapsing there, in panel order."""
    stops: dict[int, list[Run]] = {}
    for run in runs:
        layer = collapse_layer(run)
        if layer is not None:
            stops.setdefault(int(np.ceil(layer * depth / run.depth - 1e-9)), []).append(run)
    return dict(sorted(stops.items()))


def collapse_words(runs: list[Run]) -> str:
    """The caption when the panels of ``runs`` collapse: where to look, what happens, and what it means."""
    named = [SCHEME_WORDS[run.scheme] for run in runs if not run.is_custom]
    parts = [f"the {_listed(named)} panel" + ("s" if len(named) > 1 else "")] if named else []
    where = _listed(parts + ["your network's panel"] * any(run.is_custom for run in runs))
    return f"In {where} the plane flattens onto a curve: points across it merge, and later layers cannot separate them."


def _listed(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def kind_in_words(run: Run) -> str:
    """ "ordinary (C0)", "residual (C1)", "second-order (C2)", or "your own network" for a custom one."""
    return CUSTOM_WORDS if run.is_custom else SCHEME_WORDS[run.scheme]


def networks_in_words(runs: list[Run]) -> str:
    """ "the residual (C1) and second-order (C2) networks", "the ordinary (C0) network and your own network"."""
    named = [SCHEME_WORDS[run.scheme] for run in runs if not run.is_custom]
    parts = [f"the {_listed(named)} network" + ("s" if len(named) > 1 else "")] if named else []
    return _listed(parts + [CUSTOM_WORDS] * any(run.is_custom for run in runs))


def runs_in_words(runs: list[Run]) -> str:
    """The runs for a viewer, e.g. "Two moons · ordinary (C0), residual (C1) and second-order (C2) tanh networks
    · 8 layers of two neurons"; what differs between them is said per run."""
    data = data_in_words(runs)
    kinds = [SCHEME_WORDS[run.scheme] for run in runs if not run.is_custom]
    activations = {run.activation for run in runs if not run.is_custom}
    if len(activations) == 1 and len(kinds) == len(runs):
        networks = f"{_listed(kinds)} {activations.pop()} networks"
    else:
        networks = _listed(
            [CUSTOM_WORDS if run.is_custom else f"{SCHEME_WORDS[run.scheme]} {run.activation} network" for run in runs]
        )
    depths = [run.depth for run in runs]
    layers = f"{depths[0]} layers" if len(set(depths)) == 1 else f"{_listed([str(d) for d in depths])} layers"
    where = data[0] if len(set(data)) == 1 else _listed(data)
    return f"{where}  \u00b7  {networks}  \u00b7  {layers} of two neurons"


def steps_in_words(runs: list[Run], steps: list[np.ndarray], *, ratio: float = 2.0) -> str:
    """The outcome, from the mean steps: which networks move the data in small steps (a flow) and which jump
    (a mean step over ``ratio`` times the smallest); or that they move alike."""
    means = np.array([step.mean() for step in steps])  # (3,)
    jumps = means > ratio * means.min()
    if not jumps.any():
        return (
            "Here the three networks move the data by steps of a similar size: "
            + _listed([f"{kind_in_words(run)} {mean:.2f}" for run, mean in zip(runs, means)])
            + "."
        )
    flow = networks_in_words([run for run, jump in zip(runs, jumps) if not jump])
    jump = networks_in_words([run for run, jump in zip(runs, jumps) if jump])
    return (
        f"{flow[0].upper()}{flow[1:]} {'move' if (~jumps).sum() > 1 else 'moves'} the data in small steps, like a "
        f"flow; {jump} {'jump' if jumps.sum() > 1 else 'jumps'}."
    )


class ScaledTime(ValueTracker):
    """A layer time that follows another: ``factor`` times its value. A shallower panel's view reads it, so that
    it reaches its last layer when the deepest one does. Never animated itself."""

    def __init__(self, master: ValueTracker, factor: float, **kwargs):
        super().__init__(0.0, **kwargs)
        self.master, self.factor = master, factor

    def get_value(self) -> float:
        return self.factor * self.master.get_value()


class StepReadout(PathText):
    """ "mean step 0.42 × data size" of the layer step a view's time is in, centred at ``anchor``.

    During the move from layer ``l`` to ``l + 1`` (and at rest on ``l + 1``) it shows step ``l``; at the input,
    nothing. Cached glyph paths, so the text can change in the middle of an animation.
    """

    def __init__(self, steps: np.ndarray, time: ValueTracker, *, theme: Theme, anchor, font_size: float = 18, **kwargs):
        super().__init__(OutlineCache(theme, font_size=font_size), color=theme.text, **kwargs)
        self.steps, self.time, self.anchor = np.asarray(steps, float), time, np.asarray(anchor, float)[:2]
        self.follow_time(self)
        self.add_updater(self.follow_time)

    def text_at(self, t: float) -> str | None:
        if t <= 1e-9:
            return None
        return f"mean step {self.steps[min(int(np.ceil(t - 1e-9)), len(self.steps)) - 1]:.2f} \u00d7 data size"

    def follow_time(self, mobject: Mobject) -> None:
        text = self.text_at(self.time.get_value())
        self.place([text] if text else [], self.anchor[None])


def comparison_legend(theme: Theme) -> VGroup:
    """The classes and the decision boundary, at the bottom right under the last panel."""
    rows = [key_row(class_sample(colour), name, theme) for colour, name in zip(theme.classes, ("class 0", "class 1"))]
    rows.append(key_row(line_sample(theme.boundary), "decision boundary", theme))
    legend = VGroup(*rows).arrange(DOWN, aligned_edge=LEFT, buff=0.14)
    return legend.move_to((PANELS[-1].right, -3.75, 0), aligned_edge=DOWN + RIGHT)


def panel_titles(runs: list[Run], theme: Theme) -> list[Mobject]:
    """ "C1 residual · tanh · Δt 1" in bold, centred over each panel (an ordinary C0 layer takes no step of a size,
    so its title has no Δt); all at one size, at which the widest fits over its panel and ``TITLE_OVERHANG`` into
    the gaps beside it."""
    titles = [label(panel_title_words(run), theme, font_size=20, bold=True) for run in runs]
    shrink = min(1.0, *[(region.size[0] + 2 * TITLE_OVERHANG) / title.width for title, region in zip(titles, PANELS)])
    return [title.scale(shrink).move_to((region.centre[0], TITLE_Y, 0)) for title, region in zip(titles, PANELS)]


class ComparisonStory(LayerStory):
    """A ``LayerStory`` over three panels (``PANELS``), one per Run of ``compare_runs``, each with its title,
    network diagram, layer counter and step readout. ``self.view`` is the deepest run's view: the verbs that move
    it (``sweep``) move all three, the others following by ``ScaledTime``. Captions go under the panels, the
    legend to their bottom right.

    Verbs of its own: ``half_planes`` (every panel's), ``sweep_naming_collapses`` (a sweep that stops where a
    panel collapses, to say so), ``summarise`` (each readout becomes its run's mean step).
    """

    presets = COMPARE_PRESETS
    path = "straight"  # like with like: every panel's points move straight from layer to layer
    seconds_per_layer = 1.25
    caption_corner = (PANELS[0].left, -2.38)
    caption_edge = UP + LEFT
    caption_width = 9.6  # clear of the legend at the bottom right
    title_seconds = 5.5  # the question is short, the runs in words are not

    def load_run(self) -> Run:
        self.runs = compare_runs(self.presets)
        self.master = int(np.argmax([run.depth for run in self.runs]))
        return self.runs[self.master]

    def make_view(self) -> LayerView:
        style = ViewStyle(axis_names=False, point_radius=0.028)
        self.views = [
            LayerView(run, theme=self.theme, region=region, method=self.path, style=style)
            for run, region in zip(self.runs, PANELS)
        ]
        clock = self.views[self.master].time
        for view, run in zip(self.views, self.runs):
            if view is not self.views[self.master]:
                view.time = ScaledTime(clock, run.depth / self.runs[self.master].depth)
        return self.views[self.master]

    def make_legend(self):
        return comparison_legend(self.theme)

    def setup(self):
        super().setup()
        theme = self.theme
        self.steps = [mean_step_lengths(run.x) for run in self.runs]  # 3 x (L_i,)
        self.titles = panel_titles(self.runs, theme)
        self.diagrams = [
            NetworkDiagram(
                view,
                anchor=(region.left, DIAGRAM_TOP),
                width=region.size[0],
                height=0.28,
                node_radius=0.05,
                font_size=16,
            )
            for view, region in zip(self.views, PANELS)
        ]
        self.counters = [
            LayerCounter(view, anchor=(region.centre[0] - 0.68, COUNTER_Y), font_size=18)
            for view, region in zip(self.views, PANELS)
        ]
        self.readouts = [
            StepReadout(step, view.time, theme=theme, anchor=(region.centre[0], READOUT_Y))
            for step, view, region in zip(self.steps, self.views, PANELS)
        ]
        self.collapses = collapse_stops(self.runs, self.depth)  # the ones not named yet

    def title_lines(self) -> tuple[str, str]:
        accuracies = [f"{run.name} {100 * run.meta['training']['accuracy']:.0f}%" for run in self.runs]
        return runs_in_words(self.runs), "train accuracy:  " + "  \u00b7  ".join(accuracies)

    def stage_mobjects(self) -> list[Mobject]:
        return [*self.titles, *self.diagrams, *self.counters, self.legend, *self.views, *self.readouts]

    def half_planes(self, caption: str | None = None) -> VGroup:
        """Every panel's head: half-planes and line over its last layer (the views must be there), heads lit."""
        planes = VGroup(
            *[
                DecisionHalfPlanes(run.head_weight, float(run.head_bias), view.framing, self.theme)
                for run, view in zip(self.runs, self.views)
            ]
        )
        self.add(planes)
        self.bring_to_back(planes)
        captions = self.caption_animations(caption, run_time=1.2) if caption else []
        self.play(
            FadeIn(planes), *[diagram.head.animate.set_value(1.0) for diagram in self.diagrams], *captions, run_time=1.2
        )
        return planes

    def sweep_naming_collapses(self, to_layer: int, *, caption: str | None = None) -> None:
        """Sweep every panel forward to ``to_layer`` (``caption`` as it starts); where a panel first collapses on
        the way (``collapse_stops``), stop and say so (``collapse_words``), once per collapse."""
        here = round(self.view.time.get_value())
        for stop in [stop for stop in self.collapses if here < stop <= to_layer]:
            self.sweep(stop, caption=caption)
            caption = None
            self.say(collapse_words(self.collapses.pop(stop)))
        self.sweep(to_layer, caption=caption)

    def name_stray_boundaries(self) -> None:
        """Where a panel's decision boundary has a piece far from its data (the views at their input), box it and
        say what it is; otherwise nothing."""
        outlines = [stray_outlines(view) for view in self.views]
        strays = [run for run, boxes in zip(self.runs, outlines) if len(boxes)]
        if strays:
            shown = [boxes for boxes in outlines if len(boxes)]
            self.say(stray_words(strays), *[Create(boxes) for boxes in shown])
            self.hide(*shown)

    def summarise(self, caption: str | None = None) -> None:
        """Each readout becomes its run's mean step over all its layers (with a new caption)."""
        self.read()
        summaries = [
            step_summary(step, self.theme).move_to((region.centre[0], READOUT_Y - 0.1, 0))
            for step, region in zip(self.steps, PANELS)
        ]
        swaps = [
            animation for old, new in zip(self.readouts, summaries) for animation in crossfade(old, new, run_time=1.2)
        ]
        captions = self.caption_animations(caption, run_time=1.2) if caption else []
        self.play(*swaps, *captions, run_time=1.2)


def step_summary(steps: np.ndarray, theme: Theme) -> VGroup:
    """A run's mean step over all its layers (``steps`` (L,)), for the readout's place once the sweep is done."""
    return VGroup(
        label(f"mean step {steps.mean():.2f} \u00d7 data size", theme, font_size=18),
        label(f"(over all {len(steps)} layers)", theme, font_size=16, color=theme.muted),
    ).arrange(DOWN, buff=0.08)


def stray_words(runs: list[Run]) -> str:
    """What the boxes around the stray pieces of the boundary of ``runs`` (one or more panels) are."""
    named = [SCHEME_NAMES[run.scheme] for run in runs if not run.is_custom]
    parts = [f"the {_listed(named)} panel" + ("s" if len(named) > 1 else "")] if named else []
    where = _listed(parts + ["your network's panel"] * any(run.is_custom for run in runs))
    return (
        f"Boxed, in {where}: a piece of the decision boundary far from the data. The network splits the plane "
        f"there too, with no data to guide it."
    )


def same_data(runs: list[Run]) -> bool:
    """Whether every run's input holds the very same points."""
    first = runs[0].x[0]
    return all(run.x[0].shape == first.shape and np.array_equal(run.x[0], first) for run in runs[1:])


def data_in_words(runs: list[Run]) -> list[str]:
    """Each run's data in words (``dataset_in_words``); runs that hold the very same points all take the first name
    given to them, where some are nameless arrays (a companion trained on a run's data is "Your data")."""
    words = [dataset_in_words(run) for run in runs]
    if not same_data(runs):
        return words
    named = [
        word
        for run, word in zip(runs, words)
        if run.meta["dataset"].get("source") != "arrays" or run.meta.get("display", {}).get("title")
    ]
    return [named[0] if named else words[0]] * len(runs)


def panel_title_words(run: Run) -> str:
    """A panel's title in words: "C1 residual · tanh · Δt 1", "C0 ordinary · tanh", "Your own network"."""
    if run.is_custom:
        return "Your own network"
    return " \u00b7 ".join([SCHEME_NAMES[run.scheme], run.activation, *_step_size(run)])


def _step_size(run: Run) -> list[str]:
    """The panel title's step size: ["Δt 0.5"] for a residual or second-order run, none for an ordinary one (its
    layers ignore dt)."""
    return [] if run.is_custom or run.scheme == "c0" else [f"\u0394t {run.dt:.3g}"]


def opening_words(runs: list[Run]) -> str:
    """The first caption: the data in the input of the networks, named by their kinds; and what the Δt in the
    panel titles is, where one shows it."""
    networks = _listed([kind_in_words(run) for run in runs])
    data = {words.lower() for words in data_in_words(runs)}
    if same_data(runs):
        words = f"The same points, {data.pop()}, in the input of three networks: {networks}."
    elif len(data) == 1:
        words = f"Three networks, each with its own sample of {data.pop()}: {networks}."
    else:
        words = f"Three networks, each with its own data: {networks}."
    if any(_step_size(run) for run in runs):
        words += " \u0394t in a title: the size of each layer's step."
    return words


def sweep_words(runs: list[Run]) -> str:
    """The forward sweep's caption: in sync layer by layer, or, for runs of different depths, by share of depth;
    and what the readouts under the panels say."""
    depths = sorted({run.depth for run in runs})
    pace = (
        "Layer by layer, in sync."
        if len(depths) == 1
        else f"Layer by layer; with {_listed([str(d) for d in depths]).replace(' and ', ' or ')} layers, each "
        f"network reaches its last one at the same time."
    )
    return f"{pace} Under each panel: how far this layer moves the points, as a share of the data's size."
