"""Depth as time: residual nets of growing depth with dt = T / depth approach a flow. The measures against
closed forms, Euler's method on smooth flows (a property over random flows), and trained small nets."""

from __future__ import annotations

import functools
import warnings
from itertools import pairwise

import numpy as np
import pytest

from riemann_nn.errors import ConfigError
from riemann_nn.export import build_run
from riemann_nn.network import chart_jacobians, propagate
from riemann_nn.presets import DEPTH_SWEEP, FLOW_TIME, get_preset
from riemann_nn.sweep import layer_steps, mean_step, metric_change, relative_metric_difference, sweep_rows

from conftest import small_config

DEPTHS = (2, 4, 8, 16, 32, 64)
TIME = 3.0


def smooth_flow(seed: int):
    """A random smooth field ``f(t, x) = tanh(W(t) x + b(t))`` on ``t in [0, TIME]``: ``W`` and ``b`` mix a
    constant, a cosine and a sine of ``t`` with Gaussian coefficients."""
    rng = np.random.default_rng(seed)
    w, b = rng.normal(0, 0.8, (3, 2, 2)), rng.normal(0, 0.5, (3, 2))

    def parameters(times: np.ndarray):  # (L,) -> (L, 2, 2), (L, 2)
        basis = np.stack([np.ones_like(times), np.cos(np.pi * times / TIME), np.sin(np.pi * times / TIME)])
        return np.einsum("kl,kij->lij", basis, w), np.einsum("kl,ki->li", basis, b)

    return parameters


def euler_net(flow, depth: int):
    """The c1 net of ``depth`` layers that is Euler's method for ``flow``: ``W_l = W(l dt)``, ``dt = TIME / depth``."""
    dt = TIME / depth
    weight, bias = flow(np.arange(depth) * dt)
    return weight, bias, dt


def input_metric(weight, bias, sites, dt):
    last = chart_jacobians(weight, bias, sites, scheme="c1", activation="tanh", dt=dt)[-1]  # (M, 2, 2)
    return np.einsum("mki,mkj->mij", last, last)


@pytest.mark.parametrize("seed", range(8))
def test_euler_nets_of_a_smooth_flow_converge_with_depth(seed):
    """For a smooth flow, doubling the depth halves the mean step (|x_{l+1} - x_l| = dt |f|, so step x depth
    tends to the mean speed times T), and the input metric g_0 of consecutive depths gets closer, each change
    about half the previous one (Euler's error is first order); every depth is closer to the converged flow (a
    net of depth 4096) than the one before."""
    flow = smooth_flow(seed)
    rng = np.random.default_rng(100 + seed)
    points, sites = rng.uniform(-2, 2, (200, 2)), rng.uniform(-2, 2, (49, 2))
    steps, metrics = [], []
    for depth in DEPTHS:
        weight, bias, dt = euler_net(flow, depth)
        steps.append(layer_steps(propagate(weight, bias, points, scheme="c1", activation="tanh", dt=dt)).mean())
        metrics.append(input_metric(weight, bias, sites, dt))
    steps = np.array(steps)
    assert (np.diff(steps) < 0).all()
    scaled = steps * np.array(DEPTHS)
    assert np.abs(scaled[-1] / scaled[-2] - 1) < 0.05  # step x depth has settled
    changes = np.array([relative_metric_difference(b, a) for a, b in pairwise(metrics)])
    assert (np.diff(changes) < 0).all(), changes
    assert (changes[2:] / changes[1:-1] < 0.75).all(), changes  # first order: ~0.5 per doubling
    reference = input_metric(*euler_net(flow, 4096)[:2], sites, TIME / 4096)
    errors = np.array([relative_metric_difference(g, reference) for g in metrics])
    assert (np.diff(errors) < 0).all(), errors


@functools.cache
def trained_sweep():
    """c1 tanh nets of depth 2 to 32, dt = 4 / depth, trained alike on 200 spiral points (60 steps)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 60 steps leave these nets near 75 %
        return [
            build_run(
                small_config("c1", model={"depth": d, "dt": 4.0 / d}, training={"lr": 0.005, "iterations": 60}),
                progress=False,
            )
            for d in (2, 4, 8, 16, 32)
        ]


def test_trained_nets_take_steps_shrinking_like_one_over_depth():
    """Trained with dt = T / depth, the mean step falls at every doubling of the depth and step x depth stays
    within 25 % of its mean; the deepest pair's input metrics are closer than the shallowest pair's."""
    rows = sweep_rows(trained_sweep())
    steps = np.array([row.mean_step for row in rows])
    assert (np.diff(steps) < 0).all(), steps
    scaled = steps * np.array([row.depth for row in rows])
    assert np.abs(scaled / scaled.mean() - 1).max() < 0.25, scaled
    assert rows[0].metric_change is None
    assert rows[-1].metric_change < rows[1].metric_change


def test_mean_step_is_the_mean_length_of_the_layer_steps():
    """Against a per-point, per-layer loop."""
    run = trained_sweep()[1]
    lengths = [np.hypot(*(run.x[l + 1, n] - run.x[l, n])) for l in range(run.depth) for n in range(len(run.y))]
    assert mean_step(run) == pytest.approx(np.mean(lengths), rel=1e-12)


def test_metric_difference_in_closed_form():
    """0 for equal metrics; e for a metric scaled by 1 + e; the median, so one wild site does not count."""
    rng = np.random.default_rng(0)
    factor = rng.normal(size=(9, 2, 2))
    g = np.einsum("mki,mkj->mij", factor, factor)
    assert relative_metric_difference(g, g) == 0
    assert relative_metric_difference(1.3 * g, g) == pytest.approx(0.3)
    wild = 1.1 * g
    wild[0] *= 1e6
    assert relative_metric_difference(wild, g) == pytest.approx(0.1)


def test_runs_of_different_sites_are_not_compared():
    a, b = trained_sweep()[0], build_run(small_config("c1", geometry={"sites_per_side": 6}), progress=False)
    with pytest.raises(ConfigError, match="sites"):
        metric_change(a, b)


def test_the_depth_presets_are_one_flow_time():
    """Every depth-N preset is the same data, scheme and training with dt = T / N; seed-spirals is in the family."""
    configs = [get_preset(f"depth-{depth}") for depth in DEPTH_SWEEP]
    for depth, config in zip(DEPTH_SWEEP, configs):
        assert (config.model.depth, config.model.scheme) == (depth, "c1")
        assert config.model.depth * config.model.dt == pytest.approx(FLOW_TIME)
        assert (config.dataset, config.training) == (configs[0].dataset, configs[0].training)
    seed = get_preset("seed-spirals")
    assert (seed.dataset, seed.training) == (configs[0].dataset, configs[0].training)
    assert seed.model.depth * seed.model.dt == FLOW_TIME
