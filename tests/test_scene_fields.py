"""The metric-field and volume-element scenes and their building blocks: colour bins, the log colour scale,
the volume field against the Run file's metrics, and tiny real renders."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from riemann_nn import metric
from riemann_nn.config import DatasetConfig, GeometryConfig, ModelConfig, RunConfig, TrainConfig
from riemann_nn.export import build_run
from riemann_nn.interpolate import LayerMotion, VolumeField
from riemann_nn.metric import LOG_FLOOR, log_volume
from riemann_nn.presets import get_preset
from riemann_nn.render.colour import (
    DIVERGING,
    THEMES,
    LogColourScale,
    from_hex,
    oklab_to_srgb,
    oklch,
    position_bins,
    position_colours,
    srgb_to_oklab,
)
from riemann_nn.render.framing import PlotRegion
from riemann_nn.render.legends import format_magnitude, glyph_samples, log_ticks, ordinal
from riemann_nn.render.marks import UNIT_CIRCLE, GlyphPalette, route
from riemann_nn.render.views import input_box, site_cell
from riemann_nn.run import save_run

from render_support import lit_fraction, load_scene_module, mean_change, render_tiny


# -- colour bins ---------------------------------------------------------------------------------------------
def test_route_sends_every_glyph_to_its_bin_exactly_once():
    bins = np.random.default_rng(0).integers(0, 7, size=500)
    groups = route(bins, 9)  # two bins stay empty
    assert len(groups) == 9
    assert np.array_equal(np.sort(np.concatenate(groups)), np.arange(500))
    for k, members in enumerate(groups):
        assert (bins[members] == k).all()
        assert len(members) == (bins == k).sum()
    with pytest.raises(ValueError, match="colour bins"):
        route(np.array([0, 9]), 9)


def test_glyph_palette_draws_each_glyph_once_in_its_colour():
    """Each field holds exactly the glyphs of its bin: 16 control points each, the first at centre + A e1."""
    rng = np.random.default_rng(1)
    count, bins_count = 60, 5
    centres = rng.uniform(-2, 2, size=(count, 2))
    maps = rng.normal(scale=0.1, size=(count, 2, 2))
    bins = rng.integers(0, bins_count, size=count)
    colours = ["#112233", "#445566", "#778899", "#AABBCC", "#DDEEFF"]
    palette = GlyphPalette(colours, fill_opacity=0.2).set_glyphs(centres, maps, bins)
    assert len(palette.submobjects) == bins_count
    for k, field in enumerate(palette.fields):
        assert field.get_stroke_color().to_hex().upper() == colours[k]
        expected = centres[bins == k] + maps[bins == k][:, :, 0]  # (n, 2): the image of UNIT_CIRCLE[0] = (1, 0)
        starts = field.points[::16, :2]
        assert len(field.points) == 16 * (bins == k).sum()
        np.testing.assert_allclose(starts, expected, atol=1e-12)
    # The whole circle: a glyph's control points are its centre plus its map applied to the unit circle.
    first = np.flatnonzero(bins == bins[0])[0]
    np.testing.assert_allclose(palette.fields[bins[0]].points[:16, :2], centres[first] + UNIT_CIRCLE @ maps[first].T)


def test_glyph_palette_cuts_shapes_at_the_region_border():
    """A cell crossing the border is cut there (one closed sub-path, the part inside), never left out."""
    region = PlotRegion(left=-1, right=1, bottom=-1, top=1)
    centres = np.array([[0.0, 0.0], [0.95, 0.0], [0.5, 0.5]])
    maps = np.tile(0.1 * np.eye(2), (3, 1, 1))
    palette = GlyphPalette(["#FF0000", "#00FF00"], shape="square").set_glyphs(
        centres, maps, np.array([0, 0, 1]), region=region
    )
    whole, cut = palette.fields[0].get_subpaths()
    assert len(whole) == 16 and palette.fields[0].shapes_drawn == 2
    np.testing.assert_allclose(cut[:, :2].min(axis=0), [0.85, -0.1])
    np.testing.assert_allclose(cut[:, :2].max(axis=0), [1.0, 0.1])
    x, y = cut[::4, 0], cut[::4, 1]  # the polygon's vertices (segment starts)
    assert 0.5 * abs(x @ np.roll(y, -1) - y @ np.roll(x, -1)) == pytest.approx(0.15 * 0.2)
    square = palette.fields[1].points[:, :2]
    np.testing.assert_allclose(square.min(axis=0), [0.4, 0.4])
    np.testing.assert_allclose(square.max(axis=0), [0.6, 0.6])


def test_position_bins_and_colours():
    bounds = np.array([[0.0, 0.0], [10.0, 5.0]])
    points = np.array([[0.5, 0.5], [9.5, 0.5], [0.5, 4.9], [5.0, 2.5], [-3.0, 99.0]])
    np.testing.assert_array_equal(position_bins(points, bounds, 5), [0, 4, 20, 12, 20])
    for theme in THEMES.values():
        colours = position_colours(theme, 5)
        assert len(set(colours)) == 25
        lab = srgb_to_oklab(np.array([from_hex(c) for c in colours])).reshape(5, 5, 3)  # (row, column, Lab)
        assert (np.diff(lab[:, :, 0], axis=0) > 0).all(), "lightness must grow from bottom to top"
        hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360
        assert (np.diff(hue, axis=1) > 20).all(), "hue must turn from left to right"


def test_oklab_matches_the_published_values():
    """Björn Ottosson's reference values: white (1, 0, 0) and sRGB red (0.62796, 0.22486, 0.12585)."""
    np.testing.assert_allclose(srgb_to_oklab(np.array([1.0, 1.0, 1.0])), [1, 0, 0], atol=1e-6)
    np.testing.assert_allclose(srgb_to_oklab(np.array([1.0, 0.0, 0.0])), [0.62796, 0.22486, 0.12585], atol=1e-4)
    colours = np.random.default_rng(2).uniform(0, 1, size=(50, 3))
    np.testing.assert_allclose(oklab_to_srgb(srgb_to_oklab(colours)), colours, atol=1e-9)


