"""``--standardize``: the net trains on standardised data, and the Run holds the same map acting on the user's
coordinates, so every exported number follows DESIGN.md's definitions in those coordinates."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from riemann_nn.config import DatasetConfig, GeometryConfig, ModelConfig, RunConfig, TrainConfig
from riemann_nn.data import make_dataset
from riemann_nn.errors import ConfigError, RiemannNNWarning
from riemann_nn.export import build_run
from riemann_nn.standardize import Standardization

ACT = {"tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "identity": lambda z: z}


def forward(weight, bias, x, *, scheme, activation, dt):
    """DESIGN.md's schemes written out: (N, 2) -> (L+1, N, 2)."""
    act, layers, before = ACT[activation], [x], x
    for w, b in zip(weight, bias):
        now = layers[-1]
        f = act(now @ w.T + b)
        layers.append({"c0": f, "c1": now + dt * f, "c2": 2 * now - before + dt * dt * f}[scheme])
        before = now
    return np.stack(layers)


@pytest.mark.parametrize("scheme, activation", [("c0", "tanh"), ("c1", "tanh"), ("c2", "sigmoid")])
def test_the_folded_network_is_the_same_map_in_data_coordinates(scheme, activation):
    """For random parameters: the folded net on x equals the trained net on z = (x - mean) / s, read in data
    coordinates (x_l = s z_l + mean for c1/c2; for c0 only layer 0 is data), with the same logits."""
    rng = np.random.default_rng(3)
    weight, bias = rng.normal(size=(4, 2, 2)), rng.normal(size=(4, 2))
    head_weight, head_bias = rng.normal(size=2), np.array(0.3)
    x = rng.normal(size=(50, 2)) * 2500.0 + np.array([1e4, -3e3])
    standard = Standardization.of(x)
    z = standard.apply(x)
    folded = standard.to_data_units(weight, bias, head_weight, head_bias, scheme=scheme, dt=0.7)
    w2, b2, hw2, hb2, dt2 = folded
    trained = forward(weight, bias, z, scheme=scheme, activation=activation, dt=0.7)  # (L+1, N, 2)
    shown = forward(w2, b2, x, scheme=scheme, activation=activation, dt=dt2)
    if scheme == "c0":
        expected = np.concatenate([x[None], trained[1:]])
        assert dt2 == 0.7
    else:
        expected = standard.scale * trained + standard.mean
        assert dt2 == pytest.approx(0.7 * standard.scale ** {"c1": 1.0, "c2": 0.5}[scheme], rel=1e-15)
    np.testing.assert_allclose(shown, expected, rtol=1e-10, atol=1e-10 * np.abs(expected).max())
    np.testing.assert_allclose(shown[-1] @ hw2 + hb2, trained[-1] @ head_weight + head_bias, rtol=1e-9, atol=1e-9)
    assert weight[0, 0, 0] == folded[0][0, 0, 0] * standard.scale  # the caller's arrays are untouched


@pytest.mark.parametrize("size", [1e-90, 1e-6, 1.0, 1e6, 1e90])
def test_standardised_points_have_zero_mean_and_unit_scale_at_any_size(size):
    """No underflow or overflow in the scale, however small or large the coordinates (within the limits)."""
    x = np.random.default_rng(0).normal(size=(100, 2)) * size + 5 * size
    z = Standardization.of(x).apply(x)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    assert np.sqrt(np.mean(z**2)) == pytest.approx(1.0, rel=1e-12)


def test_points_at_one_place_cannot_be_standardised():
    with pytest.raises(ConfigError, match="one place"):
        Standardization.of(np.ones((4, 2)))


def _run(tmp_path, x, y, scheme, *, standardize=True, name="data"):
    path = tmp_path / f"{name}.csv"
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", fmt="%.17g")
    model = ModelConfig(scheme, "tanh", depth=3, dt=0.8, init_gain=1.0 if scheme == "c0" else 1e-3)
    config = RunConfig(
        name=name,
        dataset=DatasetConfig(csv=str(path), standardize=standardize),
        model=model,
        training=TrainConfig(iterations=60, lr=0.05, weight_decay=0.0),
        geometry=GeometryConfig(sites_per_side=5, grid_lines=4, grid_samples=9),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RiemannNNWarning)  # 60 steps may end below 0.9: not what is tested
        return build_run(config, progress=False)


