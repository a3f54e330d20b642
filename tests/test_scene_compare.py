"""The comparison scene: its render pieces (riemann_nn.render.comparison) against hand computations, its run
selection (the user's run in the panel of its scheme), and a real tiny render of three tiny runs."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
from manim import ValueTracker

from riemann_nn.config import DatasetConfig, GeometryConfig, ModelConfig, RunConfig, TrainConfig
from riemann_nn.export import build_run
from riemann_nn.presets import get_preset
from riemann_nn.render.colour import THEMES
from riemann_nn.render.comparison import (
    PANELS,
    ComparisonStory,
    ScaledTime,
    StepReadout,
    collapse_layer,
    collapse_stops,
    collapse_words,
    compare_runs,
    comparison_legend,
    mean_step_lengths,
    opening_words,
    panel_title_words,
    panel_titles,
    runs_in_words,
    same_data,
    step_summary,
    steps_in_words,
    stray_words,
    sweep_words,
    with_companions,
)
from riemann_nn.render.subtitles import reading_seconds
from riemann_nn.render.views import LayerView, ViewStyle
from riemann_nn.run import load_run, save_run

from render_support import (
    decode,
    lit_fraction,
    load_scene_module,
    mean_change,
    read_cues,
    render_scene,
    smallest_letter_pixels,
)


def tiny_config(scheme: str, *, depth: int = 2, name: str | None = None) -> RunConfig:
    gain = 1.0 if scheme == "c0" else 1e-3
    return RunConfig(
        name=name or f"tiny-{scheme}",
        dataset=DatasetConfig("moons", n=60, noise=0.08, seed=1),
        model=ModelConfig(scheme, "tanh", depth=depth, dt=1.0, init_gain=gain),
        training=TrainConfig(iterations=30, lr=0.05, weight_decay=0.0, seed=1),
        geometry=GeometryConfig(sites_per_side=3, grid_lines=4, grid_samples=9),
    )


@pytest.fixture(scope="module")
def tiny_run_files(tmp_path_factory):
    """Three tiny Run files of depth 2 on the same moons, one per scheme (c0, c1, c2)."""
    folder = tmp_path_factory.mktemp("compare")
    return [
        save_run(build_run(tiny_config(scheme), progress=False), folder / f"{scheme}.npz")
        for scheme in ("c0", "c1", "c2")
    ]


@pytest.fixture(scope="module")
def tiny_presets(tiny_run_files):
    """The three files as the scene's scheme -> run table (``compare_runs`` reads a .npz entry as a file)."""
    return dict(zip(("c0", "c1", "c2"), map(str, tiny_run_files)))


def test_mean_step_lengths_by_hand():
    """Two points over two layers, worked out on paper."""
    x = np.array(
        [
            [[0.0, 0.0], [2.0, 1.0]],  # layer 0: box 2 x 1, extent 2
            [[3.0, 4.0], [2.0, 1.0]],  # steps 5 and 0 -> mean 2.5 / 2; box 1 x 3, extent 3
            [[3.0, 4.0], [2.0, -2.0]],  # steps 0 and 3 -> mean 1.5 / 3
        ]
    )
    np.testing.assert_allclose(mean_step_lengths(x), [1.25, 0.5], rtol=0, atol=1e-12)


def test_mean_step_lengths_of_a_collapsed_layer_are_finite():
    """A layer where every point sits at one place (extent 0) gives a finite number, no inf/NaN."""
    x = np.array([[[1.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]], [[0.0, 0.0], [1.0, 0.0]]])
    steps = mean_step_lengths(x)
    assert np.isfinite(steps).all() and steps[0] == 0.0


def test_compare_presets_share_data_and_depth():
    configs = [get_preset(f"compare-{scheme}") for scheme in ("c0", "c1", "c2")]
    assert [c.model.scheme for c in configs] == ["c0", "c1", "c2"]
    assert len({c.dataset for c in configs}) == 1 and len({c.model.depth for c in configs}) == 1


