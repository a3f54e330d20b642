"""Width-2 networks: the three schemes against a hand-written loop, the activations, initialisation, config."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from conftest import assert_finite_shape
from riemann_nn import activations
from riemann_nn.errors import ConfigError
from riemann_nn.model import TORCH_ACTIVATIONS, ModelConfig, Width2Net, propagate

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


def reference_layers(weight, bias, x0, *, scheme, act, dt):
    """DESIGN.md's schemes as a plain per-point loop: returns (L+1, N, 2)."""
    out = np.empty((len(weight) + 1, len(x0), 2))
    for n, point in enumerate(x0):
        x_prev2 = np.array(point, float)  # x_{-1} := x_0 (c2 starts at rest)
        x_prev = np.array(point, float)  # x_0
        out[0, n] = x_prev
        for l in range(len(weight)):
            f = act(weight[l] @ x_prev + bias[l])
            if scheme == "c0":
                x_new = f
            elif scheme == "c1":
                x_new = x_prev + dt * f
            else:
                x_new = 2 * x_prev - x_prev2 + dt * dt * f
            x_prev2, x_prev = x_prev, x_new
            out[l + 1, n] = x_new
    return out


def random_net(depth: int, seed: int, scale: float = 0.9):
    rng = np.random.default_rng(seed)
    return rng.normal(0, scale, (depth, 2, 2)), rng.normal(0, 0.5, (depth, 2)), rng.normal(0, 1.5, (17, 2))


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_propagate_matches_hand_written_loop(scheme, name):
    """torch ``propagate`` and numpy ``propagate_numpy`` both equal the per-point reference loop
    (dt = 0.7 so that dt and dt^2 cannot be confused)."""
    weight, bias, x0 = random_net(5, seed=10 * SCHEMES.index(scheme) + ACTIVATION_NAMES.index(name))
    expected = reference_layers(weight, bias, x0, scheme=scheme, act=REFERENCE[name][0], dt=0.7)
    got = propagate(torch.tensor(weight), torch.tensor(bias), torch.tensor(x0), scheme=scheme, activation=name, dt=0.7)
    assert got.dtype == torch.float64 and got.shape == (6, 17, 2)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)
    twin = activations.propagate_numpy(weight, bias, x0, scheme=scheme, activation_name=name, dt=0.7)
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
    got = activations.propagate_numpy(weight, bias, x0, scheme="c1", activation_name="tanh", dt=1.0)
    assert got.shape == (4, 4, 6, 2)
    np.testing.assert_array_equal(got[0], x0)
    np.testing.assert_array_equal(x0, copy)
    flat = activations.propagate_numpy(weight, bias, x0.reshape(-1, 2), scheme="c1", activation_name="tanh", dt=1.0)
    np.testing.assert_allclose(got.reshape(4, -1, 2), flat, rtol=0, atol=1e-15)


def test_propagate_numpy_rejects_unknown_scheme():
    """The numpy twin names the valid schemes on an unknown one."""
    weight, bias, x0 = random_net(1, seed=0)
    with pytest.raises(ConfigError, match="c0, c1, c2"):
        activations.propagate_numpy(weight, bias, x0, scheme="c3", activation_name="tanh", dt=1.0)


def test_torch_propagate_rejects_unknown_scheme():
    """torch ``propagate`` (used by geometry.chart_jacobians) should reject an unknown scheme like its twin."""
    weight, bias, x0 = random_net(2, seed=0)
    with pytest.raises(ConfigError):
        propagate(torch.tensor(weight), torch.tensor(bias), torch.tensor(x0), scheme="c3", activation="tanh", dt=1.0)


# ---- activations ------------------------------------------------------------------------------------

