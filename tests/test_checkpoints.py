"""Training checkpoints: the schedule, the snapshots against a training stopped there, the Run keys and their
validation, the numpy recomputation at and between snapshots, ``--standardize``, and the CLI."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import torch
from test_cli import runner

from riemann_nn.checkpoints import RUN_KEYS, Checkpoints, checkpoint_iterations
from riemann_nn.cli import main
from riemann_nn.config import TrainConfig
from riemann_nn.errors import ConfigError, RunFileError
from riemann_nn.export import build_run, input_glyph_scale, load_data, run_at_checkpoint
from riemann_nn.run import load_run, save_run, validate
from riemann_nn.standardize import Standardization
from riemann_nn.train import train

from conftest import small_config

COUNT = 9  # snapshots of the 50 iterations of the small configurations


def quiet_build(config):
    """``build_run`` without its low-accuracy warning (tiny nets on spirals stay below 90 %)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_run(config, progress=False)


@functools.cache
def run_with_checkpoints(scheme: str, standardize: bool = False):
    return quiet_build(small_config(scheme, training={"checkpoints": COUNT}, dataset={"standardize": standardize}))


# ---- the schedule ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("iterations", [1, 2, 7, 50, 200, 1000, 12345])
def test_schedule_rises_strictly_from_zero_to_the_end(iterations):
    """Every count from 2 to iterations + 1 (a sample for long trainings) gives that many distinct iterations,
    strictly rising from 0 to ``iterations``."""
    counts = range(2, iterations + 2) if iterations <= 200 else (2, 3, 10, 24, 100, 1000)
    for count in counts:
        schedule = checkpoint_iterations(iterations, count)
        assert schedule.dtype.kind == "i" and len(schedule) == count
        assert schedule[0] == 0 and schedule[-1] == iterations and (np.diff(schedule) > 0).all()
    assert np.array_equal(checkpoint_iterations(iterations, iterations + 1), np.arange(iterations + 1))


def test_schedule_is_dense_where_training_changes_fast():
    """Log spacing: of 24 snapshots of 10 000 iterations, half fall in the first 1 % and the gaps grow; the
    iterations follow (1 + i) = 10001^(k/23) to within rounding once the gaps exceed one."""
    schedule = checkpoint_iterations(10_000, 24)
    assert (schedule <= 100).sum() == 12
    reference = np.geomspace(1, 10_001, 24) - 1
    wide = reference > 30
    assert np.abs(schedule[wide] - reference[wide]).max() <= 0.5
    assert (np.diff(schedule[wide]) > np.diff(schedule[wide])[0] - 1).all()


@pytest.mark.parametrize("count", [1, 52, -1, True, 2.0])
def test_config_refuses_impossible_counts(count):
    """One snapshot cannot hold both ends; more than iterations + 1 would repeat one; counts are integers."""
    with pytest.raises(ConfigError, match="checkpoints"):
        TrainConfig(iterations=50, checkpoints=count)


# ---- snapshots against a training stopped there ----------------------------------------------------------


@pytest.mark.parametrize("scheme", ["c0", "c1", "c2"])
def test_a_checkpoint_reproduces_the_network_trained_to_its_iteration(scheme):
    """Train once to 50 iterations with snapshots, and once to each of two snapshot iterations i with none:
    the snapshot at i holds bit-identical parameters, its numpy coordinates equal that run's (and the torch
    model's at i), and its loss and accuracy are that run's final ones."""
    run = run_with_checkpoints(scheme)
    checkpoints = run.checkpoints
    x0, y = load_data(small_config(scheme))
    for k in (3, COUNT - 3):
        i = int(checkpoints.iteration[k])
        assert 0 < i < 50
        short_config = small_config(scheme, training={"iterations": i})
        short = quiet_build(short_config)
        state = checkpoints.at(k)
        for name in ("weight", "bias", "head_weight", "head_bias"):
            assert np.array_equal(getattr(state, name), getattr(short, name)), name
        assert np.array_equal(state.layers(x0), short.x)
        with torch.no_grad():
            model = _torch_model(short_config, state)
            assert np.allclose(model.layers(torch.as_tensor(x0)).numpy(), short.x, rtol=0, atol=1e-12)
        assert checkpoints.loss[k] == short.meta["training"]["loss"] == run.loss[i]
        assert checkpoints.accuracy[k] == short.meta["training"]["accuracy"] == run.accuracy[i]
        assert state.accuracy(x0, y) == pytest.approx(checkpoints.accuracy[k], abs=1.5 / len(y))


