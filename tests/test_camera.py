"""The stories' camera (``PathCamera``): the same Cairo path and the same pixels as Manim's stock ``Camera``."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from manim import Circle, Dot, Line, Polygon, Square, VGroup, VMobject, tempconfig
from manim.camera.camera import Camera

from riemann_nn.render import EllipseField, FramedAxes, Framing, PlotRegion, PointCloud, WarpedGrid, current_theme
from riemann_nn.render.camera import PathCamera, cairo_append_path, closed_subpaths
from riemann_nn.render.marks import PolylineSet, UnboundedMarks
from riemann_nn.render.text import OutlineCache, PathText

THEME = current_theme("dark")
SIZE = {"pixel_width": 320, "pixel_height": 180}


class LoopCamera(PathCamera):
    """Every path through the Python loop."""

    batch_curves = 1 << 62


class BatchCamera(PathCamera):
    """Every path appended in one call (where that call can be reached)."""

    batch_curves = 0


ROUTES = [LoopCamera, BatchCamera, PathCamera]


def merged(*mobjects) -> VMobject:
    """One VMobject holding the curves of ``mobjects`` one after another (a sub-path each, where they do not meet)."""
    path = VMobject(stroke_color="#E0E0E0", stroke_width=3, fill_color="#3070C0", fill_opacity=0.5)
    path.set_points(np.concatenate([m.points for m in mobjects]))
    return path


def marks() -> list[VMobject]:
    """Our marks as the views draw them: grid lines cut at the region, glyphs whole and cut, dots, arrows, a
    polyline set and the axes' letter outlines."""
    region = PlotRegion()
    rng = np.random.default_rng(3)
    points = rng.normal(size=(60, 2))
    framing = Framing.fit(points, region)
    lines = np.stack([np.column_stack([np.full(20, x), np.linspace(-4, 4, 20)]) for x in np.linspace(-4, 4, 7)])
    lines = lines + 0.3 * np.sin(lines[..., ::-1])
    grid = WarpedGrid(color=THEME.grid, opacity=0.55).set_lines(framing.to_screen(lines), region=region)
    cloud = PointCloud(color=THEME.classes[0]).set_positions(framing.to_screen(points), region=region)
    sites = np.array([[-2.0, -2.0], [0.0, 0.0], [2.2, 1.5], [-1.0, 1.0]])  # the last two cross the border
    maps = np.array([[[0.5, 0.0], [0.0, 0.2]], [[0.3, 0.3], [-0.1, 0.1]], [[2.0, 0.0], [0.0, 0.4]], [[0.2, 0], [0, 3]]])
    glyphs = EllipseField(color=THEME.glyph, fill_opacity=0.3).set_glyphs(
        framing.to_screen(sites), framing.zoom * maps, region=region, duty=np.array([1.0, 1.0, 1.0, 0.5])
    )
    arrows = UnboundedMarks(color=THEME.unbounded).set_marks(
        framing.to_screen(points[:3]), rng.normal(size=(3, 2)), half_length=0.2, region=region
    )
    vertices = framing.to_screen(rng.normal(size=(12, 2)))
    polylines = PolylineSet(color=THEME.boundary).set_polylines(vertices, np.array([0, 5, 12]), region=region)
    axes = FramedAxes(region, THEME).fit_to(framing, names=("layer 1, unit 1", "unit 2"), note="zoom x2")
    return [grid, cloud, glyphs, arrows, polylines, axes]


def shapes() -> list[VMobject]:
    """Manim's own shapes and hand-made paths: several sub-paths, closed and open ones, fills, a sub-path of no
    length, anchors that nearly meet (closed by Manim's tolerance) or just miss, a ragged point count."""
    nearly = Square(side_length=1.0).shift(2 * np.array([1.0, 0.5, 0.0]))
    nearly.points[-1] += [5e-7, -5e-7, 0.0]  # within tolerance_for_point_equality: closed
    missing = Square(side_length=1.0).shift([-3.0, -1.5, 0.0])
    missing.points[-1] += [1e-3, 0.0, 0.0]  # a visible gap: left open
    zero = VMobject(stroke_width=12).set_points(np.tile([[0.5, -2.0, 0.0]], (4, 1)))  # a dot of a stroke
    ragged = VMobject(stroke_color="#F0A000", stroke_width=4)
    ragged.set_points(np.concatenate([Line([-4, 2, 0], [-2, 3, 0]).points, [[-1.0, 2.0, 0.0]] * 2]))  # 6 points
    return [
        merged(Circle(radius=0.8), Square(side_length=0.6), Circle(radius=0.3).shift([2.0, 1.0, 0.0])),
        Polygon([-5, -3, 0], [-4, -2, 0], [-3.5, -3.2, 0], fill_opacity=0.8, color="#C04040"),
        merged(Line([-6, 3, 0], [-1, 2, 0]), Line([-1, 2, 0], [1, 3.5, 0]), Line([3, 3, 0], [6, 2, 0])),
        nearly,
        missing,
        zero,
        ragged,
        VGroup(*[Dot([x, -3.0, 0.0], radius=0.1) for x in np.linspace(-2, 5, 6)]),
    ]


