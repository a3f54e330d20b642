"""The kernels scene and its overlay: level values, merged level sets, strokes along the level sets in every layer
(against the logit's gradient there and finite differences of the network), the level sets' parallel lines in the
last layer, the collapse marks along the input metric's kernel, and a tiny real render whose legend rows appear
with their marks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from manim import VMobject

from riemann_nn.metric import logit_gradients
from riemann_nn.network import propagate
from riemann_nn.render.colour import THEMES, from_hex
from riemann_nn.render.overlays import LEVEL_OPACITY, LevelSets, logit_levels, merge_level_sets
from riemann_nn.render.subtitles import reading_seconds
from riemann_nn.render.views import LayerView
from riemann_nn.run import save_run

from conftest import _small_run
from render_support import load_scene_module, read_cues, render_scene

THEME = THEMES["dark"]
FPS = 5


def test_logit_levels_are_round_steps_either_side_of_the_boundary(small_run):
    levels = np.array(logit_levels(small_run))
    assert len(levels) >= 2 and 0.0 not in levels
    np.testing.assert_allclose(np.sort(-levels), levels)  # symmetric about 0
    step = levels[levels > 0].min()
    np.testing.assert_allclose(np.diff(levels[levels > 0]), step)
    mantissa = step / 10.0 ** math.floor(math.log10(step))
    assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-9
    assert levels.max() <= np.quantile(np.abs(small_run.logits(small_run.x[-1])), 0.9) + 1e-9


def test_merge_level_sets_packs_every_level_once():
    a = np.arange(2 * 3 * 2, dtype=float).reshape(2, 3, 2)  # (L+1, 3 vertices, 2): one polyline
    b = -np.arange(2 * 4 * 2, dtype=float).reshape(2, 4, 2)  # two polylines of 2 vertices
    vertices, offsets = merge_level_sets([(1.0, a, np.array([0, 3])), (2.0, b, np.array([0, 2, 4]))], depth=1)
    np.testing.assert_array_equal(offsets, [0, 3, 5, 7])
    np.testing.assert_array_equal(vertices, np.concatenate([a, b], axis=1))
    empty, none = merge_level_sets([], depth=3)
    assert empty.shape == (4, 0, 2) and none.tolist() == [0]


def segments(mobject: VMobject) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends (K, 2) of the straight pieces a marks mobject drew (four Bezier points each)."""
    points = mobject.points[:, :2].reshape(-1, 4, 2)
    return points[:, 0], points[:, 3]


def layered_view(run) -> tuple[LayerView, LevelSets]:
    view = LayerView(run, theme=THEME, fit_sites=1.0)
    marks = LevelSets(view, logit_levels(run))
    return view, marks


def move(view: LayerView, marks: LevelSets, t: float) -> None:
    view.time.set_value(t)
    view.follow_layer(view)
    marks.follow_view(marks)


def test_strokes_run_along_the_level_sets_in_every_layer(small_run):
    """At every layer each site's stroke is perpendicular to the logit's gradient in that layer's coordinates,
    ``M_l^T w`` (from the Run's factors, not from the pushed strokes), one stroke per site."""
    view, marks = layered_view(small_run)
    marks.grow.set_value(1.0)
    gradients = logit_gradients(small_run.jacobian, small_run.head_weight)  # (L+1, M, 2)
    sound = ~small_run.unbounded.any(axis=0)  # where no chart collapsed, the factors are exact
    for layer in range(small_run.depth + 1):
        move(view, marks, float(layer))
        starts, ends = segments(marks.strokes)
        assert len(starts) == small_run.sites.shape[1]
        length = np.linalg.norm(ends - starts, axis=1, keepdims=True)  # (M, 1): 0 where squashed to nothing
        assert (length[sound] > 0).all()
        direction = np.divide(ends - starts, length, out=np.zeros_like(starts), where=length > 0)  # (M, 2)
        normal = gradients[layer] / np.linalg.norm(gradients[layer], axis=1, keepdims=True)
        cosine = np.abs(np.einsum("mi,mi->m", direction, normal))  # one zoom, no rotation: screen = layer angles
        assert (cosine[sound] < 1e-6).all(), f"layer {layer}: {cosine[sound].max():.2e}"


def test_moving_along_a_stroke_leaves_the_logit_unchanged(c1_run):
    """Finite differences of the network itself: across a stroke the logit changes at first order, along it
    only at second order."""
    view, marks = layered_view(c1_run)
    marks.grow.set_value(1.0)
    move(view, marks, 0.0)
    starts, ends = segments(marks.strokes)
    along = (ends - starts) / np.linalg.norm(ends - starts, axis=1, keepdims=True)  # (M, 2)
    across = np.column_stack([-along[:, 1], along[:, 0]])

    def logit(points):
        layers = propagate(
            c1_run.weight, c1_run.bias, points, scheme=c1_run.scheme, activation=c1_run.activation, dt=c1_run.dt
        )
        return c1_run.logits(layers[-1])

    sites, h = c1_run.sites[0], 1e-4 * float(np.ptp(c1_run.sites[0]))
    slope_along = (logit(sites + h * along) - logit(sites - h * along)) / (2 * h)
    slope_across = (logit(sites + h * across) - logit(sites - h * across)) / (2 * h)
    assert (np.abs(slope_along) <= 1e-4 * np.abs(slope_across) + 1e-12).all()