@pytest.mark.parametrize("scheme", ["c0", "c1", "c2"])
def test_a_standardised_run_scales_with_its_data(tmp_path, scheme):
    """The same moons in units of 1 and of 1e6 (shifted by 3e6) give the same trained net: the big run's
    coordinates are the small run's scaled (layer 0 always; every layer for c1/c2), its accuracy and losses
    are equal, and its glyphs are 1e6 times larger in the input (metric g_0 = J_L^T J_L scaled by 1e-12 for c0,
    where the last layer is in activation units, and unchanged for c1/c2, where it is in data units)."""
    x, y = make_dataset("moons", n=100, noise=0.08, seed=0)
    small = _run(tmp_path, x, y, scheme, name="small")
    big = _run(tmp_path, x * 1e6 + 3e6, y, scheme, name="big")
    np.testing.assert_allclose(big.x[0], small.x[0] * 1e6 + 3e6, rtol=1e-14)
    layers = slice(0, None) if scheme != "c0" else slice(1, None)
    shift = 3e6 if scheme != "c0" else 0.0
    factor = 1e6 if scheme != "c0" else 1.0
    np.testing.assert_allclose(
        big.x[layers], small.x[layers] * factor + shift, rtol=1e-6, atol=1e-6 * factor * np.abs(small.x).max()
    )
    np.testing.assert_allclose(big.loss, small.loss, rtol=1e-6)
    assert big.meta["training"]["accuracy"] == small.meta["training"]["accuracy"]
    metric_factor = 1e-12 if scheme == "c0" else 1.0
    np.testing.assert_allclose(
        big.metric[0],
        small.metric[0] * metric_factor,
        rtol=1e-5,
        atol=1e-8 * metric_factor * np.abs(small.metric[0]).max(),
    )
    np.testing.assert_allclose(big.ellipse[0, :, :2], small.ellipse[0, :, :2] * 1e6, rtol=1e-5)
    assert big.meta["standardize"]["scale"] == pytest.approx(small.meta["standardize"]["scale"] * 1e6, rel=1e-12)
    np.testing.assert_allclose(
        big.meta["standardize"]["mean"], np.array(small.meta["standardize"]["mean"]) * 1e6 + 3e6, rtol=1e-12
    )


@pytest.mark.parametrize("scheme", ["c0", "c1", "c2"])
def test_a_standardised_run_is_recomputed_from_its_file_alone(tmp_path, scheme):
    """Coordinates from the stored weights and meta.model.dt with DESIGN.md's schemes; the head's accuracy is
    the recorded one; meta.config keeps the dt trained with."""
    x, y = make_dataset("moons", n=100, noise=0.08, seed=0)
    run = _run(tmp_path, x * 1e-4 - 7.0, y, scheme)
    again = forward(run.weight, run.bias, run.x[0], scheme=scheme, activation="tanh", dt=run.meta["model"]["dt"])
    np.testing.assert_allclose(again, run.x, rtol=1e-12, atol=1e-12 * np.abs(run.x).max())
    accuracy = np.mean((run.logits(run.x[-1]) > 0) == (run.y == 1))
    assert accuracy == pytest.approx(run.meta["training"]["accuracy"], abs=1e-12)
    assert run.meta["config"]["model"]["dt"] == 0.8 and run.meta["config"]["dataset"]["standardize"] is True


def test_without_standardize_nothing_changes(tmp_path):
    x, y = make_dataset("moons", n=100, noise=0.08, seed=0)
    run = _run(tmp_path, x, y, "c1", standardize=False)
    assert "standardize" not in run.meta and run.meta["model"]["dt"] == 0.8


@pytest.mark.parametrize("size", [1e-60, 1e60, 1e99])
def test_extreme_sizes_train_and_export_without_floating_point_trouble(tmp_path, size):
    """Standardised, data of any size within the limits gives the same accuracy, with no overflow, division or
    invalid-value warning anywhere in training and export (decision boundary included)."""
    x, y = make_dataset("moons", n=100, noise=0.08, seed=0)
    reference = _run(tmp_path, x, y, "c1", name="unit")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        run = _run(tmp_path, x * size, y, "c1", name="scaled")
    assert run.meta["training"]["accuracy"] == reference.meta["training"]["accuracy"]
    assert len(run.boundary_offsets) == len(reference.boundary_offsets)