Z = np.concatenate([np.linspace(-6, 6, 241) + 0.013, [-30.0, -12.5, 12.5, 30.0]])  # avoids relu's kink at 0


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_numpy_activation_matches_torch_and_closed_form(name):
    """numpy values equal torch's and the closed forms."""
    ours = activations.activation(name)(Z)
    theirs = TORCH_ACTIVATIONS[name](torch.tensor(Z)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(ours, REFERENCE[name][0](Z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_numpy_derivative_matches_torch_autograd_and_finite_differences(name):
    """The numpy derivative equals torch's autograd derivative, the closed form and central differences."""
    derivative = activations.activation_derivative(name)(Z)
    z = torch.tensor(Z, requires_grad=True)
    (grad,) = torch.autograd.grad(TORCH_ACTIVATIONS[name](z).sum(), z)
    np.testing.assert_allclose(derivative, grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(derivative, REFERENCE[name][1](Z), rtol=1e-10, atol=1e-15)
    h = 1e-6
    act = activations.activation(name)
    fd = (act(Z + h) - act(Z - h)) / (2 * h)
    np.testing.assert_allclose(derivative, fd, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "tanh"])
def test_activations_do_not_overflow(name):
    """Huge pre-activations give finite values and derivatives (sigmoid -> 0/1, softplus -> z or 0)."""
    z = np.array([-1e4, -800.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        values = activations.activation(name)(z)
        slopes = activations.activation_derivative(name)(z)
    assert np.isfinite(values).all() and np.isfinite(slopes).all()
    if name == "softplus":
        np.testing.assert_allclose(values, [0, 0, 800, 1e4], atol=1e-300)
    if name == "sigmoid":
        np.testing.assert_array_equal(values, [0, 0, 1, 1])


def test_relu_derivative_at_zero_agrees_with_torch():
    """At the kink both implementations use slope 0, so numpy and torch Jacobians agree there too."""
    z = torch.zeros(3, requires_grad=True)
    (grad,) = torch.autograd.grad(torch.relu(z).sum(), z)
    np.testing.assert_array_equal(activations.activation_derivative("relu")(np.zeros(3)), grad.numpy())


def test_unknown_activation_lists_the_valid_names():
    """Looking up an unknown activation raises ConfigError (a ValueError) listing all five."""
    with pytest.raises(ConfigError) as info:
        activations.activation("gelu")
    assert isinstance(info.value, ValueError)
    for name in ACTIVATION_NAMES:
        assert name in str(info.value)


# ---- initialisation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("gain", [1.0, 0.25])
def test_xavier_normal_statistics_over_many_seeds(gain):
    """Layer weights have std gain*sqrt(2/(2+2)) and the 2 -> 1 head gain*sqrt(2/(2+1)), mean 0, and are
    Gaussian (kurtosis 3, which also rules out Xavier-uniform of the same std)."""
    layer, head = [], []
    for seed in range(1500):
        net = Width2Net(ModelConfig("c1", "tanh", depth=8, init_gain=gain), seed=seed)
        layer.append(net.weight.detach().numpy().ravel())
        head.append(net.head_weight.detach().numpy())
    layer, head = np.concatenate(layer), np.concatenate(head)  # 48000 and 3000 samples
    layer_std, head_std = gain * math.sqrt(2 / 4), gain * math.sqrt(2 / 3)
    assert abs(layer.mean()) < 0.02 * layer_std
    assert abs(layer.std() / layer_std - 1) < 0.015  # standard error ~0.3 %
    assert abs(head.mean()) < 0.08 * head_std
    assert abs(head.std() / head_std - 1) < 0.05  # standard error ~1.3 %; the 2x2 value is 13 % off
    assert abs(stats.kurtosis(layer, fisher=False) - 3) < 0.15  # uniform: 1.8
    assert abs(stats.kurtosis(head, fisher=False) - 3) < 0.4  # standard error ~0.09


def test_init_biases_zero_dtype_and_shapes():
    """Biases and the head bias start at zero; everything is float64 of the documented shapes."""
    net = Width2Net(ModelConfig("c2", "relu", depth=6, dt=0.5), seed=3)
    assert net.weight.shape == (6, 2, 2) and net.bias.shape == (6, 2)
    assert net.head_weight.shape == (2,) and net.head_bias.shape == ()
    for p in net.parameters():
        assert p.dtype == torch.float64
    assert torch.count_nonzero(net.bias) == 0 and net.head_bias.item() == 0.0
    assert torch.count_nonzero(net.weight) == 24


def test_init_is_determined_by_the_seed():
    """The same seed gives identical parameters; another seed different ones; the global RNG is irrelevant."""
    config = ModelConfig("c1", "tanh", depth=5)
    torch.manual_seed(123)
    a = Width2Net(config, seed=11)
    torch.manual_seed(999)
    b = Width2Net(config, seed=11)
    c = Width2Net(config, seed=12)
    for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters()):
        assert torch.equal(pa, pb)
    assert not torch.equal(a.weight, c.weight)


def test_forward_is_head_of_last_layer():
    """logit = w . x_L + c, with x_L from the hand-written loop."""
    net = Width2Net(ModelConfig("c1", "tanh", depth=3, init_gain=1.0), seed=2)
    with torch.no_grad():
        net.bias.copy_(torch.tensor([[0.1, -0.2], [0.3, 0.0], [-0.4, 0.5]]))
        net.head_bias.fill_(0.25)
    x0 = np.random.default_rng(1).normal(size=(9, 2))
    w, b = net.weight.detach().numpy(), net.bias.detach().numpy()
    last = reference_layers(w, b, x0, scheme="c1", act=np.tanh, dt=1.0)[-1]
    expected = last @ net.head_weight.detach().numpy() + 0.25
    with torch.no_grad():
        np.testing.assert_allclose(net(torch.tensor(x0)).numpy(), expected, rtol=1e-13, atol=1e-13)


# ---- configuration ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, fragments",
    [
        (dict(scheme="c3"), ["c0", "c1", "c2"]),
        (dict(activation="gelu"), ACTIVATION_NAMES),
        (dict(depth=0), ["depth"]),
        (dict(depth=2.0), ["depth"]),
        (dict(dt=0.0), ["dt"]),
        (dict(dt=-1.0), ["dt"]),
        (dict(dt=float("nan")), ["dt"]),
        (dict(init_gain=0.0), ["init_gain"]),
    ],
)
def test_model_config_rejects(kwargs, fragments):
    """Unknown scheme/activation (listing the valid names), depth < 1 or not an int, dt <= 0 or NaN and a
    non-positive gain raise ConfigError."""
    with pytest.raises(ConfigError) as info:
        ModelConfig(**kwargs)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_model_config_is_frozen():
    """Configurations are immutable."""
    config = ModelConfig()
    with pytest.raises(AttributeError):
        config.depth = 3  # type: ignore[misc]