def test_compare_runs_takes_the_table_or_a_list(tiny_presets, tiny_run_files, tmp_path, monkeypatch):
    """No setting: the three runs of the table, as also when the user's run is one of them. RIEMANN_NN_COMPARE (or
    its older name RIEMANN_NN_COMPARE_RUNS) lists any three, of any depths, in its order."""
    for name in ("RIEMANN_NN_COMPARE", "RIEMANN_NN_COMPARE_RUNS", "RIEMANN_NN_RUN", "RIEMANN_NN_PRESET"):
        monkeypatch.delenv(name, raising=False)
    assert [run.name for run in compare_runs(tiny_presets)] == ["tiny-c0", "tiny-c1", "tiny-c2"]
    monkeypatch.setenv("RIEMANN_NN_PRESET", tiny_presets["c1"])
    assert [run.name for run in compare_runs(tiny_presets)] == ["tiny-c0", "tiny-c1", "tiny-c2"]
    deeper = save_run(build_run(tiny_config("c1", depth=3, name="deeper"), progress=False), tmp_path / "deeper.npz")
    monkeypatch.setenv("RIEMANN_NN_COMPARE", f"{tiny_run_files[2]}, {deeper} ,{tiny_run_files[0]}")
    runs = compare_runs(tiny_presets)
    assert [run.name for run in runs] == ["tiny-c2", "deeper", "tiny-c0"] and runs[1].depth == 3
    monkeypatch.delenv("RIEMANN_NN_COMPARE")
    monkeypatch.setenv("RIEMANN_NN_COMPARE_RUNS", f"{tiny_run_files[1]},{tiny_run_files[0]},{tiny_run_files[2]}")
    assert [run.name for run in compare_runs(tiny_presets)] == ["tiny-c1", "tiny-c0", "tiny-c2"]