# -- the log colour scale ------------------------------------------------------------------------------------
def test_log_colour_scale_is_robust_monotone_and_clipped():
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(0.3, 0.5, size=1000), [-40.0, 25.0]])  # two wild outliers
    scale = LogColourScale.robust(values)
    low, high = np.percentile(values, [2, 98])
    assert scale.low == pytest.approx(low) and scale.high == pytest.approx(high)
    assert scale.clipped_low and scale.clipped_high
    grid = np.linspace(-50, 50, 20001)
    u = scale.normalise(grid)
    assert (np.diff(u) >= 0).all()
    inside = (grid > scale.low) & (grid < scale.high)
    assert (np.diff(u[inside]) > 0).all(), "strictly increasing between the ends"
    assert (u[grid <= scale.low] == 0).all() and (u[grid >= scale.high] == 1).all()
    assert scale.normalise(0.0) == 0.5
    np.testing.assert_allclose(scale.value_at(u[inside]), grid[inside], atol=1e-9)
    bins = scale.bins(grid, 25)
    assert (np.diff(bins) >= 0).all() and bins.min() == 0 and bins.max() == 24
    assert scale.bins(np.array([0.0]), 25)[0] == 12, "no change gets the middle (neutral) bin"
    assert scale.bins(np.array([-1e9, 1e9]), 25).tolist() == [0, 24]
    calm = LogColourScale.robust(rng.uniform(-0.5, 0.5, size=500), percentiles=(0, 100))
    assert not calm.clipped_low and not calm.clipped_high
    excluded = LogColourScale.robust(
        np.array([-1.0, 1.0, LOG_FLOOR]), exclude=np.array([False, False, True]), percentiles=(0, 100)
    )
    assert excluded.low == -1.0 and excluded.clipped_low, "excluded values do not stretch the scale but are clipped"


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_diverging_colours_move_away_from_neutral_towards_each_end(theme):
    """Perceptual monotonicity: the OKLab distance from the neutral colour grows bin by bin towards both ends."""
    scale = LogColourScale(-1.0, 2.0)
    colours = scale.colours(THEMES[theme], 25)
    lab = srgb_to_oklab(np.array([from_hex(c) for c in colours]))  # (25, 3)
    neutral = oklab_to_srgb(oklch(*DIVERGING[theme][1]))
    np.testing.assert_allclose(from_hex(colours[12]), neutral, atol=1 / 255)
    distance = np.linalg.norm(lab - lab[12], axis=1)
    assert (np.diff(distance[12:]) > 0).all() and (np.diff(distance[:13]) < 0).all()


