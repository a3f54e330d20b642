"""Render building blocks: exact Bezier geometry, clipping, framing, and control frames of the mobjects."""

from __future__ import annotations

import numpy as np
import pytest

from riemann_nn.render import (
    DecisionHalfPlanes,
    EllipseField,
    FramedAxes,
    Framing,
    LayerCounter,
    LayerView,
    PlotRegion,
    PointCloud,
    WarpedGrid,
    current_theme,
    text,
)
from riemann_nn.render.framing import format_tick
from riemann_nn.render.marks import (
    STROKE_UNIT,
    UNIT_CIRCLE,
    UnboundedMarks,
    clip_segments,
    clipped_outlines,
    ellipses_to_bezier,
)
from riemann_nn.render.overlays import half_plane_polygons
from riemann_nn.render.story import PANEL_WIDTH
from riemann_nn.render.text import OutlineCache, PathText, balanced_lines, line_width, title_block
from riemann_nn.render.views import ViewStyle, cap_glyphs, zoom_note
from riemann_nn.steps import nice_step

from render_support import assert_matches_control, capture

THEME = current_theme("dark")


def bezier_samples(points: np.ndarray, n: int = 25) -> np.ndarray:
    """Points along every cubic curve of a Manim point array (4K, 3) -> (K n, 2)."""
    curves = points.reshape(-1, 4, 3)[..., :2]  # (K, 4, 2)
    s = np.linspace(0, 1, n)[:, None]  # (n, 1)
    basis = np.hstack([(1 - s) ** 3, 3 * s * (1 - s) ** 2, 3 * s**2 * (1 - s), s**3])  # (n, 4)
    return np.einsum("nj,kjd->knd", basis, curves).reshape(-1, 2)


def test_unit_circle_curves_lie_on_the_circle():
    """The glyphs' four cubic arcs stay within 3e-4 of the unit circle."""
    radius = np.linalg.norm(bezier_samples(np.column_stack([UNIT_CIRCLE, np.zeros(len(UNIT_CIRCLE))])), axis=1)
    assert np.abs(radius - 1).max() < 3e-4
    assert np.abs(radius - 1).max() > 3e-5  # the error is that of the arcs, not of the test


def test_ellipse_paths_are_the_images_of_the_circle():
    """Every sample p of a glyph satisfies |A^{-1}(p - c)| = 1 up to the circle approximation."""
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(5, 2))
    maps = rng.normal(size=(5, 2, 2))
    samples = bezier_samples(ellipses_to_bezier(centres, maps)).reshape(5, -1, 2)
    back = np.einsum("mij,mkj->mki", np.linalg.inv(maps), samples - centres[:, None])
    assert np.abs(np.linalg.norm(back, axis=-1) - 1).max() < 3e-4


def test_clip_segments_agrees_with_dense_sampling():
    """The clipped part of each segment is exactly the part whose samples lie inside the box."""
    rng = np.random.default_rng(2)
    starts, ends = rng.uniform(-2, 2, (400, 2)), rng.uniform(-2, 2, (400, 2))
    low, high = np.array([-1.0, -0.5]), np.array([1.0, 0.7])
    clipped_starts, clipped_ends = clip_segments(starts, ends, low, high)
    s = np.linspace(0, 1, 2001)[:, None, None]
    samples = starts + s * (ends - starts)  # (S, 400, 2)
    inside = ((samples >= low) & (samples <= high)).all(axis=-1)  # (S, 400)
    kept = inside.sum(axis=0) > 1
    assert len(clipped_starts) == kept.sum()
    for start, end, i in zip(clipped_starts, clipped_ends, np.flatnonzero(kept)):
        first, last = samples[inside[:, i], i][[0, -1]]
        assert np.allclose(start, first, atol=3e-3) and np.allclose(end, last, atol=3e-3)
        assert ((start >= low - 1e-12) & (start <= high + 1e-12)).all()