def test_your_run_is_compared_with_companions_trained_on_its_data(tiny_run_files, tmp_path, monkeypatch):
    """``--run yours.npz``: yours in the place of its scheme (a custom network in the first), tanh nets of the
    other schemes beside it with its depth, trained on its very points and labels, cached: a second call trains
    nothing."""
    from dataclasses import replace

    for name in ("RIEMANN_NN_COMPARE", "RIEMANN_NN_COMPARE_RUNS", "RIEMANN_NN_PRESET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RIEMANN_NN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("RIEMANN_NN_RUN", str(tiny_run_files[1]))  # a c1 run
    yours = load_run(tiny_run_files[1])
    runs = compare_runs()
    assert [run.scheme for run in runs] == ["c0", "c1", "c2"]
    np.testing.assert_array_equal(runs[1].x, yours.x)
    for companion in (runs[0], runs[2]):
        assert companion.depth == yours.depth and companion.meta["dataset"]["source"] == "arrays"
        np.testing.assert_allclose(companion.x[0], yours.x[0], rtol=0, atol=0)
        np.testing.assert_array_equal(companion.y, yours.y)
    assert same_data(runs) and opening_words(runs).startswith("The same points, two moons,")
    assert runs_in_words(runs).startswith("Two moons  \u00b7  ordinary (C0)")
    cached = sorted((tmp_path / "cache").iterdir())
    assert len(cached) == 2
    stamps = [path.stat().st_mtime_ns for path in cached]
    again = compare_runs()
    assert [path.stat().st_mtime_ns for path in sorted((tmp_path / "cache").iterdir())] == stamps
    np.testing.assert_array_equal(again[0].x, runs[0].x)
    custom = replace(yours, meta={**yours.meta, "model": {**yours.meta["model"], "scheme": "custom"}})
    placed = with_companions(custom, ["c0", "c1", "c2"])
    assert placed[0] is custom and [run.scheme for run in placed[1:]] == ["c1", "c2"]
    assert (
        runs_in_words(placed).split("  \u00b7  ")[1] == "your own network, residual (C1) tanh network and "
        "second-order (C2) tanh network"
    )
    assert panel_titles(placed, THEMES["dark"])[0].height > 0
    steps = [np.array([0.5]), np.array([0.1]), np.array([0.1])]
    assert steps_in_words(placed, steps) == (
        "The residual (C1) and second-order (C2) networks move the data in small "
        "steps, like a flow; your own network jumps."
    )


def test_compare_runs_rejects_bad_lists_files_and_presets(tiny_presets, tiny_run_files, tmp_path, monkeypatch):
    """A list of two, a corrupt file or an unknown preset end with one line naming the problem."""
    monkeypatch.delenv("RIEMANN_NN_RUN", raising=False)
    monkeypatch.setenv("RIEMANN_NN_COMPARE", f"{tiny_run_files[0]},{tiny_run_files[1]}")
    with pytest.raises(SystemExit, match="three comma-separated"):
        compare_runs(tiny_presets)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.setenv("RIEMANN_NN_COMPARE", f"{tiny_run_files[0]},{bad},{tiny_run_files[2]}")
    with pytest.raises(SystemExit, match=r"bad\.npz"):
        compare_runs(tiny_presets)
    monkeypatch.delenv("RIEMANN_NN_COMPARE")
    monkeypatch.setenv("RIEMANN_NN_PRESET", "no-such-preset")
    with pytest.raises(SystemExit, match="no-such-preset"):
        compare_runs(tiny_presets)


def test_a_shallower_panel_keeps_step_by_its_share_of_the_way():
    """A depth-4 panel beside a depth-8 one: at master time 2 it is at 1, at 8 at its last layer 4."""
    master = ValueTracker(0.0)
    half = ScaledTime(master, 4 / 8)
    for value, expected in ((0.0, 0.0), (2.0, 1.0), (5.0, 2.5), (8.0, 4.0)):
        master.set_value(value)
        assert half.get_value() == expected


def test_step_readout_names_the_step_being_taken():
    """Nothing at the input; step l while moving from layer l to l + 1 and at rest on l + 1."""
    time = ValueTracker(0.0)
    readout = StepReadout(np.array([0.5, 0.25, 0.125]), time, theme=THEMES["dark"], anchor=(0, 0))
    assert readout.text_at(0.0) is None
    assert readout.text_at(0.3) == readout.text_at(1.0) == "mean step 0.50 \u00d7 data size"
    assert readout.text_at(1.01) == "mean step 0.25 \u00d7 data size"
    assert readout.text_at(3.0) == "mean step 0.12 \u00d7 data size"


def test_the_runs_and_the_outcome_in_words(tiny_run_files):
    runs = [load_run(f) for f in tiny_run_files]
    assert runs_in_words(runs) == (
        "Two moons  \u00b7  ordinary (C0), residual (C1) and second-order (C2) tanh "
        "networks  \u00b7  2 layers of two neurons"
    )
    assert same_data(runs) and opening_words(runs).startswith("The same points, two moons,")
    assert sweep_words(runs).startswith("Layer by layer, in sync.")
    deeper = build_run(tiny_config("c1", depth=3), progress=False)  # the same moons, but 3 layers
    assert sweep_words([runs[0], deeper, runs[2]]).startswith(
        "Layer by layer; with 2 or 3 layers, each network reaches its last one at the same time."
    )
    other = build_run(
        tiny_config("c1").replace(dataset=DatasetConfig("moons", n=50, noise=0.08, seed=2)), progress=False
    )
    assert not same_data([runs[0], other, runs[2]])
    assert opening_words([runs[0], other, runs[2]]).startswith("Three networks, each with its own sample of two moons")
    steps = [np.array([0.5, 0.7]), np.array([0.1, 0.2]), np.array([0.2, 0.1])]
    assert steps_in_words(runs, steps) == (
        "The residual (C1) and second-order (C2) networks move the data in small "
        "steps, like a flow; the ordinary (C0) network jumps."
    )
    alike = [np.array([0.2]), np.array([0.3]), np.array([0.25])]
    assert steps_in_words(runs, alike).startswith("Here the three networks move the data by steps of a similar size")
    assert steps_in_words(runs, [steps[1], steps[0], steps[2]]).endswith("the residual (C1) network jumps.")


def test_stray_pieces_are_named_by_panel(tiny_run_files):
    runs = [load_run(f) for f in tiny_run_files]
    assert stray_words(runs[1:2]).startswith("Boxed, in the C1 residual panel: a piece of the decision boundary")
    assert stray_words([runs[0], runs[2]]).startswith("Boxed, in the C0 ordinary and C2 second-order panels:")


def rotated_jacobians(flatness: list[float], *, sites: int = 5) -> np.ndarray:
    """(L+1, M, 2, 2) Jacobians whose singular values at every site are 3 and 3 * ``flatness[l]``, turned by a
    different angle at each site (the measure must not depend on directions)."""
    angles = np.linspace(0.0, 2.0, sites)  # (M,)
    turn = np.stack(
        [np.stack([np.cos(angles), -np.sin(angles)], -1), np.stack([np.sin(angles), np.cos(angles)], -1)], -2
    )
    return np.stack([3.0 * turn @ np.diag([1.0, f]) @ turn.transpose(0, 2, 1) for f in flatness])


def test_a_layer_collapses_where_it_squeezes_a_disc_a_hundred_times_flatter():
    """sigma_min / sigma_max of J_l at the median site: 0.011 is not flat, 0.0099 is (the threshold is 0.01), a
    rank-one Jacobian and a zero one are; the first such layer is the collapse."""
    assert collapse_layer(SimpleNamespace(jacobian=rotated_jacobians([1.0, 0.3, 0.02, 0.005, 0.0]))) == 3
    assert collapse_layer(SimpleNamespace(jacobian=rotated_jacobians([1.0, 0.5, 0.011]))) is None
    assert collapse_layer(SimpleNamespace(jacobian=rotated_jacobians([1.0, 0.0099]))) == 1
    zero = rotated_jacobians([1.0, 1.0])
    zero[1] = 0.0
    assert collapse_layer(SimpleNamespace(jacobian=zero)) == 1
    # The median site decides: two flat sites of five do not make a collapse, three do.
    mixed = rotated_jacobians([1.0, 0.5])
    mixed[1, :2] = rotated_jacobians([0.001])[0, :2]
    assert collapse_layer(SimpleNamespace(jacobian=mixed)) is None
    mixed[1, :3] = rotated_jacobians([0.001])[0, :3]
    assert collapse_layer(SimpleNamespace(jacobian=mixed)) == 1


def test_collapses_stop_the_deepest_runs_clock_where_each_panel_has_reached_its_own():
    """A depth-4 panel collapsing at its layer 3 is there at layer 6 of a depth-8 clock; one of depth 3 collapsing at
    2 has reached it at 16/3, so the clock stops at 6 too; a depth-8 one collapsing at 5 stops it at 5."""

    def run(depth: int, flat_at: int | None, scheme: str = "c0"):
        flatness = [1.0] * (depth + 1) if flat_at is None else [1.0] * flat_at + [0.001] * (depth + 1 - flat_at)
        return SimpleNamespace(jacobian=rotated_jacobians(flatness), depth=depth, scheme=scheme, is_custom=False)

    four, three, eight, never = run(4, 3), run(3, 2, "c1"), run(8, 5, "c2"), run(8, None)
    stops = collapse_stops([four, three, eight, never], 8)
    assert list(stops) == [5, 6] and stops[5] == [eight] and stops[6] == [four, three]
    assert collapse_words(stops[6]).startswith(
        "In the ordinary (C0) and residual (C1) panels the plane flattens onto a curve"
    )
    assert collapse_words([eight]).startswith("In the second-order (C2) panel the plane flattens")
    custom = SimpleNamespace(scheme="c0", is_custom=True)
    assert collapse_words([custom]).startswith("In your network's panel the plane flattens")


def test_every_panels_grid_and_boundary_stay_inside_its_frame(tiny_run_files):
    """Frame by frame (15 fps at 1.25 s a layer) through every layer, the grid lines and the decision boundary of
    each panel are drawn inside that panel's region (its frame), however far the grid reaches beyond the data."""
    for run, region in zip(map(load_run, tiny_run_files), PANELS):
        view = LayerView(run, theme=THEMES["dark"], region=region, method="straight", style=ViewStyle(axis_names=False))
        reached = 0.0
        for t in np.linspace(0.0, run.depth, round(15 * 1.25 * run.depth) + 1):
            view.time.set_value(t)
            view.follow_layer(view)
            for part in (view.grid, view.boundary):
                points = part.points[:, :2]
                assert region.contains(points).all(), (run.scheme, t)
            lines = view.motion.grid(t)  # (R, S, 2): where the grid would reach unclipped
            reach = view.current_framing.to_screen(lines)
            reached = max(reached, float(np.abs(reach - region.centre).max() / (region.size.min() / 2)))
        assert reached > 1.0, "the grid never reaches past the frame: nothing was clipped"


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_panel_words_are_legible_at_480p_and_captions_clear_the_legend(tiny_run_files, theme):
    """Titles, step readouts and the summaries: no letter under 7 pixels at 480p; a caption
    of the full width ends left of the legend."""
    from dataclasses import replace

    from riemann_nn.render.text import caption

    theme = THEMES[theme]
    runs = [load_run(f) for f in tiny_run_files]
    # The longest titles a run can have: the longest activation's name, a dt of three digits.
    runs = [
        replace(run, meta={**run.meta, "model": {**run.meta["model"], "activation": "softplus", "dt": 0.125}})
        for run in runs
    ]
    titles = panel_titles(runs, theme)
    readout = StepReadout(np.array([0.123]), ValueTracker(1.0), theme=theme, anchor=(0, 0))
    for words in (*titles, readout, step_summary(np.array([0.5, 0.25]), theme)):
        assert smallest_letter_pixels(words) >= 7.0
    for title, region in zip(titles, PANELS):
        assert region.left - 0.35 <= title.get_left()[0] and title.get_right()[0] <= region.right + 0.35
    assert all(left.get_right()[0] + 0.05 < right.get_left()[0] for left, right in itertools.pairwise(titles))
    legend = comparison_legend(theme)
    words = caption(
        "The residual (C1) and second-order (C2) networks move the data in small steps, like a flow; "
        "the ordinary (C0) network jumps.",
        theme,
        font_size=ComparisonStory.caption_font_size,
        width=ComparisonStory.caption_width,
    )
    words.move_to((*ComparisonStory.caption_corner, 0), aligned_edge=ComparisonStory.caption_edge)
    assert words.get_right()[0] < legend.get_left()[0] - 0.2


@pytest.mark.render
def test_comparison_scene_renders_three_panels_in_step(tiny_presets, tiny_run_files, tmp_path, monkeypatch):
    """Three tiny runs at 128x72, 5 fps: the question on the card first, every cue read for its reading time,
    all three panels drawn, and all three views at their last layer at the end."""
    for name in ("RIEMANN_NN_COMPARE", "RIEMANN_NN_RUN", "RIEMANN_NN_PRESET"):
        monkeypatch.delenv(name, raising=False)

    said: list[tuple[str, list[float]]] = []

    class Tiny(load_scene_module("compare").SchemeComparison):
        presets = tiny_presets

        def say(self, text, *animations, **kwargs):
            said.append((text, [view.time.get_value() for view in self.views]))
            super().say(text, *animations, **kwargs)

    scene, movie, duration = render_scene(Tiny, tmp_path)
    assert [view.time.get_value() for view in scene.views] == [2.0, 2.0, 2.0]
    # The tiny C0 net presses the plane flat at its layer 2: named then, once, while the panels hold still there.
    assert [collapse_layer(run) for run in scene.runs] == [2, None, None]
    named = [times for text, times in said if text == collapse_words(scene.runs[:1])]
    assert named == [[2.0, 2.0, 2.0]]
    cues = read_cues(movie.with_suffix(".vtt"))
    assert sum(text == collapse_words(scene.runs[:1]) for *_, text in cues) == 1
    assert cues[0][2] == "Jumps or flow?" and cues[0][1] - cues[0][0] >= scene.title_seconds - 0.5
    for start, end, text in cues:
        assert end - start >= reading_seconds(text) - 1 / 5, text
    frames = decode(movie)
    assert 20 <= duration <= 70  # 60 s, and the caption naming the C0 panel's collapse
    lit = lit_fraction(frames) > 0.005
    assert (lit[2:-2] | lit[3:-1] | lit[4:]).all(), "(nearly) blank for longer than the card's crossfade"
    assert (mean_change(frames) > 0.05).mean() > 0.15, "the video barely changes (a depth-2 story: mostly reading)"
    background = frames[0, 0, 0].astype(int)
    middle = np.abs(frames[len(frames) // 2].astype(int) - background).max(axis=-1) > 40  # (72, 128)
    assert all(third.mean() > 0.01 for third in (middle[:, :43], middle[:, 43:86], middle[:, 86:]))


def test_a_panel_title_names_the_step_size_only_where_the_layers_take_it(tiny_run_files):
    """An ordinary (C0) layer ignores dt (its update is f itself): its title names no Δt; residual and second-order
    titles do, with the run's dt, and the opening caption says what Δt is before any panel shows."""
    from riemann_nn.network import STEP_RULES

    runs = [load_run(f) for f in tiny_run_files]
    here, before, force = np.array([0.3, -0.2]), np.array([0.1, 0.4]), np.array([1.0, 2.0])
    for run in runs:
        rule, text = STEP_RULES[run.scheme], panel_title_words(run)
        takes_dt = not np.allclose(rule(here, before, force, 1.0), rule(here, before, force, 0.5))
        assert ("\u0394t" in text) == takes_dt, (run.scheme, text)
        if takes_dt:
            assert text.endswith(f"\u0394t {run.dt:.3g}")
    assert opening_words(runs).endswith("\u0394t in a title: the size of each layer's step.")
    assert "\u0394t" not in opening_words([runs[0]] * 3)