def test_log_ticks_and_labels():
    np.testing.assert_allclose(10 ** log_ticks(-0.52, 1.015), [0.5, 1, 2, 5, 10])
    np.testing.assert_allclose(10 ** log_ticks(-3.2, 4.1), [1e-3, 1e-2, 0.1, 1, 10, 100, 1e3, 1e4][::2])
    assert len(log_ticks(-0.1, 0.1)) >= 3
    assert [format_magnitude(np.log10(v)) for v in (0.5, 1, 30, 1e-5)] == ["0.5", "1", "30", "10\u207b\u2075"]
    assert [ordinal(v) for v in (1, 2, 3, 11, 98, 2.5)] == ["1st", "2nd", "3rd", "11th", "98th", "2.5th"]


# -- the volume field -----------------------------------------------------------------------------------------
def assert_volume_matches(values: np.ndarray, g: np.ndarray, sound: np.ndarray) -> None:
    """``values`` (M,) are ``log10 sqrt(det g)`` of ``g`` (M, 2, 2) at the ``sound`` sites. det g of a nearly
    singular g loses digits to cancellation (error about eps |g|^2): logarithms are compared where sqrt(det g)
    is well above that, and elsewhere both must be tiny (or at the floor)."""
    reference = np.sqrt(np.maximum(np.linalg.det(g), 0.0))  # (M,)
    size = np.linalg.norm(g, axis=(1, 2))  # (M,)
    conditioned = sound & (reference > 1e-5 * size)
    assert conditioned.any()
    np.testing.assert_allclose(values[conditioned], np.log10(reference[conditioned]), atol=1e-6)
    thin = sound & ~conditioned
    assert (values[thin] <= np.maximum(np.log10(2e-5 * size[thin] + 1e-300), LOG_FLOOR)).all()


def test_volume_field_matches_the_run_files_metric_at_every_layer(small_run):
    """At integer layers, log10 sqrt(det g) from the Jacobians equals sqrt(det g) of the Run's
    stored metrics (an independent computation: pseudo-inverse, product, determinant)."""
    field = VolumeField(LayerMotion(small_run))
    stacked, stacked_collapsed = field.at_layers()
    for layer in range(small_run.depth + 1):
        values, collapsed = field.at(float(layer))
        assert np.isfinite(values).all() and (values >= LOG_FLOOR).all()
        np.testing.assert_allclose(values, stacked[layer], atol=1e-9)
        np.testing.assert_array_equal(collapsed, stacked_collapsed[layer])
        # Where a chart collapsed the metric is singular (and the Run's convention there may change): compare
        # where both charts are sound.
        assert_volume_matches(values, small_run.metric[layer], ~small_run.degenerate[layer] & ~small_run.degenerate[-1])
        if layer < small_run.depth:
            np.testing.assert_array_equal(collapsed, small_run.degenerate[layer])
            assert (values[collapsed] == LOG_FLOOR).all()
    np.testing.assert_array_equal(stacked[-1], 0.0)  # g_L = I