def test_framing_fits_points_with_one_zoom():
    """Fitted points land inside the region (with its margin), centred, one zoom for both axes."""
    region = PlotRegion()
    rng = np.random.default_rng(3)
    for scale in (1e-3, 1.0, 40.0):
        points = rng.normal(size=(300, 2)) * [3 * scale, scale] + [5, -2]
        framing = Framing.fit(points, region, margin=0.05)
        screen = framing.to_screen(points)
        assert region.contains(screen, margin=0.05 * region.size.min() - 1e-9).all()
        span = screen.max(axis=0) - screen.min(axis=0)
        assert np.isclose(span[0], 0.9 * region.size[0]) or np.isclose(span[1], 0.9 * region.size[1])
        np.testing.assert_allclose((screen.max(axis=0) + screen.min(axis=0)) / 2, region.centre, atol=1e-9)
        ratio = span / (points.max(axis=0) - points.min(axis=0))
        assert ratio[0] == pytest.approx(ratio[1])


@pytest.mark.parametrize("span, step", [(1.0, 0.2), (9.0, 2.0), (30.0, 10.0), (0.04, 0.01), (700, 200)])
def test_nice_steps(span, step):
    assert nice_step(span) == pytest.approx(step)


def test_tick_labels():
    assert [format_tick(v, 0.5) for v in (-1.0, 0.0, 2.5)] == ["\u22121.0", "0", "2.5"]
    assert format_tick(20.0, 10.0) == "20"


def test_half_planes_split_the_box():
    """The two polygons tile the box (areas add up) and lie on their own side of the line."""
    low, high = np.array([0.0, 0.0]), np.array([4.0, 3.0])
    for normal, offset in (([1.0, 1.0], -3.0), ([0.0, 1.0], -1.0), ([1.0, -2.0], 10.0)):
        normal = np.array(normal)
        negative, positive = half_plane_polygons(normal, offset, low, high)

        def area(polygon):
            if len(polygon) < 3:
                return 0.0
            x, y = polygon.T
            return 0.5 * abs(x @ np.roll(y, -1) - y @ np.roll(x, -1))

        assert area(negative) + area(positive) == pytest.approx(12.0)
        assert (negative @ normal + offset <= 1e-9).all() if len(negative) else True
        assert (positive @ normal + offset >= -1e-9).all() if len(positive) else True


def test_layer_view_draws_every_visible_point_once(c1_run):
    """After an update, each class's path holds one disc per point, centred on the framed point."""
    view = LayerView(c1_run, theme=THEME)
    view.time.set_value(1.5)
    view.follow_layer(view)
    framing = view.framing
    expected = framing.to_screen(view.motion.points(1.5))
    for label, cloud in enumerate(view.clouds):
        centres = cloud.points.reshape(-1, 4, 3)[:, 0, :2]  # one round-capped stroke per point, from its centre
        assert len(centres) == (c1_run.y == label).sum() == cloud.shapes_drawn
        np.testing.assert_allclose(centres, expected[c1_run.y == label], atol=1e-9)
        assert cloud.get_stroke_width() * STROKE_UNIT == pytest.approx(2 * cloud.radius)  # as wide as the disc


def test_path_text_places_cached_glyphs():
    """Two strings in one leaf: as many points as their typeset glyphs, each box centred on its anchor."""
    cache = OutlineCache(THEME, font_size=20)
    text = PathText(cache, color=THEME.text).place(["12", "-3.5"], np.array([[0.0, 0.0], [2.0, 1.0]]))
    assert len(text.points) == len(cache.points("12")) + len(cache.points("-3.5"))
    second = text.points[len(cache.points("12")) :, :2]
    np.testing.assert_allclose((second.max(axis=0) + second.min(axis=0)) / 2, [2.0, 1.0], atol=1e-9)