def cairo_path(camera: Camera, mobject: VMobject) -> list:
    """The path ``camera`` hands to Cairo for ``mobject``, as Cairo reads it back: [(kind, coordinates), ...]."""
    ctx = camera.get_cairo_context(camera.pixel_array)
    camera.set_cairo_context_path(ctx, mobject)
    return [(kind, tuple(values)) for kind, values in ctx.copy_path()]


def pixels(camera_class: type[Camera], mobjects) -> np.ndarray:
    with tempconfig(SIZE):
        camera = camera_class(background_color=THEME.background)
        camera.capture_mobjects(list(mobjects))
        return camera.pixel_array.copy()  # (180, 320, 4) uint8


@pytest.mark.parametrize("camera_class", ROUTES)
@pytest.mark.parametrize("source", [marks, shapes])
def test_every_path_is_the_stock_cameras(source, camera_class):
    """Mobject by mobject, Cairo holds exactly the path Manim's own loop builds (same elements, same numbers)."""
    with tempconfig(SIZE):
        ours, stock = camera_class(), Camera()
        parts = [part for mobject in source() for part in mobject.family_members_with_points()]
        assert len(parts) >= 8
        for part in parts:
            assert cairo_path(ours, part) == cairo_path(stock, part)


@pytest.mark.parametrize("camera_class", ROUTES)
@pytest.mark.parametrize("source", [marks, shapes])
def test_frames_equal_the_stock_cameras_pixel_for_pixel(source, camera_class):
    """Strokes, fills, opacities and caps on top of each other: every byte of the frame is Manim's."""
    ours, stock = pixels(camera_class, source()), pixels(Camera, source())
    assert (stock != stock[0, 0]).any(axis=-1).mean() > 0.02  # something was drawn
    np.testing.assert_array_equal(ours, stock)


@pytest.mark.skipif(sys.platform != "linux", reason="pycairo links libcairo as a shared library on Linux")
def test_the_one_call_route_is_reachable_here():
    """On Linux ``cairo_append_path`` is found and passes its check, so the batch route above is really tested."""
    assert cairo_append_path() is not None


@pytest.mark.parametrize("camera_class", ROUTES)
def test_our_marks_take_the_fast_path(monkeypatch, camera_class):
    """Grid, glyphs, dots and letter outlines are drawn without Manim's per-curve loop (else the camera gains
    nothing); a ragged point count still goes through it."""

    def refuse(self, ctx, vmobject):
        raise AssertionError(f"Manim's loop was used for {type(vmobject).__name__}")

    with tempconfig(SIZE):
        camera = camera_class()
        parts = [part for mobject in marks() for part in mobject.family_members_with_points()]
        monkeypatch.setattr(Camera, "set_cairo_context_path", refuse)
        for part in parts:
            cairo_path(camera, part)
        with pytest.raises(AssertionError, match="Manim's loop"):
            cairo_path(camera, shapes()[-2])  # the ragged path


def test_closed_subpaths_agree_with_manims_point_equality():
    """Manim's scalar ``consider_points_equals_2d(first, last)`` for every sub-path, including gaps around the
    tolerance, large coordinates (the relative part of the test) and infinities."""
    rng = np.random.default_rng(0)
    first = rng.normal(scale=10.0, size=(400, 2))
    gaps = rng.choice([0.0, 3e-7, 9e-7, 2e-6, 1e-4], size=(400, 2)) * rng.choice([-1, 1], size=(400, 2))
    last = first + gaps
    last[:40] *= 1e3  # relative tolerance at large coordinates
    first[:40] = last[:40] + 5e-3 * rng.choice([0.0, 1.0], size=(40, 2))
    first[390:], last[390:] = [np.inf, 0.0], [np.inf, 0.0]
    last[399] = [-np.inf, 0.0]
    mids = rng.normal(size=(400, 2, 2))  # two middle points per sub-path: one cubic curve each
    points = np.concatenate([first[:, None], mids, last[:, None]], axis=1).reshape(-1, 2)  # (1600, 2)
    points = np.column_stack([points, np.zeros(len(points))])
    spans = np.column_stack([np.arange(0, 1600, 4), np.arange(4, 1601, 4)])
    reference = VMobject()
    expected = [reference.consider_points_equals_2d(a, b) for a, b in zip(first, last)]
    assert 50 < sum(expected) < 350  # both kinds are tested
    np.testing.assert_array_equal(closed_subpaths(points, spans, atol=reference.tolerance_for_point_equality), expected)


@pytest.mark.parametrize("camera_class", ROUTES)
def test_path_text_outlines_match(camera_class):
    """Letter outlines (many closed sub-paths with holes, filled) are the stock camera's to the pixel."""
    label = PathText(OutlineCache(THEME, font_size=40), color=THEME.text)
    label.place(["Wg 0.25 \u2212 8"], np.array([[0.0, 0.0]]))
    np.testing.assert_array_equal(pixels(camera_class, [label]), pixels(Camera, [label]))