def test_volume_field_between_layers_is_the_exact_pullback(small_run):
    """Between layers the value is log10 sqrt(det g(t)) of g(t) = M^T M, M = J_L J(t)^{-1}, with J(t) the
    interpolated map's Jacobian: checked against the metric module's own pullback of [J(t), J_L]."""
    motion = LayerMotion(small_run)
    field = VolumeField(motion)
    for t in (0.25, 1.5, small_run.depth - 0.4):
        values, collapsed = field.at(t)
        assert np.isfinite(values).all()
        pair = np.stack([motion.jacobian(t), small_run.jacobian[-1]])  # (2, M, 2, 2)
        assert_volume_matches(values, metric.pullback_metrics(pair)[0], ~collapsed)


def test_log_volume_never_emits_inf_or_nan():
    jacobian = np.array([np.eye(2), np.zeros((2, 2)), [[1.0, 2.0], [2.0, 4.0]], 1e-200 * np.eye(2)])
    last = np.array([2 * np.eye(2), np.eye(2), np.eye(2), np.zeros((2, 2))])
    values, collapsed = log_volume(jacobian, last)
    assert np.isfinite(values).all()
    np.testing.assert_allclose(values[0], np.log10(4.0))
    assert collapsed.tolist() == [False, True, True, False]
    assert (values[1:] == LOG_FLOOR).all()


def test_site_cells_tile_the_input_box(c1_run):
    box, cell = input_box(c1_run), site_cell(c1_run)
    per_side = c1_run.meta["geometry"]["sites_per_side"]
    np.testing.assert_allclose(2 * np.diag(cell) * per_side, box[1] - box[0])
    sites = c1_run.sites[0]
    np.testing.assert_allclose(sites.min(axis=0) - np.diag(cell), box[0], atol=1e-12)
    np.testing.assert_allclose(sites.max(axis=0) + np.diag(cell), box[1], atol=1e-12)


def test_scene_run_passes_a_geometry_override_to_the_preset(monkeypatch):
    from riemann_nn import cache
    from riemann_nn.render.story import scene_run

    class Width2Run:  # what load_or_train returns: a run the plane's scenes can show
        def require_width(self, *widths, what, instead=""):
            assert 2 in widths

    seen, run = [], Width2Run()
    monkeypatch.delenv("RIEMANN_NN_RUN", raising=False)
    monkeypatch.setenv("RIEMANN_NN_PRESET", "moons-c1-tanh")
    monkeypatch.setattr(cache, "load_or_train", lambda config: seen.append(config) or run)
    assert scene_run(geometry={"sites_per_side": 20}) is run
    assert scene_run() is run
    preset = get_preset("moons-c1-tanh")
    assert seen[0] == preset.replace(geometry={"sites_per_side": 20}) and seen[1] == preset
    assert seen[0].geometry.sites_per_side == 20 and cache.cache_key(seen[0]) != cache.cache_key(preset)


def test_unknown_shade_is_one_clear_line(monkeypatch):
    scene_shade = load_scene_module("pullback").scene_shade
    monkeypatch.delenv("RIEMANN_NN_SHADE", raising=False)
    assert scene_shade() == "position"
    monkeypatch.setenv("RIEMANN_NN_SHADE", "volume")
    assert scene_shade() == "volume"
    monkeypatch.setenv("RIEMANN_NN_SHADE", "rainbow")
    with pytest.raises(SystemExit, match="unknown RIEMANN_NN_SHADE 'rainbow'; choose one of: position, volume"):
        scene_shade()