@pytest.mark.parametrize(
    "words",
    ["\u05e9\u05dc\u05d5\u05dd", "\u0645\u0631\u062d\u0628\u0627 x", "\u05de\u05e8\u05d7\u05d1 abc\nsecond line"],
)
def test_right_to_left_words_are_drawn(words):
    """A title or class name starting with a Hebrew or Arabic letter is drawn (it vanished, and the legend's
    one-line label raised an IndexError), as wide as the same letters after a Latin one."""
    from riemann_nn.render.text import label, line_label

    drawn, after_latin = label(words, THEME, font_size=24), label("x " + words, THEME, font_size=24)
    assert 0.5 * after_latin.width < drawn.width < after_latin.width
    strut, line = line_label(words.split("\n")[0], THEME, font_size=18)
    assert line.width > 0 and strut.height > 0
    assert len(PathText(OutlineCache(THEME, font_size=20), color=THEME.text).place([words], np.zeros((1, 2))).points)


@pytest.mark.parametrize(
    "question",
    ["What does a 10-layer network do to the plane?", "Can two neurons per layer pull a disc out of a ring today?"],
)
def test_balanced_lines_keep_the_words_and_even_out_the_widths(question):
    """Two lines of a question without pauses: the words in order, and the wider line as narrow as any break
    of the words could make it (brute force)."""
    lines = balanced_lines(question, 2, font_size=40)
    assert len(lines) == 2 and " ".join(lines) == question
    words = question.split()
    narrowest = min(
        max(line_width(" ".join(words[:k]), 40), line_width(" ".join(words[k:]), 40)) for k in range(1, len(words))
    )
    assert max(line_width(line, 40) for line in lines) == pytest.approx(narrowest)


def test_balanced_lines_prefer_a_comma_near_the_middle():
    lines = balanced_lines("Where does the network stretch the plane, and where does it squeeze it?", 2, font_size=40)
    assert lines == ["Where does the network stretch the plane,", "and where does it squeeze it?"]
    assert balanced_lines("Hi, there is much more to say after the comma than before it", 2, font_size=40)[0] != "Hi,"


def test_title_block_fits_each_line_without_shrinking_the_others():
    """A question too long for one line is broken, not shrunk with the card: every row fits the width, and the
    lines under it keep the size they have alone."""
    question = "Where does the network stretch the plane, and where does it squeeze it?"
    facts = "seed-c2-sigmoid  \u00b7  train accuracy 100%"
    block = title_block(question, ["Two spirals", facts], THEME, width=12.8)
    heading, _, facts_row = block
    assert len(heading) == 2 and all(row.width <= 12.8 + 1e-9 for row in block)
    assert facts_row.height == pytest.approx(text.label(facts, THEME, font_size=18).height)
    assert heading[0].height == pytest.approx(text.label("Where does", THEME, font_size=40, bold=True).height, rel=0.3)


def test_metric_formulas_fit_the_panel_unscaled():
    """The formula block is no wider than the side panel, so ``present`` need not shrink its subscripts."""
    assert text.metric_formulas(THEME).width <= PANEL_WIDTH
    assert text.metric_formulas(THEME, every_layer=False).width <= PANEL_WIDTH


def control_mobjects():
    """A fixed arrangement of every building block, independent of training."""
    region = PlotRegion()
    angle = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    points = np.column_stack([np.cos(angle) * (2 + angle / 3), np.sin(angle) * (2 + angle / 3)])
    framing = Framing.fit(points, region)
    lines = np.stack(
        [np.column_stack([np.full(30, x), np.linspace(-5, 5, 30)]) for x in np.linspace(-5, 5, 9)]
        + [np.column_stack([np.linspace(-5, 5, 30), np.full(30, y)]) for y in np.linspace(-5, 5, 9)]
    )
    lines = lines + 0.3 * np.sin(lines[..., ::-1])  # a gentle warp
    grid = WarpedGrid(color=THEME.grid, opacity=THEME.grid_opacity).set_lines(framing.to_screen(lines), region=region)
    clouds = [
        PointCloud(color=THEME.classes[k], radius=0.06).set_positions(framing.to_screen(points[k::2]), region=region)
        for k in (0, 1)
    ]
    sites = np.array([[-2.0, -2.0], [0.0, 0.0], [2.5, 1.5]])
    maps = np.array([[[0.5, 0.0], [0.0, 0.2]], [[0.3, 0.3], [-0.1, 0.1]], [[0.2, 0.0], [0.0, 0.2]]])
    glyphs = EllipseField(color=THEME.glyph).set_glyphs(framing.to_screen(sites), framing.zoom * maps, region=region)
    half_planes = DecisionHalfPlanes(np.array([1.0, -0.5]), 0.3, framing, THEME)
    axes = FramedAxes(region, THEME).fit_to(framing)
    return [half_planes, grid, glyphs, *clouds, axes]


