"""What width 2 cannot do: fold curves against a closed form, winding numbers, a trained invertible net that keeps
every loop around the disc, the orientation cells and carried curves over a view, and tiny real renders of
``scenes/topology.py`` and ``scenes/space.py``."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from riemann_nn.config import DatasetConfig, GeometryConfig, ModelConfig, RunConfig, TrainConfig
from riemann_nn.data import RINGS_RADII
from riemann_nn.export import build_run
from riemann_nn.folds import carry, circle, fold_curve, last_determinants, winding_number
from riemann_nn.level_sets import unpack
from riemann_nn.network import lift
from riemann_nn.run import save_run

from conftest import reference_layers
from render_support import fade_to, lit_fraction, load_scene_module, mean_change, read_cues, render_tiny

TINY_GEOMETRY = GeometryConfig(sites_per_side=5, grid_lines=4, grid_samples=12)


@functools.cache
def rings_run(
    *, width: int = 2, step_lipschitz: float | None = 0.5, dt: float = 0.5, depth: int = 4, iterations: int = 80
):
    return build_run(
        RunConfig(
            name=f"rings-w{width}",
            dataset=DatasetConfig("rings", n=120, noise=0.02, seed=2),
            model=ModelConfig(
                "c1", "tanh", depth=depth, dt=dt, init_gain=1e-3, width=width, step_lipschitz=step_lipschitz
            ),
            training=TrainConfig(iterations=iterations, lr=0.05, weight_decay=0.0, seed=0),
            geometry=TINY_GEOMETRY,
        ),
        progress=False,
    )


# ---- the core ------------------------------------------------------------------------------------------


def test_winding_numbers_of_a_circle():
    """A counter-clockwise circle winds once around points inside it, never around points outside; reversed,
    minus once."""
    loop = circle(1.0, centre=(0.5, -0.2))
    inside = np.array([[0.5, -0.2], [1.2, 0.3], [-0.3, -0.5]])
    outside = np.array([[2.0, 0.0], [0.5, 1.0], [-1.0, -1.5]])
    np.testing.assert_array_equal(winding_number(loop, inside), [1, 1, 1])
    np.testing.assert_array_equal(winding_number(loop, outside), [0, 0, 0])
    np.testing.assert_array_equal(winding_number(loop[::-1], inside), [-1, -1, -1])


def test_fold_curve_of_one_layer_against_its_closed_form():
    """One c1 tanh layer x + tanh(W x + b) with W = diag(-3, 0.5): det J = (1 - 3 sech^2(b1 - 3x)) (1 + 0.5 s2) is
    zero exactly on the lines x = (b1 +- arccosh(sqrt 3)) / 3; the traced fold curve is those two lines (to the
    grid's interpolation error), and det J_L has opposite signs on either side of it."""
    base = rings_run()
    weight, bias = np.array([[[-3.0, 0.0], [0.0, 0.5]]]), np.array([[0.4, -0.2]])
    meta = {**base.meta, "model": {**base.meta["model"], "depth": 1, "dt": 1.0}}
    run = dataclasses.replace(base, meta=meta, weight=weight, bias=bias, unbounded=np.zeros((2, 0), bool))
    vertices, offsets = fold_curve(run, resolution=201)
    lines = sorted((0.4 + sign * np.arccosh(np.sqrt(3.0))) / 3 for sign in (-1, 1))
    pieces = unpack(vertices, offsets)
    assert len(pieces) == 2
    box = np.asarray(base.meta["geometry"]["bounds"])
    step = (box[1, 0] - box[0, 0]) / 200
    for piece, x in zip(sorted(pieces, key=lambda p: p[:, 0].mean()), lines):
        assert np.abs(piece[:, 0] - x).max() < 0.05 * step
        assert np.ptp(piece[:, 1]) > 0.99 * (box[1, 1] - box[0, 1])  # across the whole box
    for x in lines:
        left, right = last_determinants(run, np.array([[x - 0.05, 0.3], [x + 0.05, 0.3]]))
        assert left * right < 0


def test_carry_is_the_plain_forward_pass_at_widths_2_and_3():
    """Curves are carried by the Run's own network: the per-point loop on (lifted) input points."""
    points = circle(0.75, samples=31)
    for run in (rings_run(), rings_run(width=3)):
        expected = reference_layers(run.weight, run.bias, lift(points, run.width), scheme="c1", act=np.tanh, dt=run.dt)
        np.testing.assert_allclose(carry(run, points), expected, rtol=1e-12, atol=1e-12)


def test_an_invertible_width_2_net_keeps_the_loop_around_the_disc_in_every_layer():
    """A trained c1 net whose steps are all invertible (step_lipschitz 0.5) never folds (det J_L > 0 on a fine grid,
    no fold curve), and the loop drawn in the gap winds exactly as often around every data point in every layer
    as in the input: once around each disc point, never around a ring point. The topology the lesson rests on."""
    run = rings_run()
    assert max(run.meta["model"]["residual_lipschitz"]) <= 0.5 * (1 + 1e-12)
    box = np.asarray(run.meta["geometry"]["bounds"])
    grid = np.stack(np.meshgrid(*[np.linspace(box[0, k], box[1, k], 60) for k in (0, 1)]), axis=-1)
    assert (last_determinants(run, grid) > 0).all()
    assert len(fold_curve(run)[0]) == 0
    loop = carry(run, circle(np.mean(RINGS_RADII[:2]), samples=721))  # (L+1, S, 2)
    inside = winding_number(loop[0], run.x[0])
    np.testing.assert_array_equal(inside, (run.y == 1).astype(int))
    for layer in range(1, run.depth + 1):
        np.testing.assert_array_equal(winding_number(loop[layer], run.x[layer]), inside)


# ---- over a view ----------------------------------------------------------------------------------------


def test_orientation_cells_colour_the_band_the_net_turns_over_and_cap_their_size():
    """Bins are 1 exactly where det J_L < 0 at a site; cells are J(t) times the input cell, shrunk as a whole
    (orientation kept) to at most ``cap`` on screen."""
    from riemann_nn.interpolate import LayerMotion
    from riemann_nn.render.folds import OrientationCells

    run = rings_run(step_lipschitz=None, dt=1.0, iterations=150)
    motion = LayerMotion(run)
    cell = np.diag([0.05, 0.04])
    source = OrientationCells(motion, cell=cell, cap=0.2)
    frame = source(2.5, zoom=3.0)
    np.testing.assert_array_equal(frame.bins, np.linalg.det(run.jacobian[-1]) < 0)
    expected = motion.jacobian(2.5) @ cell  # (M, 2, 2)
    reach = 3.0 * np.linalg.norm(expected, ord=2, axis=(1, 2))
    small = reach <= 0.2
    np.testing.assert_allclose(frame.maps[small], expected[small], rtol=1e-12)
    assert (3.0 * np.linalg.norm(frame.maps, ord=2, axis=(1, 2)) <= 0.2 * (1 + 1e-9)).all()
    np.testing.assert_array_equal(np.sign(np.linalg.det(frame.maps)), np.sign(np.linalg.det(expected)))


def test_carried_curves_are_drawn_where_the_view_puts_the_data():
    """A loop carried over a LayerView lies where the view's framing puts the loop's points at its time."""
    from riemann_nn.level_sets import pack
    from riemann_nn.render.colour import current_theme
    from riemann_nn.render.folds import CarriedCurves
    from riemann_nn.render.views import LayerView

    run = rings_run()
    view = LayerView(run, theme=current_theme("dark"), time=1.6)
    vertices, offsets = pack([circle(0.75, samples=40)])
    curve = CarriedCurves(view, carry(run, vertices), offsets, color="#FFFFFF")
    assert len(curve.points) == 0  # hidden until revealed
    curve.reveal.set_value(1.0)
    curve.follow_view(curve)
    expected = view.current_framing.to_screen(view.motion.at(carry(run, vertices), 1.6))  # (40, 2)
    anchors = curve.points[::4, :2]  # the start of every segment
    inside = view.region.contains(expected[:-1])
    assert len(anchors) == int(inside.sum()) > 0
    np.testing.assert_allclose(anchors, expected[:-1][inside], atol=1e-9)


def test_carried_curves_fade_out_with_a_fade():
    """A FadeOut of a revealed loop fades it (its updater, run on the faded copy, must not restore its opacity)."""
    from manim import FadeOut

    from riemann_nn.level_sets import pack
    from riemann_nn.render.colour import current_theme
    from riemann_nn.render.folds import CarriedCurves
    from riemann_nn.render.views import LayerView

    run = rings_run()
    view = LayerView(run, theme=current_theme("dark"))
    vertices, offsets = pack([circle(0.75, samples=40)])
    curve = CarriedCurves(view, carry(run, vertices), offsets, color="#FFFFFF")
    curve.reveal.set_value(1.0)
    curve.follow_view(curve)
    assert curve.get_stroke_opacity() == pytest.approx(0.95)
    fade_to(FadeOut(curve), 0.5)
    assert curve.get_stroke_opacity() == pytest.approx(0.95 * 0.5)


# ---- the scenes --------------------------------------------------------------------------------------------


def with_stray_arc(run):
    """A copy of ``run`` whose decision boundary gains a short piece, the same in every layer, at the point of the
    input farthest from the data that a view framing the data still shows: a stray arc the fold act must name."""
    from dataclasses import replace

    from scipy.spatial import cKDTree

    from riemann_nn.render.colour import THEMES
    from riemann_nn.render.views import LayerView

    view = LayerView(run, theme=THEMES["dark"])
    framing, region = view.framing_at(0.0), view.region
    sites = run.sites[0][region.contains(framing.to_screen(run.sites[0]), margin=0.3)]  # (S, 2) well inside
    far = sites[np.argmax(cKDTree(run.x[0]).query(sites)[0])]
    piece = np.stack([far, 0.97 * far])  # (2, 2), pointing inwards
    boundary = np.concatenate([run.boundary, np.broadcast_to(piece, (run.depth + 1, 2, 2))], axis=1)
    offsets = np.append(run.boundary_offsets, run.boundary_offsets[-1] + 2)
    return replace(run, boundary=boundary, boundary_offsets=offsets)


def test_the_fold_act_boxes_and_names_stray_arcs_only_where_there_are_some(tmp_path, monkeypatch):
    """``name_stray_arcs`` on the view at its input: nothing said and no boxes for a boundary that runs through the
    data; for one with a piece far from it, one caption drawing one box around that piece."""
    from manim import Create

    from riemann_nn.render.story import stray_pieces
    from riemann_nn.render.views import LayerView

    monkeypatch.setenv("RIEMANN_NN_RUN", str(save_run(rings_run(), tmp_path / "flow.npz")))
    monkeypatch.delenv("RIEMANN_NN_PRESET", raising=False)
    scene = load_scene_module("topology").RingsInThePlane()
    scene.setup()
    said = []
    scene.say = lambda text, *animations, **kwargs: said.append((text, animations))
    assert stray_pieces(scene.run) == [] and scene.name_stray_arcs() == [] and said == []
    stray = with_stray_arc(rings_run())
    assert len(stray_pieces(stray)) == 1
    scene.view = LayerView(stray, theme=scene.theme)
    boxes = scene.name_stray_arcs()
    assert len(boxes) == 1 and len(boxes[0]) == 1
    ((text, animations),) = said
    assert text.startswith("Boxed: arcs of the decision boundary far from the data")
    assert len(animations) == 1 and isinstance(animations[0], Create) and animations[0].mobject is boxes[0]


@pytest.mark.render
def test_topology_scene_renders_both_acts(tmp_path, monkeypatch):
    """The topology scene renders a tiny invertible run and a tiny folding one (with a stray arc of its boundary): a
    changing, never blank video with one subtitle cue per caption, the stray arc named as the second act begins."""
    monkeypatch.setenv("RIEMANN_NN_RUN", str(save_run(rings_run(), tmp_path / "flow.npz")))
    monkeypatch.delenv("RIEMANN_NN_PRESET", raising=False)
    scene = load_scene_module("topology").RingsInThePlane
    folding = with_stray_arc(rings_run(step_lipschitz=None, dt=1.0, iterations=150))
    tiny = type("TinyTopology", (scene,), {"fold_run": lambda self: folding})
    frames, duration = render_tiny(tiny, tmp_path)
    assert 60 <= duration <= 180
    blank = np.flatnonzero(lit_fraction(frames)[10:] <= 0.005)
    dips = np.split(blank, np.flatnonzero(np.diff(blank) > 1) + 1) if len(blank) else []
    # Only the card's crossfade to the stage and the change of acts pass through an (almost) empty frame: each
    # a dip of at most 0.4 s (5 fps), the old faded out before the new fades in.
    assert len(dips) <= 2 and all(len(dip) <= 2 for dip in dips), blank
    assert (mean_change(frames) > 0.05).mean() > 0.15  # holds are stills: a quarter of the frames move
    cues = read_cues(next(tmp_path.rglob("TinyTopology.vtt")))
    assert len(cues) >= 15 and cues[0][2] == scene.question
    assert not any("J_L" in text or "det " in text for *_, text in cues), "formulas are typeset, not captions"
    texts = [text for *_, text in cues]
    named = [k for k, text in enumerate(texts) if text.startswith("Boxed: arcs")]
    assert (
        len(named) == 1
        and texts[named[0] - 1].startswith("Now large steps")
        and texts[named[0] + 1].startswith("Red cells")
    )


def test_topology_scene_refuses_a_net_whose_steps_may_fold(tmp_path, monkeypatch):
    """Act one's claims hold for invertible steps only: a run without that bound ends in one line."""
    monkeypatch.setenv(
        "RIEMANN_NN_RUN", str(save_run(rings_run(step_lipschitz=None, dt=1.0, iterations=150), tmp_path / "fold.npz"))
    )
    scene = load_scene_module("topology").RingsInThePlane
    with pytest.raises(SystemExit, match="every step is invertible"):
        scene().setup()


@pytest.mark.render
def test_space_scene_renders_a_width_3_run(tmp_path, monkeypatch):
    """The 3-D scene renders a tiny width-3 run: a changing, never blank video with its subtitles."""
    monkeypatch.setenv("RIEMANN_NN_RUN", str(save_run(rings_run(width=3), tmp_path / "w3.npz")))
    monkeypatch.delenv("RIEMANN_NN_PRESET", raising=False)
    scene = load_scene_module("space").LiftedRings
    frames, duration = render_tiny(scene, tmp_path)
    assert 40 <= duration <= 120
    blank = lit_fraction(frames)[10:] <= 0.005
    assert blank.sum() <= 2, "only the crossfade from the title card may dip (at 128x72 a tiny run is a few pixels)"
    assert (mean_change(frames) > 0.05).mean() > 0.8  # the camera never stops turning
    cues = read_cues(next(tmp_path.rglob("LiftedRings.vtt")))
    assert len(cues) >= 10 and cues[0][2] == scene.question