def test_level_sets_are_parallel_lines_in_the_last_layer(small_run):
    """Drawn points of the level sets, mapped back from the screen to last-layer coordinates, have logit
    w . x + c on one of the levels: parallel lines a step apart (the traced vertices are put on their level by
    Newton steps in the input, so every drawn point lies on its line)."""
    view, marks = layered_view(small_run)
    marks.reveal.set_value(1.0)
    move(view, marks, float(small_run.depth))
    starts, ends = segments(marks.lines)
    assert len(starts) > 10
    framing = view.current_framing
    points = (np.concatenate([starts, ends]) - framing.region.centre) / framing.zoom + framing.centre  # (2K, 2)
    logits = points @ small_run.head_weight + float(small_run.head_bias)
    levels = np.array(marks.levels)
    off = np.abs(logits[:, None] - levels[None]).min(axis=1)
    assert (off < 1e-6 * np.abs(levels).min()).all(), off.max()


def contrast(first: np.ndarray, second: np.ndarray) -> float:
    """WCAG 2's contrast ratio of two sRGB colours (3, in [0, 1]): (L1 + 0.05) / (L2 + 0.05), L the relative
    luminance."""

    def luminance(rgb: np.ndarray) -> float:
        linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
        return float(linear @ np.array([0.2126, 0.7152, 0.0722]))

    low, high = sorted([luminance(first), luminance(second)])
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name", sorted(THEMES))
def test_level_sets_read_on_a_projector_and_never_pass_for_the_boundary(name):
    """The level sets' grey (the boundary's colour at their opacity, over the background, as Cairo blends it) is
    3:1 (WCAG's contrast for graphics) from the background and from the decision boundary alike."""
    theme = THEMES[name]
    background, boundary = from_hex(theme.background), from_hex(theme.boundary)
    opacity = LEVEL_OPACITY[name]
    grey = opacity * boundary + (1 - opacity) * background  # (3,)
    assert contrast(grey, background) >= 3.0 and contrast(grey, boundary) >= 3.0


def test_level_sets_are_drawn_under_the_data_and_the_boundary(small_run):
    """The level sets and their casing sit in the view right above the grid, under the data, the boundary and the
    strokes; the casing, in the background colour, follows the very same path, and both fade in with ``reveal``."""
    view, marks = layered_view(small_run)
    order = view.submobjects
    assert (
        order.index(view.grid)
        < order.index(marks.lines_casing)
        < order.index(marks.lines)
        < order.index(view.clouds)
        < order.index(view.boundary)
    )
    assert marks.lines not in marks.submobjects and marks.strokes in marks.submobjects
    assert marks.lines_casing.get_stroke_color().to_hex().upper() == THEME.background.upper()
    assert marks.lines_casing.get_stroke_width() > marks.lines.get_stroke_width()
    move(view, marks, 1.0)
    assert marks.lines.get_stroke_opacity() == 0.0 and marks.lines_casing.get_stroke_opacity() == 0.0
    marks.reveal.set_value(1.0)
    move(view, marks, 1.0)
    assert len(marks.lines.points) > 0
    np.testing.assert_array_equal(marks.lines_casing.points, marks.lines.points)
    assert marks.lines.get_stroke_opacity() == pytest.approx(LEVEL_OPACITY["dark"])
    assert marks.lines_casing.get_stroke_opacity() == 1.0


def test_strokes_and_collapse_marks_are_drawn_in_every_frame(small_run):
    """Nothing before they grow; then, frame by frame through every layer (15 fps), one stroke per site and one
    mark per collapsed site, cut at the border, never dropped."""
    view, marks = layered_view(small_run)
    move(view, marks, 0.0)
    assert len(marks.strokes.points) == 0 and len(marks.collapses.points) == 0
    marks.grow.set_value(1.0)
    marks.collapse.set_value(1.0)
    sites, collapsed = small_run.sites.shape[1], int(small_run.unbounded[0].sum())
    for t in np.linspace(0.0, small_run.depth, 15 * small_run.depth + 1):
        move(view, marks, t)
        assert len(marks.strokes.get_subpaths()) == sites, f"t = {t:.3f}"
        assert marks.collapses.shapes_drawn == collapsed, f"t = {t:.3f}"