def test_building_blocks_match_their_control_frame():
    """Half-planes, grid, glyphs, points and axes drawn together match the stored control frame."""
    assert_matches_control(capture(control_mobjects()), "building_blocks")


def test_layer_view_matches_its_control_frame():
    """A LayerView of a hand-made two-layer c1 net, half way and with glyphs, matches its control frame."""
    from riemann_nn.config import DatasetConfig, GeometryConfig, ModelConfig, RunConfig, TrainConfig
    from riemann_nn.export import build_run

    config = RunConfig(
        name="control",
        dataset=DatasetConfig("moons", n=120, noise=0.05, seed=4),
        model=ModelConfig("c1", "tanh", depth=2, init_gain=0.5),
        training=TrainConfig(iterations=30, lr=0.05, weight_decay=0.0, seed=4),
        geometry=GeometryConfig(sites_per_side=6, grid_lines=6, grid_samples=25),
    )
    view = LayerView(build_run(config, progress=False), theme=THEME)
    view.time.set_value(1.5)
    view.glyph_size.set_value(1.0)
    view.follow_layer(view)
    assert_matches_control(capture([view]), "layer_view")


def test_decision_line_spans_an_off_centre_region():
    """The head's line is drawn from border to border of its region, wherever the region sits in the frame."""
    region = PlotRegion(left=2.0, right=6.0, bottom=1.0, top=3.5)
    points = np.array([[0.0, 0.0], [10.0, 4.0]])
    framing = Framing.fit(points, region)
    planes = DecisionHalfPlanes(np.array([1.0, -2.0]), 1.0, framing, THEME)
    ends = planes.line.points[[0, -1], :2]
    on_border = (
        np.isclose(ends[:, 0], region.left)
        | np.isclose(ends[:, 0], region.right)
        | np.isclose(ends[:, 1], region.bottom)
        | np.isclose(ends[:, 1], region.top)
    )
    assert on_border.all()
    screen_to_layer = (ends - region.centre) / framing.zoom + framing.centre
    np.testing.assert_allclose(screen_to_layer @ np.array([1.0, -2.0]) + 1.0, 0, atol=1e-9)


# -- glyphs never blink: cut at the border, never dropped ------------------------------------------------------


def polygon_area(polygon: np.ndarray) -> float:
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * abs(float(x[:-1] @ y[1:] - y[:-1] @ x[1:]))


@pytest.mark.parametrize(
    "shape, norm", [("circle", lambda v: np.linalg.norm(v, axis=-1)), ("square", lambda v: np.abs(v).max(axis=-1))]
)
def test_clipped_outlines_are_the_shapes_cut_by_the_box(shape, norm):
    """Each polygon lies in the box, its vertices on the border of shape-and-box (the box's border or the
    shape's), and its area is the area of shape-and-box measured on a fine grid (a 48-gon loses 0.3 % of a
    circle)."""
    low, high = np.array([-1.0, -0.5]), np.array([1.0, 0.7])
    rng = np.random.default_rng(5)
    centres = rng.uniform(low + 0.05, high - 0.05, (12, 2))
    maps = rng.normal(size=(12, 2, 2)) * rng.choice([0.1, 0.6, 3.0], 12)[:, None, None]
    maps[0] = [[2.0, 0.0], [0.0, 1e-9]]  # all but flat
    polygons = clipped_outlines(centres, maps, shape=shape, low=low, high=high)  # (12, V+1, 2)
    assert ((polygons >= low - 1e-12) & (polygons <= high + 1e-12)).all()
    on_box = (np.isclose(polygons, low) | np.isclose(polygons, high)).any(axis=-1)  # (12, V+1)
    inside = np.einsum("gij,gkj->gki", np.linalg.inv(maps[1:]), polygons[1:] - centres[1:, None])
    on_shape = np.isclose(norm(inside), 1.0, atol=1e-9)
    assert (on_box[1:] | on_shape).all()
    grid = np.stack(np.meshgrid(np.linspace(low[0], high[0], 801), np.linspace(low[1], high[1], 481)), -1)
    cell = np.prod((high - low) / [800, 480])
    for centre, matrix, polygon in zip(centres[1:], maps[1:], polygons[1:]):
        covered = norm((grid - centre) @ np.linalg.inv(matrix).T) <= 1.0
        assert polygon_area(polygon) == pytest.approx(covered.sum() * cell, rel=0.02, abs=4 * cell * 800)
    assert polygon_area(polygons[0]) < 1e-6  # a flat glyph stays a segment, cut at the border


