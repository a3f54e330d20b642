"""The volume-element scene and its pieces: folded cells (against a map whose fold is known), their colours and
outlines, the cells' colour strength, the colour bar's rows, and a tiny real render with its subtitles and a count
of the cells drawn in every frame."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
from manim import VMobject

from riemann_nn.config import ModelConfig
from riemann_nn.export import build_run
from riemann_nn.interpolate import LayerMotion, VolumeField
from riemann_nn.network import chart_jacobians
from riemann_nn.render.colour import THEMES, LogColourScale, from_hex, oklab_to_srgb, srgb_to_oklab
from riemann_nn.render.legends import ColourBar, cell_sample, readable_labels
from riemann_nn.render.marks import GlyphPalette
from riemann_nn.render.story import StoryLegend
from riemann_nn.render.subtitles import reading_seconds
from riemann_nn.render.views import (
    LayerView,
    VolumeCells,
    cell_corners,
    fold_colours,
    fold_layer,
    folded_cells,
    outline_folds,
    site_cell,
)
from riemann_nn.run import save_run

from conftest import _small_run, small_config
from render_support import decode, lit_fraction, load_scene_module, read_cues, render_scene

THEME = THEMES["dark"]
FPS = 5


# -- folds ---------------------------------------------------------------------------------------------------
def test_folded_cells_of_a_map_that_folds_the_plane_along_a_line():
    """f(x, y) = (x, y^2) folds the lower half-plane onto the upper one: det J = 2y. With more sites above the
    fold than below, the folded cells are exactly those below it, and each lands on an unfolded one's image."""
    x, y = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-0.6, 1.0, 9))
    sites = np.column_stack([x.ravel(), y.ravel()])  # (45, 2), rows at y = -0.6, -0.4, ..., 1.0
    jacobian = np.zeros((len(sites), 2, 2))
    jacobian[:, 0, 0], jacobian[:, 1, 1] = 1.0, 2 * sites[:, 1]  # (M, 2, 2)
    folded = folded_cells(jacobian)
    np.testing.assert_array_equal(folded, sites[:, 1] < -1e-12)
    images = np.column_stack([sites[:, 0], sites[:, 1] ** 2])  # (M, 2)
    unfolded = images[~folded]
    for image in images[folded]:  # two-to-one: a folded cell lies on top of another
        assert np.isclose(unfolded, image).all(axis=1).any()
    assert not folded[np.isclose(sites[:, 1], 0.0)].any(), "cells on the fold line (det 0) are not folded"


def test_a_mirror_folds_nothing_and_a_tie_keeps_the_inputs_orientation():
    mirror = np.tile(np.diag([1.0, -1.0]), (6, 1, 1))
    assert not folded_cells(mirror).any()
    tie = np.stack([np.eye(2)] * 3 + [np.diag([1.0, -1.0])] * 3)
    np.testing.assert_array_equal(folded_cells(tie), [False] * 3 + [True] * 3)
    layers = np.stack([tie, mirror, np.eye(2)[None].repeat(6, 0)])  # (3, 6, 2, 2): each layer on its own
    np.testing.assert_array_equal(
        folded_cells(layers), np.stack([folded_cells(tie), np.zeros(6, bool), np.zeros(6, bool)])
    )


def test_the_fold_is_named_where_it_is_plain_to_see():
    """Folded counts per layer 0, 0, 1, 3, 4: the first layer with at least half of the most (2) is layer 3."""
    folded = np.zeros((5, 9), bool)
    for layer, count in enumerate([0, 0, 1, 3, 4]):
        folded[layer, :count] = True
    assert fold_layer(folded) == 3
    assert fold_layer(folded, share=0.2) == 2
    assert fold_layer(np.zeros((5, 9), bool)) is None


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_fold_colours_are_the_colours_faded_towards_the_background(theme):
    colours = ["#7EE0A8", "#B070D0", "#404850"]
    palette = fold_colours(colours, THEMES[theme], keep=0.4)
    assert palette[:3] == colours and len(palette) == 6
    background = srgb_to_oklab(from_hex(THEMES[theme].background))
    for colour, faded in zip(colours, palette[3:]):
        expected = oklab_to_srgb(background + 0.4 * (srgb_to_oklab(from_hex(colour)) - background))
        np.testing.assert_allclose(from_hex(faded), expected, atol=0.6 / 255)


