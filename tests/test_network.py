"""The step rules and activations of ``riemann_nn.network``: numpy and torch against a hand-written loop,
closed forms, autograd and finite differences; the registries against the configuration's catalogue."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from riemann_nn import config, data, network
from riemann_nn.errors import ConfigError
from riemann_nn.network import propagate

from conftest import assert_finite_shape, reference_layers

SCHEMES = ["c0", "c1", "c2"]
ACTIVATION_NAMES = ["tanh", "sigmoid", "relu", "softplus", "identity"]

# Closed forms written out here, independent of both implementations under test.
REFERENCE = {
    "tanh": (lambda z: np.tanh(z), lambda z: 1 / np.cosh(z) ** 2),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "relu": (lambda z: np.where(z > 0, z, 0.0), lambda z: np.where(z > 0, 1.0, 0.0)),
    "softplus": (lambda z: np.log1p(np.exp(z)), lambda z: 1 / (1 + np.exp(-z))),
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
}


def random_net(depth: int, seed: int, scale: float = 0.9):
    rng = np.random.default_rng(seed)
    return rng.normal(0, scale, (depth, 2, 2)), rng.normal(0, 0.5, (depth, 2)), rng.normal(0, 1.5, (17, 2))


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_propagate_matches_hand_written_loop(scheme, name):
    """torch ``propagate`` and numpy ``propagate`` both equal the per-point reference loop
    (dt = 0.7 so that dt and dt^2 cannot be confused)."""
    weight, bias, x0 = random_net(5, seed=10 * SCHEMES.index(scheme) + ACTIVATION_NAMES.index(name))
    expected = reference_layers(weight, bias, x0, scheme=scheme, act=REFERENCE[name][0], dt=0.7)
    got = propagate(torch.tensor(weight), torch.tensor(bias), torch.tensor(x0), scheme=scheme, activation=name, dt=0.7)
    assert got.dtype == torch.float64 and got.shape == (6, 17, 2)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)
    twin = propagate(weight, bias, x0, scheme=scheme, activation=name, dt=0.7)
    assert_finite_shape(twin, (6, 17, 2), "f")
    np.testing.assert_allclose(twin, expected, rtol=1e-12, atol=1e-12)


def test_c2_first_step_starts_at_rest():
    """With x_{-1} = x_0 the first c2 step is x_1 = x_0 + dt^2 f(x_0); the second uses the velocity."""
    weight, bias, x0 = random_net(2, seed=4)
    dt = 0.3
    got = propagate(torch.tensor(weight), torch.tensor(bias), torch.tensor(x0), scheme="c2", activation="tanh", dt=dt)
    got = got.numpy()
    f0 = np.tanh(x0 @ weight[0].T + bias[0])
    np.testing.assert_allclose(got[1], x0 + dt**2 * f0, rtol=1e-13, atol=1e-13)
    f1 = np.tanh(got[1] @ weight[1].T + bias[1])
    np.testing.assert_allclose(got[2], got[1] + (got[1] - x0) + dt**2 * f1, rtol=1e-13, atol=1e-13)


def test_propagate_keeps_leading_shape_and_does_not_modify_inputs():
    """(..., 2) inputs give (L+1, ..., 2); layer 0 is the input itself and the input is untouched."""
    weight, bias, _ = random_net(3, seed=5)
    x0 = np.random.default_rng(0).normal(size=(4, 6, 2))
    copy = x0.copy()
    got = propagate(weight, bias, x0, scheme="c1", activation="tanh", dt=1.0)
    assert got.shape == (4, 4, 6, 2)
    np.testing.assert_array_equal(got[0], x0)
    np.testing.assert_array_equal(x0, copy)
    flat = propagate(weight, bias, x0.reshape(-1, 2), scheme="c1", activation="tanh", dt=1.0)
    np.testing.assert_allclose(got.reshape(4, -1, 2), flat, rtol=0, atol=1e-15)


def test_propagate_rejects_unknown_scheme():
    """numpy ``propagate`` names the valid schemes on an unknown one."""
    weight, bias, x0 = random_net(1, seed=0)
    with pytest.raises(ConfigError, match="c0, c1, c2"):
        propagate(weight, bias, x0, scheme="c3", activation="tanh", dt=1.0)


def test_torch_propagate_rejects_unknown_scheme():
    """torch tensors through ``propagate`` (as training does) are checked the same way."""
    weight, bias, x0 = random_net(2, seed=0)
    with pytest.raises(ConfigError):
        propagate(torch.tensor(weight), torch.tensor(bias), torch.tensor(x0), scheme="c3", activation="tanh", dt=1.0)


# ---- activations ------------------------------------------------------------------------------------

# Avoids relu's kink at 0; 20.5 and 25 lie where torch's own F.softplus switches to z (2e-9 away from numpy).
Z = np.concatenate([np.linspace(-6, 6, 241) + 0.013, [-30.0, -12.5, 12.5, 20.5, 25.0, 30.0]])


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_numpy_activation_matches_torch_and_closed_form(name):
    """numpy values equal torch's and the closed forms."""
    ours = network.activation(name)(Z)
    theirs = network.ACTIVATIONS[name].torch(torch.tensor(Z)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(ours, REFERENCE[name][0](Z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_numpy_derivative_matches_torch_autograd_and_finite_differences(name):
    """The numpy derivative equals torch's autograd derivative, the closed form and central differences."""
    derivative = network.activation_derivative(name)(Z)
    z = torch.tensor(Z, requires_grad=True)
    (grad,) = torch.autograd.grad(network.ACTIVATIONS[name].torch(z).sum(), z)
    np.testing.assert_allclose(derivative, grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(derivative, REFERENCE[name][1](Z), rtol=1e-10, atol=1e-15)
    h = 1e-6
    act = network.activation(name)
    fd = (act(Z + h) - act(Z - h)) / (2 * h)
    np.testing.assert_allclose(derivative, fd, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "tanh"])
def test_activations_do_not_overflow(name):
    """Huge pre-activations give finite values and derivatives (sigmoid -> 0/1, softplus -> z or 0)."""
    z = np.array([-1e4, -800.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        values = network.activation(name)(z)
        slopes = network.activation_derivative(name)(z)
    assert np.isfinite(values).all() and np.isfinite(slopes).all()
    if name == "softplus":
        np.testing.assert_allclose(values, [0, 0, 800, 1e4], atol=1e-300)
    if name == "sigmoid":
        np.testing.assert_array_equal(values, [0, 0, 1, 1])


def test_relu_derivative_at_zero_agrees_with_torch():
    """At the kink both implementations use slope 0, so numpy and torch Jacobians agree there too."""
    z = torch.zeros(3, requires_grad=True)
    (grad,) = torch.autograd.grad(torch.relu(z).sum(), z)
    np.testing.assert_array_equal(network.activation_derivative("relu")(np.zeros(3)), grad.numpy())


def test_unknown_activation_lists_the_valid_names():
    """Looking up an unknown activation raises ConfigError (a ValueError) listing all five."""
    with pytest.raises(ConfigError) as info:
        network.activation("gelu")
    assert isinstance(info.value, ValueError)
    for name in ACTIVATION_NAMES:
        assert name in str(info.value)


def test_registries_match_the_configuration_catalogue():
    """Every scheme, activation and dataset the configuration accepts has an implementation, and vice versa."""
    assert tuple(network.STEP_RULES) == config.SCHEMES
    assert tuple(network.ACTIVATIONS) == config.ACTIVATIONS
    assert tuple(data.DATASETS) == config.DATASETS


def test_softplus_is_one_formula_in_numpy_and_torch():
    """numpy and torch softplus agree to rounding everywhere, above torch's F.softplus threshold (20) too."""
    z = np.concatenate([np.linspace(-50, 50, 2001), [19.999, 20.0, 20.001, 21.0, 35.0]])
    ours = network.activation("softplus")(z)
    theirs = network.ACTIVATIONS["softplus"].torch(torch.tensor(z)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=4.5e-16, atol=0)  # two units in the last place
    np.testing.assert_allclose(ours, np.log1p(np.exp(np.minimum(z, 700))), rtol=1e-14)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_chart_jacobians_equal_torch_forward_mode(scheme, name):
    """The written-out tangent propagation equals torch.func's forward-mode Jacobian of ``propagate`` where no
    unit saturates (there the two agree to rounding)."""
    from torch.func import jacfwd, vmap

    weight, bias, x0 = random_net(5, seed=3 + SCHEMES.index(scheme), scale=0.6)
    ours = network.chart_jacobians(weight, bias, x0, scheme=scheme, activation=name, dt=0.7)
    w, b = torch.tensor(weight), torch.tensor(bias)
    theirs = vmap(jacfwd(lambda p: propagate(w, b, p, scheme=scheme, activation=name, dt=0.7)))(torch.tensor(x0))
    assert_finite_shape(ours, (6, 17, 2, 2), "f")
    np.testing.assert_allclose(ours, theirs.permute(1, 0, 2, 3).numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize(
    "name, z, slope",
    [
        ("tanh", 25.0, 4 * np.exp(-50.0)),
        ("tanh", -40.0, 4 * np.exp(-80.0)),
        ("sigmoid", 45.0, np.exp(-45.0)),
        ("sigmoid", -60.0, np.exp(-60.0)),
        ("softplus", -50.0, np.exp(-50.0)),
    ],
)
def test_saturated_slopes_keep_their_relative_precision(name, z, slope):
    """Far out on the flat parts the slopes are tiny but not zero (1 - tanh^2 and s(1 - s) round to 0 there):
    each equals its asymptote 4 e^{-2|z|}, e^{-|z|}, e^{z} to 1e-12 relative."""
    got = network.activation_derivative(name)(np.array([z]))[0]
    assert got > 0
    np.testing.assert_allclose(got, slope, rtol=1e-12)