def test_closed_shapes_draw_one_sub_path_per_shape_whole_or_cut():
    """Shapes inside stay four exact arcs; shapes crossing the border become one cut polygon each."""
    region = PlotRegion(left=-1.0, right=1.0, bottom=-1.0, top=1.0)
    centres = np.array([[0.0, 0.0], [0.9, 0.0], [0.95, 0.95], [0.0, -0.8]])
    maps = np.array([np.eye(2) * 0.2, np.eye(2) * 0.3, [[0.5, 0.2], [0.0, 0.1]], np.eye(2) * 5.0])
    field = EllipseField(color=THEME.glyph).set_glyphs(centres, maps, region=region)
    paths = field.get_subpaths()
    assert sorted(len(p) for p in paths) == [16, 4 * 60, 4 * 60, 4 * 60]
    assert all(np.allclose(p[0], p[-1]) for p in paths), "every sub-path is closed"
    assert np.abs(np.concatenate(paths)[:, :2]).max() <= 1.0 + 1e-12


def glyph_sub_paths(view) -> int:
    """Sub-paths of the glyphs and unbounded marks a view draws, as Manim splits them for Cairo."""
    return sum(len(field.get_subpaths()) for field in view.glyphs.fields) + len(view.unbounded.get_subpaths())


def glyphs_drawn(view) -> int:
    """Glyphs and unbounded marks a view wrote, as the marks count them (identical glyphs of a collapsed layer,
    drawn one after the other, are one sub-path for Manim)."""
    return sum(field.shapes_drawn for field in view.glyphs.fields) + view.unbounded.shapes_drawn


@pytest.mark.parametrize("radius", [0.15, 0.6])
def test_a_sweep_draws_every_glyph_in_every_frame(small_run, radius):
    """Frame by frame through the pull-back (15 fps over 1 s per layer), every glyph site is drawn exactly once,
    as a glyph or as an unbounded mark: the count of sub-paths never changes. Glyph sizes are set so that the
    last layer's circles have ``radius`` on screen (the tiny runs' own glyph scales can be numerically nil): at
    0.6 they cross the border all the time and are cut, not dropped."""
    view = LayerView(small_run, theme=THEME, style=ViewStyle(glyph_cap=1e9))  # no dashes: one sub-path a glyph
    view.fit_sites.set_value(1.0)
    view.time.set_value(small_run.depth)
    scale = small_run.meta["ellipse"]["scale"]
    view.glyph_size.set_value(radius / (scale * view.framing.zoom))
    sites = small_run.sites.shape[1]
    cut = 0
    for t in np.linspace(small_run.depth, 0.0, 15 * small_run.depth + 1):
        view.time.set_value(t)
        view.follow_layer(view)
        assert glyphs_drawn(view) == sites, f"t = {t:.3f}"
        if small_run.scheme != "c0":  # no layer collapses: every glyph is a sub-path of its own
            assert glyph_sub_paths(view) == sites, f"t = {t:.3f}"
        cut += sum(len(p) != 16 for field in view.glyphs.fields for p in field.get_subpaths())
    assert cut > 0 or radius < 0.5, "large glyphs must cross the border"