def _torch_model(config, state):
    from riemann_nn.model import Width2Net

    model = Width2Net(config.model)
    for name in ("weight", "bias", "head_weight", "head_bias"):
        getattr(model, name).copy_(torch.as_tensor(np.asarray(getattr(state, name))))
    return model


@pytest.mark.parametrize("scheme", ["c0", "c1", "c2"])
def test_the_first_checkpoint_is_the_initialisation_and_the_last_the_final_network(scheme):
    """Snapshot 0 is the untrained net (zero biases; Xavier weights of the seed), the last is the Run's final
    parameters exactly, and the snapshots' losses are the history's (the last one the final loss)."""
    run = run_with_checkpoints(scheme)
    checkpoints = run.checkpoints
    assert len(checkpoints) == COUNT
    assert np.array_equal(checkpoints.iteration, checkpoint_iterations(50, COUNT))
    assert np.array_equal(checkpoints.bias[0], np.zeros_like(run.bias))
    from riemann_nn.model import Width2Net

    initial = Width2Net(small_config(scheme).model, seed=0)
    assert np.array_equal(checkpoints.weight[0], initial.weight.detach().numpy())
    for name in ("weight", "bias", "head_weight", "head_bias"):
        assert np.array_equal(getattr(checkpoints, name)[-1], getattr(run, name))
    inner = checkpoints.iteration[:-1]
    assert np.array_equal(checkpoints.loss[:-1], run.loss[inner])
    assert checkpoints.loss[-1] == run.meta["training"]["loss"]


def test_checkpoints_leave_the_training_unchanged(c1_run):
    """Keeping snapshots changes nothing of the trained net or its history (bit for bit)."""
    run = run_with_checkpoints("c1")
    for key in ("weight", "bias", "head_weight", "head_bias", "loss", "accuracy", "x", "metric"):
        assert np.array_equal(getattr(run, key), getattr(c1_run, key)), key
    assert c1_run.checkpoints is None


# ---- recomputation at and between snapshots -------------------------------------------------------------


def test_the_last_state_recomputes_every_exported_number():
    """At the last snapshot the numpy state gives the Run's coordinates, Jacobians, metrics, decision boundary
    and accuracy (which build_run computed from the final parameters)."""
    run = run_with_checkpoints("c1")
    state = run.checkpoints.at(COUNT - 1)
    assert np.array_equal(state.layers(run.x[0]), run.x)
    assert np.array_equal(state.jacobians(run.sites[0]), run.jacobian)
    assert np.allclose(state.metrics(run.sites[0]), run.metric, rtol=1e-12, atol=1e-12)
    assert np.allclose(state.input_metric(run.sites[0]), run.metric[0], rtol=1e-12, atol=1e-12)
    assert np.allclose(state.volume(run.sites[0]), np.sqrt(np.linalg.det(run.metric[0])), rtol=1e-9)
    vertices, offsets = state.boundary(np.array(run.meta["geometry"]["bounds"]))
    assert np.array_equal(offsets, run.boundary_offsets) and np.allclose(vertices, run.boundary[0], atol=1e-12)
    assert state.accuracy(run.x[0], run.y) == pytest.approx(run.meta["training"]["accuracy"], abs=1e-12)


def test_states_between_checkpoints_interpolate_the_parameters():
    """At k + f the parameters and the iteration are (1 - f) P_k + f P_{k+1}; position() inverts iteration;
    the Jacobians there are the finite-difference derivatives of the coordinates there."""
    checkpoints = run_with_checkpoints("c1").checkpoints
    k, f = 4, 0.3
    state = checkpoints.at(k + f)
    for name in ("weight", "bias", "head_weight", "head_bias"):
        values = getattr(checkpoints, name)
        assert np.allclose(getattr(state, name), (1 - f) * values[k] + f * values[k + 1], rtol=0, atol=1e-15)
    expected = (1 - f) * checkpoints.iteration[k] + f * checkpoints.iteration[k + 1]
    assert state.iteration == pytest.approx(expected)
    assert checkpoints.position(state.iteration) == pytest.approx(k + f)
    sites = np.array([[0.3, -0.2], [-1.0, 0.5]])
    h = 1e-6
    columns = [(state.layers(sites + h * e) - state.layers(sites - h * e)) / (2 * h) for e in np.eye(2)]
    assert np.allclose(state.jacobians(sites), np.stack(columns, axis=-1), atol=1e-7)