def test_outlines_go_to_the_folded_fields_only():
    palette = GlyphPalette(["#111111", "#222222", "#333333", "#444444"], shape="square", stroke_width=0)
    outline_folds(palette, count=2, theme=THEME)
    assert [field.get_stroke_width() for field in palette.fields] == [0, 0, 1.0, 1.0]
    assert palette.fields[2].get_stroke_color().to_hex().upper() == THEME.text.upper()


# -- the cells -----------------------------------------------------------------------------------------------
def fake_volume(jacobian, values):
    motion = SimpleNamespace(jacobian=lambda t: jacobian, sites=lambda t: np.zeros((len(values), 2)))
    return SimpleNamespace(motion=motion, at=lambda t: (values, np.zeros(len(values), bool)))


def test_volume_cells_colour_strength_and_folded_bins():
    """At strength 0 every cell is neutral (the middle bin); at s the bins of s times the values; folded cells
    (here the second, of three) in the same bins shifted by the bin count; cells are J(t) times the input cell."""
    jacobian = np.stack([np.eye(2), np.diag([2.0, -1.0]), np.diag([0.5, 3.0])])  # (3, 2, 2)
    values = np.array([0.8, -0.6, 0.2])
    scale, count, cell = LogColourScale(-1.0, 1.0), 25, np.diag([0.1, 0.2])
    cells = VolumeCells(fake_volume(jacobian, values), scale, count, cell=cell, folds=True)
    assert cells.strength.get_value() == 1.0
    shift = np.array([0, count, 0])
    np.testing.assert_array_equal(cells(0.0, 1.0).bins, scale.bins(values, count) + shift)
    cells.strength.set_value(0.0)
    np.testing.assert_array_equal(cells(0.0, 1.0).bins, count // 2 + shift)
    cells.strength.set_value(0.5)
    frame = cells(0.0, 1.0)
    np.testing.assert_array_equal(frame.bins, scale.bins(0.5 * values, count) + shift)
    np.testing.assert_allclose(frame.maps, jacobian @ cell)
    plain = VolumeCells(fake_volume(jacobian, values), scale, count, cell=cell)
    np.testing.assert_array_equal(plain(0.0, 1.0).bins, scale.bins(values, count))


def test_folded_cells_of_a_residual_tanh_layer_against_its_closed_form():
    """One c1 layer x + tanh(W x + b) with W = diag(-3, 0.5): det J = (1 - 3 sech^2(b1 - 3 x)) (1 + 0.5 sech^2(.)),
    negative exactly where |b1 - 3 x| < arccosh(sqrt 3): those sites, a minority, are the folded ones."""
    x, y = np.meshgrid(np.linspace(-2.0, 2.0, 41), np.linspace(-1.0, 1.0, 5))
    sites = np.column_stack([x.ravel(), y.ravel()])  # (205, 2)
    weight, bias = np.array([[[-3.0, 0.0], [0.0, 0.5]]]), np.array([[0.4, -0.2]])
    jacobian = chart_jacobians(weight, bias, sites, scheme="c1", activation="tanh", dt=1.0)  # (2, M, 2, 2)
    band = np.abs(0.4 - 3.0 * sites[:, 0]) < np.arccosh(np.sqrt(3.0))
    assert 0 < band.sum() < len(band) / 2
    np.testing.assert_array_equal(folded_cells(jacobian[1]), band)
    assert not folded_cells(jacobian[0]).any()


def test_a_monotone_c0_net_folds_nothing_though_its_charts_collapse():
    """A c0 tanh net's det J_l is a product of det W_k and positive slopes: one sign over the whole plane, at every
    layer and along the staged path. The small c0 run saturates (charts collapse, determinants like 1e-40 of
    either rounding sign), and still no cell is called folded."""
    run = _small_run("c0")
    assert run.degenerate.any()
    assert not folded_cells(run.jacobian).any()
    motion = LayerMotion(run, method="staged")
    assert not any(folded_cells(motion.jacobian(t)).any() for t in np.linspace(0.0, run.depth, 61))


def test_capped_cells_keep_shape_and_orientation_and_at_most_cap_times_the_median_size():
    """Five cells, sizes 1, 1, 1, 2, 10 (2-norms of their maps): with cap 3 the median is 1, so the last is shrunk
    to 3 about its centre, a multiple of its own map (shape and orientation kept), and the rest are untouched."""
    rotation = np.array([[0.6, -0.8], [0.8, 0.6]])
    jacobian = np.stack([np.eye(2), np.diag([1.0, 0.5]), -np.eye(2), 2 * rotation, np.diag([10.0, -4.0])])
    values, scale = np.zeros(5), LogColourScale(-1.0, 1.0)
    capped = VolumeCells(fake_volume(jacobian, values), scale, 5, cell=np.eye(2), cap=3.0)(0.0, 1.0)
    plain = VolumeCells(fake_volume(jacobian, values), scale, 5, cell=np.eye(2))(0.0, 1.0)
    np.testing.assert_allclose(plain.maps, jacobian)
    np.testing.assert_allclose(capped.maps[:4], jacobian[:4])
    np.testing.assert_allclose(capped.maps[4], 0.3 * jacobian[4])
    np.testing.assert_array_equal(capped.centres, plain.centres)


@pytest.fixture(scope="module")
def folding_run():
    """A small c1 tanh run whose steps start large (init gain 2): its map folds a few cells."""
    run = build_run(small_config("c1", model=ModelConfig("c1", "tanh", depth=4, dt=1.0, init_gain=2.0)), progress=False)
    assert folded_cells(run.jacobian).any()
    return run


def affine_run():
    """A net with the identity activation: an affine map, whose secant over a cell is its tangent."""
    return build_run(
        small_config("c1", model=ModelConfig("c1", "identity", depth=3, dt=0.5, init_gain=0.5)), progress=False
    )


def test_cells_through_their_carried_corners_are_the_tangent_cells_of_an_affine_map():
    """For an affine network the parallelogram through a cell's carried corners is J times the input cell, centred
    on the carried site, at every layer and in between."""
    run = affine_run()
    motion = LayerMotion(run)
    volume, scale = VolumeField(motion), LogColourScale(-1.0, 1.0)
    corners = cell_corners(run)
    assert corners.shape == (run.depth + 1, 6, 6, 2)
    secant = VolumeCells(volume, scale, 5, cell=np.eye(2), corners=corners)
    tangent = VolumeCells(volume, scale, 5, cell=site_cell(run))
    for t in (0.0, 0.4, 1.0, 2.5, 3.0):
        for got, expected in zip(secant.cells(t), tangent.cells(t)):
            np.testing.assert_allclose(got, expected, atol=1e-9)
    assert VolumeCells.of_run(volume, scale, 5).corners is not None


def test_cell_corners_need_sites_at_the_centres_of_a_grid_of_cells(c1_run):
    from dataclasses import replace

    shuffled = replace(c1_run, sites=c1_run.sites[:, ::-1])
    assert cell_corners(shuffled) is None
    cells = VolumeCells.of_run(VolumeField(LayerMotion(shuffled)), LogColourScale(-1.0, 1.0), 5, fill=0.5)
    assert cells.corners is None
    np.testing.assert_allclose(cells.cell, 0.5 * site_cell(c1_run))


def test_a_sweep_draws_every_cell_in_every_frame(folding_run):
    """Frame by frame (15 fps) through every layer, each cell is drawn exactly once, in a folded field exactly when
    ``folded_cells`` says so of the map's Jacobian at that time; the layers' counts are ``folded_at_layers``."""
    count = 25
    motion = LayerMotion(folding_run)
    volume = VolumeField(motion)
    scale = LogColourScale.robust(volume.at_layers()[0])
    cells = VolumeCells.of_run(volume, scale, count, fill=0.9, folds=True)
    assert cells.corners is not None
    view = LayerView(
        folding_run,
        theme=THEME,
        motion=motion,
        glyphs=cells,
        glyph_size=1.0,
        fit_sites=1.0,
        glyph_colours=fold_colours(scale.colours(THEME, count), THEME),
    )
    sites = folding_run.sites.shape[1]
    folds_seen = 0
    for t in np.linspace(0.0, folding_run.depth, 15 * folding_run.depth + 1):
        view.time.set_value(t)
        view.follow_layer(view)
        drawn = [field.shapes_drawn for field in view.glyphs.fields]
        assert sum(drawn) == sites, f"t = {t:.3f}"
        assert sum(drawn[count:]) == folded_cells(motion.jacobian(t)).sum(), f"t = {t:.3f}"
        folds_seen += sum(drawn[count:])
    assert folds_seen > 0
    layers = cells.folded_at_layers()
    for layer in range(folding_run.depth + 1):
        np.testing.assert_array_equal(layers[layer], folded_cells(motion.jacobian(float(layer))))


# -- legend --------------------------------------------------------------------------------------------------
def test_cell_sample_is_one_sheared_cell_with_its_outline():
    sample = cell_sample("#7EE0A8", outline=THEME.text)
    field = sample.fields[0]
    (path,) = field.get_subpaths()
    assert np.allclose(path[0], path[-1]) and field.get_fill_color().to_hex().upper() == "#7EE0A8"
    assert field.get_stroke_width() > 0 and field.get_stroke_color().to_hex().upper() == THEME.text.upper()
    assert cell_sample("#7EE0A8").fields[0].get_stroke_width() == 0


def test_colour_bar_rows_stack_without_overlap_at_a_larger_size():
    """Title over bar over tick labels over the end words, none overlapping; the words are the ones asked for;
    without the clip note nothing is under the words."""
    scale = LogColourScale(-1.2, 1.1, clipped_low=True, clipped_high=True, percentiles=(2.0, 98.0))
    for font_size in (17, 19, 24):
        bar = ColourBar(
            scale,
            THEME,
            count=25,
            title="growth",
            ends=("shrinks", "grows"),
            clip_note=False,
            font_size=font_size,
            height=0.28,
        )
        *_, words = bar.submobjects
        assert bar.title.get_bottom()[1] > bar.bar.get_top()[1]
        assert bar.bar.get_bottom()[1] > bar.tick_labels.get_top()[1]
        assert bar.tick_labels.get_bottom()[1] > words.get_top()[1] + 0.02, font_size
        assert words.get_bottom()[1] == pytest.approx(bar.get_bottom()[1])
    with_note = ColourBar(scale, THEME, count=25, title="growth")
    assert len(with_note.submobjects) == len(bar.submobjects) + 1


def test_readable_labels_skip_to_every_kth_from_the_factor_one():
    """Labels 0.45 wide at ticks 0.5 apart touch: every second one is written, counted from the tick nearest
    log10 = 0; with room, all are."""
    values = np.arange(-7.0, 2.0)  # (9,): 1e-7 .. 10; the factor 1 at index 7
    positions = 0.5 * np.arange(9)
    assert readable_labels(values, positions, [0.45] * 9) == [1, 3, 5, 7]
    assert readable_labels(values, positions, [0.3] * 9) == list(range(9))
    assert readable_labels(values, positions, [5.0] * 9) == [7]


def test_colour_bar_labels_never_touch_over_many_decades():
    scale = LogColourScale(-11.3, 0.6, clipped_low=True)
    bar = ColourBar(scale, THEME, count=25, title="growth", font_size=19, clip_note=False)
    boxes = sorted((label.get_left()[0], label.get_right()[0]) for label in bar.tick_labels)
    assert len(boxes) >= 3
    assert all(right + 0.1 < left for (_, right), (left, _) in itertools.pairwise(boxes))


def test_story_legend_shows_the_scenes_own_rows():
    rows = [VMobject(), VMobject()]
    legend = StoryLegend(THEME, dashed=True, unbounded=True, glyph_rows=rows)
    assert legend.glyph_rows == rows and all(row in legend.submobjects for row in rows)
    assert len(StoryLegend(THEME, dashed=True, unbounded=True).glyph_rows) == 3


# -- the scene, rendered -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def volume_video(folding_run, tmp_path_factory):
    """The scene on the folding run at 128x72, 5 fps, counting the cells drawn in every frame."""
    folder = tmp_path_factory.mktemp("volume")
    run_file = save_run(folding_run, folder / "folding.npz")
    counted: list[tuple[float, int]] = []

    class Counted(load_scene_module("volume").VolumeElement):
        def construct(self):  # a scene updater runs after every mobject's own, each frame
            self.add_updater(
                lambda dt: counted.append(
                    (self.view.time.get_value(), sum(field.shapes_drawn for field in self.view.glyphs.fields))
                )
            )
            super().construct()

    patch = pytest.MonkeyPatch()
    patch.setenv("RIEMANN_NN_RUN", str(run_file))
    patch.delenv("RIEMANN_NN_PRESET", raising=False)
    try:
        scene, movie, duration = render_scene(Counted, folder)
    finally:
        patch.undo()
    return scene, movie, duration, counted


@pytest.mark.render
def test_volume_video_reads_and_draws_every_cell(volume_video):
    """At most 60 s; every caption a cue held for its reading time, none overlapping, none with a formula in
    plain text, the fold named; every cell drawn in every frame; the picture is never blank after the title."""
    scene, movie, duration, counted = volume_video
    assert duration <= 60
    cues = read_cues(movie.with_suffix(".vtt"))
    assert len(cues) >= 8 and any("folded" in text for *_, text in cues)
    for (start, end, text), following in zip(cues, [*cues[1:], (duration, duration, "")]):
        assert end - start >= reading_seconds(text) - 1 / FPS, text
        assert end <= following[0] + 1e-6
        assert "J_" not in text and "^T" not in text and "det" not in text
    sites = scene.run.sites.shape[1]
    assert len(counted) > 50 and all(drawn == sites for _, drawn in counted)
    assert {round(t) for t, _ in counted} == set(range(scene.depth + 1)), "the sweeps cross every layer"
    frames = decode(movie)
    after_title = round(cues[1][0] * FPS)
    assert (lit_fraction(frames)[after_title:] > 0.02).all()
    assert all(row in scene.mobjects for row in scene.legend.glyph_rows), "every legend row shown"


def test_volume_legend_promises_a_fold_row_only_when_cells_fold(monkeypatch, tmp_path):
    """An affine net does not fold: the legend has the colour bar only."""
    monkeypatch.setenv("RIEMANN_NN_RUN", str(save_run(affine_run(), tmp_path / "affine.npz")))
    scene = load_scene_module("volume").VolumeElement()
    scene.setup()
    assert scene.fold is None and len(scene.legend.glyph_rows) == 1


def test_volume_scene_names_green_only_where_an_input_cell_grows(monkeypatch, tmp_path, c1_run):
    """At the input the growth is |det J_L| (J_0 = I): the saturated c0 net shrinks every cell, the small c1 net
    grows some; the scene knows which (its colour caption and its close depend on it)."""
    for run, grows in ((_small_run("c0"), False), (c1_run, True)):
        assert (np.abs(np.linalg.det(run.jacobian[-1])) > 1).any() == grows
        monkeypatch.setenv("RIEMANN_NN_RUN", str(save_run(run, tmp_path / f"{run.scheme}.npz")))
        scene = load_scene_module("volume").VolumeElement()
        scene.setup()
        assert scene.grows == grows, run.scheme


def test_a_custom_network_gets_tangent_cells_and_the_kernels_scene_refuses_it_in_one_line(monkeypatch, tmp_path):
    """A custom network's Run holds no network to carry cell corners: the cells are tangent to the map at the sites
    (its own Jacobians). The kernels scene traces level sets through the network: one line, no traceback."""
    import torch
    from torch import nn

    import riemann_nn as rn
    from riemann_nn.config import GeometryConfig
    from riemann_nn.data import make_dataset

    x, y = make_dataset("moons", n=120, noise=0.1, seed=0)
    run = rn.run_from_callables(
        [torch.sin, torch.tanh],
        nn.Linear(2, 1).double(),
        x,
        y,
        geometry=GeometryConfig(sites_per_side=5, grid_lines=4, grid_samples=9),
    )
    assert run.is_custom and cell_corners(run) is None
    cells = VolumeCells.of_run(VolumeField(LayerMotion(run)), LogColourScale(-1.0, 1.0), 5, fill=0.9)
    centres, maps = cells.cells(1.0)
    np.testing.assert_allclose(maps, run.jacobian[1] @ (0.9 * site_cell(run)))
    np.testing.assert_allclose(centres, run.sites[1])
    monkeypatch.setenv("RIEMANN_NN_RUN", str(save_run(run, tmp_path / "custom.npz")))
    monkeypatch.delenv("RIEMANN_NN_PRESET", raising=False)
    load_scene_module("volume").VolumeElement().setup()
    with pytest.raises(SystemExit, match="custom network") as info:
        load_scene_module("kernels").LogitKernels().setup()
    assert "\n" not in str(info.value)