def test_unbounded_marks_are_bounded_arrows_along_the_direction():
    """One sub-path per mark; its shaft runs from c - h u to c + h u along the unit direction u."""
    centres = np.array([[0.0, 0.0], [1.0, 2.0]])
    directions = np.array([[3.0, 4.0], [0.0, -2.0]])
    marks = UnboundedMarks(color=THEME.unbounded).set_marks(centres, directions, half_length=0.2)
    paths = marks.get_subpaths()
    assert len(paths) == 2 and marks.shapes_drawn == 2
    assert all(np.array_equal(path[0], path[-1]) for path in paths), "closed, like a glyph"
    for path, centre, direction in zip(paths, centres, directions):
        anchors = path[:, :2]
        unit = direction / np.linalg.norm(direction)
        reach = (anchors - centre) @ unit
        assert reach.max() == pytest.approx(0.2) and reach.min() == pytest.approx(-0.2)
        assert np.abs((anchors - centre) @ [-unit[1], unit[0]]).max() == pytest.approx(0.08)  # arrowheads


def test_layer_counter_names_the_layer_a_sweep_moves_into(small_run):
    """At rest: "Layer l of L"; moving, the layer the data are heading for, whichever the direction, never the
    one being left (the input always "Layer 0 (input)"); on a staged c0 path, the stage playing."""
    view = LayerView(small_run, theme=THEME)
    counter = LayerCounter(view, anchor=[3.0, 1.0])
    readings = [counter.text_at(t) for t in (0.0, 0.2, 0.5, 0.9, 1.0, 0.6, 0.0)]
    depth = small_run.depth
    assert [r[0] for r in readings] == [
        "Layer 0 (input)",
        f"Layer 1 of {depth}",
        f"Layer 1 of {depth}",
        f"Layer 1 of {depth}",
        f"Layer 1 of {depth}",
        "Layer 0 (input)",
        "Layer 0 (input)",
    ]
    stages = [r[1] for r in readings]
    if view.motion.method == "staged":
        assert stages == [None, "step: W x", "step: + b", f"step: {small_run.activation}", None, "step: + b", None]
    else:
        assert stages == [None] * 7


@pytest.mark.parametrize(
    "ratio, note",
    [
        (1.0, None),
        (1.2, None),
        (93.0, "zoom \u00d7100 of the input"),
        (0.31, "zoom \u00d70.3 of the input"),
        (2.3, "zoom \u00d72.5 of the input"),
    ],
)
def test_zoom_notes(ratio, note):
    assert zoom_note(ratio) == note


def test_glyphs_larger_than_the_cap_are_shrunk_and_dashed_continuously():
    """A glyph longer than the cap is shrunk as a whole to it (its shape and direction kept); the dash duty is 1
    up to the cap and falls with the excess, continuously, to 0.35."""
    angle = 0.4
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    sizes = np.array([0.5, 0.99, 1.0, 1.01, 2.0, 10.0, 1e6])
    maps = np.einsum("ij,mjk->mik", rotation, np.stack([np.diag([size, 0.3]) for size in sizes]))
    capped, duty = cap_glyphs(maps, 1.0)
    axes = np.linalg.svd(capped, compute_uv=False)
    np.testing.assert_allclose(axes[:, 0], np.minimum(sizes, 1.0), rtol=1e-12)
    np.testing.assert_allclose(axes[:, 1], 0.3 * np.minimum(1.0, 1.0 / sizes), rtol=1e-12)
    np.testing.assert_allclose(capped[0], maps[0], atol=1e-15)  # under the cap: untouched
    long_directions = np.linalg.svd(capped)[0][:, :, 0]  # (M, 2)
    np.testing.assert_allclose(np.abs(long_directions @ rotation[:, 0]), 1.0, rtol=1e-12)
    assert list(duty[:3]) == [1.0, 1.0, 1.0] and duty[3] == pytest.approx(1.0, abs=0.01)
    assert (np.diff(duty) <= 0).all() and duty[-1] == 0.35