def test_glyph_samples_draw_one_glyph_per_colour_none_touching():
    """One whole ellipse in each colour (its own field), left to right, no two touching; dashed: the same ellipses
    as dashes, each within its solid twin's box; the cluster no wider than two glyphs side by side."""
    colours = ["#112233", "#445566", "#778899"]
    solid, dashed = glyph_samples(colours), glyph_samples(colours, dashed=True)
    boxes = []
    for field, colour in zip(solid.fields, colours):
        assert field.get_stroke_color().to_hex().upper() == colour and len(field.get_subpaths()) == 1
        boxes.append([*field.get_corner((-1, -1, 0))[:2], *field.get_corner((1, 1, 0))[:2]])
    for (x0, y0, x1, y1), (u0, v0, u1, v1) in itertools.combinations(boxes, 2):
        assert x1 < u0 or u1 < x0 or y1 < v0 or v1 < y0, "two glyphs of the sample touch"
    assert [box[0] for box in boxes] == sorted(box[0] for box in boxes)
    assert solid.width <= 2 * (boxes[0][2] - boxes[0][0]) + 0.03
    for field, twin in zip(dashed.fields, solid.fields):
        assert len(field.get_subpaths()) > 1
        assert twin.get_left()[0] - 1e-9 <= field.get_left()[0] and field.get_right()[0] <= twin.get_right()[0] + 1e-9


@pytest.mark.parametrize("shade", ["position", "volume"])
def test_pullback_legend_draws_its_glyphs_in_the_fields_colours(shade, field_run_file, monkeypatch):
    """The glyphs on screen take their site's colour (or their volume's), so the legend's glyph samples do too:
    several of the field's colours, never the theme's single glyph colour."""
    monkeypatch.setenv("RIEMANN_NN_RUN", str(field_run_file))
    monkeypatch.delenv("RIEMANN_NN_PRESET", raising=False)
    monkeypatch.setenv("RIEMANN_NN_SHADE", shade)
    scene = load_scene_module("pullback").MetricField()
    scene.setup()
    samples = [row[0] for row in scene.legend.glyph_rows if isinstance(row[0], GlyphPalette)]
    assert samples and samples[0] is scene.legend.glyph_rows[0][0], "the first row is the glyph's"
    field_colours = {colour.upper() for colour in scene.colours}
    for sample in samples:
        drawn = [part.get_stroke_color().to_hex().upper() for part in sample.fields if len(part.points)]
        assert len(set(drawn)) == 3 and set(drawn) <= field_colours
        assert scene.theme.glyph.upper() not in drawn


# -- tiny real renders -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def field_run_file(tmp_path_factory):
    config = RunConfig(
        name="tiny-fields",
        dataset=DatasetConfig("circles", n=80, noise=0.05, seed=1),
        model=ModelConfig("c1", "tanh", depth=2, init_gain=0.5),
        training=TrainConfig(iterations=40, lr=0.05, weight_decay=0.0, seed=1),
        geometry=GeometryConfig(sites_per_side=6, grid_lines=4, grid_samples=12),
    )
    return save_run(build_run(config, progress=False), tmp_path_factory.mktemp("run") / "tiny-fields.npz")


@pytest.mark.render
@pytest.mark.parametrize(
    "scene, class_name, shade, opening",
    [("pullback", "MetricField", "position", 6.5), ("pullback", "MetricField", "volume", 6.5)],
)
def test_field_scenes_render_changing_videos(scene, class_name, shade, opening, field_run_file, tmp_path, monkeypatch):
    """Each scene renders a tiny run at 128x72, 5 fps: frames match the scene's duration, are not blank after
    its opening (a fade-in, or a title card crossing into the picture) and change over time."""
    monkeypatch.setenv("RIEMANN_NN_RUN", str(field_run_file))
    monkeypatch.delenv("RIEMANN_NN_PRESET", raising=False)
    if shade:
        monkeypatch.setenv("RIEMANN_NN_SHADE", shade)
    frames, duration = render_tiny(getattr(load_scene_module(scene), class_name), tmp_path)
    assert 10 <= duration <= 45
    assert (lit_fraction(frames)[round(opening * 5) + 1 :] > 0.02).all(), "some frames after the opening are blank"
    assert (mean_change(frames) > 0.05).mean() > 0.2, "the video barely changes (holds to read captions aside)"
