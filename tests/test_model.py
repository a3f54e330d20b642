"""The torch network: Xavier initialisation, determinism, the head."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from riemann_nn.config import ModelConfig
from riemann_nn.model import Width2Net

from conftest import reference_layers

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
    for pa, pb in zip(a.parameters(), b.parameters()):
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