def test_collapse_marks_lie_along_the_input_metrics_kernel():
    """The small c0 net's saturated layers collapse charts: at the input each mark's shaft (its farthest
    points from the site) is a null direction of the Run's input metric g_0."""
    run = _small_run("c0")
    collapsed = run.unbounded[0]
    assert collapsed.any()
    view, marks = layered_view(run)
    marks.collapse.set_value(1.0)
    move(view, marks, 0.0)
    paths = marks.collapses.get_subpaths()
    centres = view.current_framing.to_screen(run.sites[0][collapsed])  # (C, 2)
    assert len(paths) == len(centres)
    metric = run.metric[0][collapsed]  # (C, 2, 2)
    for path, centre, g in zip(paths, centres, metric):
        offsets = path[:, :2] - centre
        tip = offsets[np.argmax(np.linalg.norm(offsets, axis=1))]
        direction = tip / np.linalg.norm(tip)
        assert np.linalg.norm(g @ direction) <= 1e-6 * np.linalg.norm(g) + 1e-300


def test_squeeze_order_is_the_typical_condition_number_of_the_last_chart(small_run):
    """The powers of ten between the last chart's stretch and squeeze at a typical site: the median over the sites
    of log10 of J_L's 2-norm condition number, rounded."""
    _, marks = layered_view(small_run)
    expected = np.median(np.log10(np.linalg.cond(small_run.jacobian[-1], 2)))
    assert marks.squeeze_order == round(expected)


# -- the scene, rendered -------------------------------------------------------------------------------------
def opacity(mobject) -> float:
    return max(
        (max(m.get_fill_opacity(), m.get_stroke_opacity()) for m in mobject.family_members_with_points()), default=0.0
    )


@pytest.mark.render
def test_kernels_video_reads_and_shows_each_legend_row_with_its_marks(tmp_path, monkeypatch):
    """The scene on the small c0 run (collapsed charts) at 128x72, 5 fps: at most 60 s; every caption a cue held
    for its reading time, none overlapping, no formula in plain text; in every frame a legend row is visible only
    while its marks are drawn, and every stroke is drawn once its marks grow."""
    run = _small_run("c0")
    monkeypatch.setenv("RIEMANN_NN_RUN", str(save_run(run, tmp_path / "c0.npz")))
    monkeypatch.delenv("RIEMANN_NN_PRESET", raising=False)
    frames: list[tuple[list[float], list[float], int]] = []

    class Recorded(load_scene_module("kernels").LogitKernels):
        def construct(self):
            trackers = [self.marks.reveal, self.marks.grow, self.marks.collapse]  # the marks of rows 0, 1, 2

            def record(dt):  # a scene updater: after every mobject's own, each frame
                rows = [opacity(row) if row in self.mobjects else 0.0 for row in self.legend.glyph_rows]
                frames.append((rows, [t.get_value() for t in trackers], len(self.marks.strokes.get_subpaths())))

            self.add_updater(record)
            super().construct()

    scene, movie, duration = render_scene(Recorded, tmp_path)
    assert duration <= 60
    assert len(scene.legend.glyph_rows) == 3, "the run has collapsed charts: their row is promised"
    cues = read_cues(movie.with_suffix(".vtt"))
    assert any("flattens" in text for *_, text in cues)
    for (start, end, text), following in zip(cues, [*cues[1:], (duration, duration, "")]):
        assert end - start >= reading_seconds(text) - 1 / FPS, text
        assert end <= following[0] + 1e-6
        assert "J_" not in text and "^T" not in text and "\u2207" not in text
    for shown, drawn, strokes in frames:
        for row, marks in zip(shown, drawn):
            assert row < 0.05 or marks > 0, "a legend row without its marks"
        assert strokes == (run.sites.shape[1] if drawn[1] > 0 else 0)
    assert frames[-1][0] == [pytest.approx(1.0)] * 3, "every row shown in the end"


# -- the formulas ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("latex", [True, False])
def test_formula_blocks_define_their_symbols_beside_them(latex, monkeypatch):
    """Each block is formula, words, formula, words, top to bottom and left-aligned, no wider than the story's
    panel (which would shrink it), a defined symbol left of its words, level with them; without LaTeX no
    MathTex is built (plain text instead)."""
    from riemann_nn.render import text
    from riemann_nn.render.story import PANEL_WIDTH

    if not latex:
        monkeypatch.setattr(text, "has_latex", lambda: False)
        monkeypatch.setattr(text, "MathTex", lambda *a, **k: pytest.fail("MathTex built without LaTeX"))
    elif not text.has_latex():
        pytest.skip("no LaTeX here")
    for block in (text.kernel_formulas(THEME), text.volume_formulas(THEME)):
        tops = [row.get_top()[1] for row in block]
        assert tops == sorted(tops, reverse=True) and len(block) >= 3
        assert max(abs(row.get_left()[0] - block.get_left()[0]) for row in block) < 1e-9
        assert block.width <= PANEL_WIDTH
    for block in (text.kernel_formulas(THEME), text.volume_formulas(THEME)):
        defined = [row for row in block if len(row.submobjects) == 2]  # symbol and words; formulas are one path
        assert len(defined) == 2
        for symbol, words in defined:
            assert symbol.get_right()[0] < words.get_left()[0]
            assert words.get_bottom()[1] < symbol.get_center()[1] < words.get_top()[1]
