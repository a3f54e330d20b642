"""Jumps or flow? The same data through an ordinary (C0), a residual (C1) and a second-order (C2) network, side by
side, layer by layer in sync; under each panel, how far the current layer moves the data.

    manim -pql scenes/compare.py

The paper's point made visible: residual and second-order networks move the data in small steps, like a flow,
while an ordinary network jumps. The runs (``riemann_nn.render.comparison.compare_runs``):

- by default the presets ``compare-c0``, ``compare-c1``, ``compare-c2`` (the same moons, 8 tanh layers each);
- your run, ``RIEMANN_NN_RUN=mine.npz`` (or ``RIEMANN_NN_PRESET=<name>``, or ``riemann-nn render --scene compare
  --run mine.npz``), takes the panel of its scheme (a custom network the first), beside tanh networks of the other
  schemes trained on its data with its depth (trained once, then cached);
- ``RIEMANN_NN_COMPARE="a.npz,b.npz,c.npz"`` (or ``RIEMANN_NN_COMPARE_RUNS``) shows any three Run files or
  presets, in that order.

Runs of different depths move in step by their share of the way (each reaches its last layer at the same time).
Points move straight from layer to layer in every panel. ``RIEMANN_NN_THEME`` picks the colours (dark, light);
subtitles are written beside the video.
"""

from riemann_nn.render.comparison import ComparisonStory, opening_words, steps_in_words, sweep_words


class SchemeComparison(ComparisonStory):
    """C0, C1 and C2 networks on the same data, driven by one clock: jumps against a flow."""

    question = "Jumps or flow?"

    def construct(self):
        self.title_card()
        self.say(opening_words(self.runs))
        self.name_stray_boundaries()
        # Forward, one clock for all three; the readouts say how far each layer moves the data; a panel that
        # presses the plane flat is named when it does.
        self.sweep_naming_collapses(self.depth // 2, caption=sweep_words(self.runs))
        self.say("Watch the size of each step: a jump, or a small move like a flow?")
        self.sweep_naming_collapses(self.depth)
        self.half_planes("In the last layer each network's head draws a straight line between the classes.")
        # The outcome, with the numbers of the whole run.
        self.summarise(steps_in_words(self.runs, self.steps))
        self.close(
            "C1 and C2 layers are steps of a differential equation: small steps make a flow. C0 layers are "
            "free to jump."
        )
