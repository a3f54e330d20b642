"""The training film's parts (``render.training``) against the numbers they draw, the checkpoint sheet, and a
tiny render of ``scenes/training.py``."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

from riemann_nn.export import build_run, run_at_checkpoint
from riemann_nn.metric import invert_chart
from riemann_nn.render import current_theme
from riemann_nn.render.framing import PlotRegion
from riemann_nn.render.training import (
    CheckpointGlyphs,
    IterationCounter,
    LastLayerPanel,
    LossCurve,
    TrainingMoment,
    film_run,
    history,
    log_iteration,
)
from riemann_nn.run import save_run

from conftest import small_config
from render_support import decode, lit_fraction, load_scene_module, mean_change, read_cues, render_scene

THEME = current_theme("dark")
REGION = PlotRegion(left=-1.0, right=1.0, bottom=-1.0, top=1.0)


@functools.cache
def film():
    """A tiny c1 run with 9 checkpoints of its 50 iterations."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_run(small_config("c1", training={"checkpoints": 9}), progress=False)


def test_the_moment_is_the_checkpoint_state():
    """At a position the moment's data, last Jacobians and boundary are those of ``Checkpoints.at`` (and of the
    Run at the last one); it recomputes only when the position changes."""
    run = film()
    moment = TrainingMoment(run, position=3.5)
    state = run.checkpoints.at(3.5)
    assert np.array_equal(moment.layers, state.layers(run.x[0]))
    assert np.array_equal(moment.last_jacobian, state.jacobians(run.sites[0])[-1])
    first = moment.layers
    assert moment.layers is first  # cached while the position stays
    moment.position.set_value(8.0)
    assert np.array_equal(moment.layers, run.x) and moment.iteration == 50
    vertices, _ = moment.boundary  # traced on a coarser grid than the Run's, refined onto the same curve
    assert np.abs(run.logits(run.checkpoints.at(8.0).layers(vertices)[-1])).max() < 1e-8


def test_glyphs_at_the_last_checkpoint_are_the_runs_input_glyphs():
    """The source's maps s J_L^{-1} have the Run's own input ellipses' semi-axes (given the Run's scale)."""
    run = film()
    moment = TrainingMoment(run, position=8.0)
    frame = CheckpointGlyphs(moment, scale=run.meta["ellipse"]["scale"])(0.0, 1.0)
    axes = np.linalg.svd(frame.maps, compute_uv=False)  # (M, 2) descending
    bounded = ~run.clipped[0]
    assert np.allclose(axes[bounded], run.ellipse[0, bounded, :2], rtol=1e-9)
    assert np.array_equal(frame.centres, run.sites[0]) and not frame.unbounded.any()
    assert np.allclose(frame.maps, run.meta["ellipse"]["scale"] * invert_chart(run.jacobian[-1]))


def test_the_last_layer_panel_puts_every_point_on_its_predicted_side():
    """The half-plane polygons (convex) hold the screen positions of the points the head puts on their side, the
    line between them is their shared edge."""
    run = film()
    moment = TrainingMoment(run, position=6.0)
    panel = LastLayerPanel(moment, theme=THEME, region=REGION)
    screen = panel.current_framing.to_screen(moment.layers[-1])  # (N, 2)
    logits = moment.state.logits(run.x[0])
    for side, polygon in zip((logits < 0, logits > 0), panel.planes):
        corners = polygon.points[::4, :2]  # the start of every straight piece
        inside = _inside_convex(screen[side], corners)
        assert inside.mean() > 0.99, inside.mean()
    a, b = panel.line.points[[0, -1], :2]
    normal = moment.state.head_weight / panel.current_framing.zoom
    assert normal @ (b - a) == pytest.approx(0.0, abs=1e-9)  # along a line of constant logit