@pytest.mark.parametrize("scheme", ["c1", "c2"])
def test_a_run_at_a_checkpoint_is_the_run_trained_to_its_iteration(scheme):
    """``run_at_checkpoint`` at snapshot k equals, key by key, the Run that build_run makes of a training stopped
    at iteration[k] (given that Run's glyph scale): coordinates, grid, Jacobians, metrics, glyphs, flags,
    boundary, and the loss and accuracy in meta."""
    run = run_with_checkpoints(scheme)
    k = 5
    short = quiet_build(small_config(scheme, training={"iterations": int(run.checkpoint_iteration[k])}))
    at = run_at_checkpoint(run, k, scale=short.meta["ellipse"]["scale"])
    for key in (
        "x",
        "grid",
        "sites",
        "jacobian",
        "weight",
        "bias",
        "head_weight",
        "head_bias",
        "degenerate",
        "clipped",
        "unbounded",
        "boundary_offsets",
    ):
        assert np.array_equal(getattr(at, key), getattr(short, key)), key
    for key in ("metric", "ellipse", "boundary"):
        assert np.allclose(getattr(at, key), getattr(short, key), rtol=1e-12, atol=1e-12), key
    assert at.meta["training"]["accuracy"] == short.meta["training"]["accuracy"]
    assert at.meta["training"]["loss"] == pytest.approx(short.meta["training"]["loss"], rel=1e-12)
    assert at.meta["ellipse"]["max_axis"] == short.meta["ellipse"]["max_axis"]
    assert at.checkpoints is None and np.array_equal(at.loss, run.loss)


def test_one_glyph_scale_for_several_moments():
    """The shared scale puts the median input glyph's major semi-axis, over all the moments, at glyph_size site
    spacings; for one moment it is the Run's own scale when that was not clamped."""
    run = run_with_checkpoints("c1")
    positions = [0, 4, COUNT - 1]
    scale = input_glyph_scale(run, positions)
    majors = np.concatenate([run_at_checkpoint(run, p, scale=scale).ellipse[0, :, 0] for p in positions])
    bounds = np.array(run.meta["geometry"]["bounds"])
    spacing = (bounds[1] - bounds[0]).min() / run.meta["geometry"]["sites_per_side"]
    assert np.median(majors) == pytest.approx(run.meta["ellipse"]["glyph_size"] * spacing, rel=1e-9)


@pytest.mark.parametrize("position", [-0.1, COUNT - 0.9, float("nan"), "2", None])
def test_positions_outside_the_snapshots_are_refused(position):
    with pytest.raises(ConfigError, match="position"):
        run_with_checkpoints("c1").checkpoints.at(position)


def test_a_run_without_checkpoints_says_how_to_get_them(c1_run):
    with pytest.raises(ConfigError, match="--checkpoints"):
        Checkpoints.of_run(c1_run)


# ---- --standardize ------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["c0", "c1", "c2"])
def test_standardised_checkpoints_are_the_trained_snapshots_in_data_units(scheme):
    """Every snapshot of a standardised run acts on the data's coordinates as the snapshot trained on
    standardised coordinates acts on them: x_l = s z_l + mean for c1/c2 (every layer holds data coordinates),
    equal from layer 1 for c0, and the same logits."""
    run = run_with_checkpoints(scheme, standardize=True)
    config = small_config(scheme, training={"checkpoints": COUNT})
    x0, y = load_data(config)
    standard = Standardization.of(x0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trained = train(
            standard.apply(x0), y, model_config=config.model, train_config=config.training, progress=False
        ).checkpoints
    for k in (0, 4, COUNT - 1):
        data_state, trained_state = run.checkpoints.at(k), trained.at(k)
        data_layers, trained_layers = data_state.layers(x0), trained_state.layers(standard.apply(x0))
        if scheme == "c0":
            assert np.allclose(data_layers[1:], trained_layers[1:], rtol=1e-9, atol=1e-12)
        else:
            assert np.allclose(data_layers, standard.scale * trained_layers + standard.mean, rtol=1e-9, atol=1e-9)
        assert np.allclose(data_state.logits(x0), trained_state.logits(standard.apply(x0)), atol=1e-9)
    assert run.checkpoints.dt == run.dt


# ---- the Run file --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("checkpoints") / "run.npz"
    save_run(run_with_checkpoints("c2"), path)
    return path


def test_checkpoints_survive_the_file(saved):
    """Saved and loaded, every checkpoint key comes back equal, with its dtype."""
    run, loaded = run_with_checkpoints("c2"), load_run(saved)
    for key in RUN_KEYS:
        assert np.array_equal(getattr(loaded, key), getattr(run, key)), key
        assert getattr(loaded, key).dtype == getattr(run, key).dtype
    assert loaded.checkpoint_iteration.dtype.kind == "i"


def _file_arrays(run):
    from riemann_nn.run import ARRAY_KEYS, DERIVED_KEYS, OPTIONAL_KEYS

    arrays = {
        key: np.asarray(getattr(run, key))
        for key in (*ARRAY_KEYS, *OPTIONAL_KEYS, *DERIVED_KEYS, *RUN_KEYS)
        if getattr(run, key) is not None
    }
    return arrays, run.meta


def _drop_last(arrays):
    return {k: (v[:-1] if k.startswith("checkpoint_") else v) for k, v in arrays.items()}


SWAPPED = [0, 2, 1, *range(3, COUNT)]  # the second and third snapshots' iterations swapped
BROKEN = {
    "a key alone": (lambda a: {k: v for k, v in a.items() if k != "checkpoint_loss"}, "come together"),
    "one snapshot": (lambda a: {k: (v[-1:] if k.startswith("checkpoint_") else v) for k, v in a.items()}, "at least 2"),
    "not ending at the last iteration": (_drop_last, "rise strictly from 0 to 50"),
    "falling iterations": (
        lambda a: {**a, "checkpoint_iteration": a["checkpoint_iteration"][SWAPPED]},
        "rise strictly",
    ),
    "float iterations": (lambda a: {**a, "checkpoint_iteration": a["checkpoint_iteration"].astype(float)}, "integer"),
    "a wrong shape": (lambda a: {**a, "checkpoint_bias": a["checkpoint_bias"][:, :-1]}, "checkpoint_bias"),
    "NaN": (
        lambda a: {
            **a,
            "checkpoint_weight": np.where(
                a["checkpoint_weight"] == a["checkpoint_weight"][2], np.nan, a["checkpoint_weight"]
            ),
        },
        "finite",
    ),
    "a last snapshot unlike the net": (
        lambda a: {**a, "checkpoint_head_bias": a["checkpoint_head_bias"] + 1.0},
        "differs from the final",
    ),
    "a negative loss": (lambda a: {**a, "checkpoint_loss": -a["checkpoint_loss"]}, "losses >= 0"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_checkpoints_are_refused(case):
    """Validation names what is wrong with the snapshots, whatever it is."""
    arrays, meta = _file_arrays(run_with_checkpoints("c1"))
    change, fragment = BROKEN[case]
    validate(arrays, meta)  # the intact arrays pass
    with pytest.raises(RunFileError, match=fragment):
        validate(change(arrays), meta)


# ---- the CLI ------------------------------------------------------------------------------------------


def test_cli_trains_with_checkpoints_and_info_lists_them(tmp_path):
    """``train --checkpoints 5`` names the run after the change and stores 5 snapshots; ``info`` prints one line
    per snapshot with its iteration, loss and accuracy; a run without says how to get them."""
    path = tmp_path / "ck.npz"
    result = runner().invoke(
        main,
        [
            "train",
            "--preset",
            "moons-c1-tanh",
            "--iterations",
            "20",
            "--n",
            "100",
            "--checkpoints",
            "5",
            "--quiet",
            "-o",
            str(path),
        ],
    )
    assert result.exit_code == 0, result.output
    run = load_run(path)
    assert run.name == "moons-c1-tanh+n100+it20+ckpt5"
    assert np.array_equal(run.checkpoint_iteration, checkpoint_iterations(20, 5))
    info = runner().invoke(main, ["info", str(path)])
    assert info.exit_code == 0
    lines = info.stdout.splitlines()
    start = next(n for n, line in enumerate(lines) if "checkpoints" in line)
    assert "5 snapshots" in lines[start]
    rows = [line.split() for line in lines[start + 2 : start + 7]]
    assert [int(row[0]) for row in rows] == run.checkpoint_iteration.tolist()
    assert np.allclose([float(row[1]) for row in rows], run.checkpoint_loss, rtol=1e-3)
    assert np.allclose([float(row[2]) for row in rows], run.checkpoint_accuracy, atol=1e-4)


@pytest.mark.parametrize("count, fragment", [("1", "from 2"), ("22", "iterations + 1 (21)"), ("x", "integer")])
def test_cli_refuses_impossible_counts_and_writes_nothing(tmp_path, count, fragment):
    path = tmp_path / "ck.npz"
    result = runner().invoke(
        main,
        [
            "train",
            "--preset",
            "moons-c1-tanh",
            "--iterations",
            "20",
            "--checkpoints",
            count,
            "--quiet",
            "-o",
            str(path),
        ],
    )
    assert result.exit_code != 0 and result.stderr.startswith("error:") and fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not path.exists()