def _inside_convex(points: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """Which points lie in the convex polygon (either orientation), edges included (a small tolerance)."""
    edges = np.roll(corners, -1, axis=0) - corners  # (C, 2)
    cross = edges[None, :, 0] * (points[:, None, 1] - corners[None, :, 1]) - edges[None, :, 1] * (
        points[:, None, 0] - corners[None, :, 0]
    )  # (P, C)
    return (cross >= -1e-9).all(axis=1) | (cross <= 1e-9).all(axis=1)


def test_loss_curve_is_drawn_up_to_the_moment():
    """Iteration i on a log(1 + i) axis; the curves hold the history up to the moment and end at its value,
    interpolated between whole iterations."""
    run = film()
    loss, accuracy = history(run)
    assert np.array_equal(loss[:-1], run.loss) and loss[-1] == run.meta["training"]["loss"]
    moment = TrainingMoment(run, position=4.5)
    curve = LossCurve(moment, theme=THEME, region=REGION)
    now = moment.iteration
    points = np.vstack([curve.loss_line.points[::4, :2], curve.loss_line.points[-1:, :2]])
    assert points[0] == pytest.approx(curve.to_screen(np.array([0]), loss[:1])[0])
    assert points[-1] == pytest.approx(curve.to_screen(np.array([now]), [np.interp(now, np.arange(51), loss)])[0])
    assert points[:, 0].max() == pytest.approx(REGION.left + 2 * log_iteration(now) / log_iteration(50))
    assert np.allclose(
        curve.dots[1].points[0, :2],
        curve.to_screen(np.array([now]), [np.interp(now, np.arange(51), accuracy)])[0],
        atol=1e-4,
    )


def test_counter_names_the_iteration_and_its_numbers():
    run = film()
    counter = IterationCounter(TrainingMoment(run), theme=THEME, anchor=(0, 0))
    loss, accuracy = history(run)
    assert counter.text_at(12.7) == (
        "Iteration 12 of 50",
        f"loss {loss[12]:.3f}  \u00b7  accuracy {100 * accuracy[12]:.1f}%",
    )
    assert counter.text_at(50.0)[0] == "Iteration 50 of 50"


def test_film_run_needs_checkpoints(c1_run, tmp_path, monkeypatch):
    """A Run file without checkpoints ends the render with one line saying how to get them."""
    path = save_run(c1_run, tmp_path / "plain.npz")
    monkeypatch.setenv("RIEMANN_NN_RUN", str(path))
    with pytest.raises(SystemExit, match="--checkpoints"):
        film_run("seed-spirals-film", checkpoints=40)


def test_a_run_at_a_checkpoint_is_drawn_like_any_run():
    """The checkpoint sheet's panels are Runs: at the last checkpoint, the Run itself."""
    run = film()
    at = run_at_checkpoint(run, 8)
    assert np.array_equal(at.x, run.x) and np.array_equal(at.ellipse, run.ellipse)


# -- the checkpoint sheet -------------------------------------------------------------------------------


def test_checkpoint_sheet_panels_and_errors(tmp_path):
    """Panels are spread by index from the first to the last checkpoint; a run without checkpoints or a bad
    count is refused before anything is written; the image is the layout's size."""
    from riemann_nn.errors import ConfigError
    from riemann_nn.render.checkpoint_sheet import checkpoint_positions, save_checkpoint_sheet

    assert checkpoint_positions(40, 6) == [0, 8, 16, 23, 31, 39]
    assert checkpoint_positions(9, 9) == list(range(9))
    for bad in (1, 10, True):
        with pytest.raises(ConfigError, match="panels"):
            checkpoint_positions(9, bad)
    path = save_checkpoint_sheet(film(), tmp_path / "c.png", theme="light", panels=4, width=480)
    from PIL import Image

    image = np.asarray(Image.open(path).convert("RGB"))
    assert image.shape[1] == 480 and image.shape[0] > 300
    assert (np.abs(image.astype(int) - image[0, 0].astype(int)).max(axis=-1) > 40).mean() > 0.05
    with pytest.raises(ConfigError, match="checkpoints"):
        save_checkpoint_sheet(build_run(small_config("c1"), progress=False), tmp_path / "d.png")
    assert not (tmp_path / "d.png").exists()


def test_cli_sheet_checkpoints(tmp_path):
    from test_cli import runner

    from riemann_nn.cli import main

    run_file = save_run(film(), tmp_path / "film.npz")
    result = runner().invoke(
        main, ["sheet", str(run_file), "--checkpoints", "3", "--width", "400", "-o", str(tmp_path / "s.png")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s.png").is_file()
    result = runner().invoke(main, ["sheet", str(run_file), "--checkpoints", "12", "-o", str(tmp_path / "t.png")])
    assert result.exit_code != 0 and "from 2 to 9 panels" in result.stderr and not (tmp_path / "t.png").exists()


# -- the scene ---------------------------------------------------------------------------------------


@pytest.mark.render
def test_training_film_renders(tmp_path, monkeypatch):
    """A tiny run's film: 30 to 60 s, captions cued in order and read in full, the counter reaching the last
    iteration, frames never blank but for the card's crossfade and changing while training plays."""
    monkeypatch.setenv("RIEMANN_NN_RUN", str(save_run(film(), tmp_path / "film.npz")))
    monkeypatch.delenv("RIEMANN_NN_PRESET", raising=False)
    scene, movie, duration = render_scene(load_scene_module("training").TrainingFilm, tmp_path)
    assert 30 <= duration <= 60
    cues = read_cues(movie.with_suffix(".vtt"))
    assert len(cues) >= 8 and cues[0][2] == scene.question
    for (start, end, text), following in zip(cues, [*cues[1:], (duration, duration, "")]):
        assert end - start >= 2.5 - 0.2 and end <= following[0] + 1e-6, text
    assert scene.moment.iteration == 50
    frames = decode(movie)
    lit = lit_fraction(frames) > 0.005  # (T,)
    assert (lit[2:-2] | lit[3:-1] | lit[4:]).all(), "(nearly) blank for longer than the card's crossfade"
    assert (mean_change(frames) > 0.05).mean() > 0.3
