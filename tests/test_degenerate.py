"""The metric pulled back from the logit: rank one, its kernel along the level sets of the logit."""

from __future__ import annotations

import numpy as np

from riemann_nn import geometry
from riemann_nn.activations import propagate_numpy


def logit(run, points):
    layers = propagate_numpy(run.weight, run.bias, points, scheme=run.scheme, activation_name=run.activation, dt=run.dt)
    return layers[-1] @ run.head_weight + run.head_bias


def test_logit_gradient_at_the_input_is_the_gradient_of_the_logit(small_run):
    """n_0 = J_L^T w equals central finite differences of the logit (computed anew with numpy)."""
    h = 1e-6
    sites = small_run.sites[0]
    fd = np.column_stack([(logit(small_run, sites + h * e) - logit(small_run, sites - h * e)) / (2 * h)
                          for e in np.eye(2)])
    n = geometry.logit_gradients(small_run.jacobian, small_run.head_weight)
    np.testing.assert_allclose(n[0], fd, atol=1e-6 * max(np.abs(fd).max(), 1.0))
    np.testing.assert_allclose(n[-1], np.broadcast_to(small_run.head_weight, n[-1].shape), atol=1e-12)


def test_logit_metric_has_rank_one_and_its_kernel_runs_along_level_sets(c1_run):
    """Eigenvalues 0 and |n|^2; moving along the kernel changes the logit only to second order."""
    g = geometry.logit_metrics(c1_run.jacobian, c1_run.head_weight)  # (L+1, M, 2, 2)
    n = geometry.logit_gradients(c1_run.jacobian, c1_run.head_weight)
    lam = np.linalg.eigvalsh(g)
    size = (n**2).sum(axis=-1)
    np.testing.assert_allclose(lam[..., 1], size, rtol=1e-10)
    assert (np.abs(lam[..., 0]) <= 1e-10 * size).all()
    kernel, ratio = geometry.kernel_directions(g)
    assert (ratio <= 1e-10).all()
    np.testing.assert_allclose(np.einsum("...i,...i->...", kernel, n), 0, atol=1e-8 * np.sqrt(size.max()))
    sites = c1_run.sites[0]
    for h in (1e-2, 5e-3):
        along = np.abs(logit(c1_run, sites + h * kernel[0]) - logit(c1_run, sites)).max()
        across = np.abs(logit(c1_run, sites + h * n[0] / np.linalg.norm(n[0], axis=1, keepdims=True))
                        - logit(c1_run, sites)).max()
        assert along < 0.05 * across
    # second order: halving h quarters the change along the kernel
    d1 = np.abs(logit(c1_run, sites + 1e-2 * kernel[0]) - logit(c1_run, sites))
    d2 = np.abs(logit(c1_run, sites + 5e-3 * kernel[0]) - logit(c1_run, sites))
    big = d1 > 1e-9
    np.testing.assert_allclose(np.median(d1[big] / d2[big]), 4.0, rtol=0.1)


def test_kernel_directions_of_known_metrics():
    """A metric built with known eigenvectors returns the right kernel and ratio."""
    phi = 0.7
    q = np.array([[np.cos(phi), -np.sin(phi)], [np.sin(phi), np.cos(phi)]])
    g = q @ np.diag([0.5, 2.0]) @ q.T
    direction, ratio = geometry.kernel_directions(g[None])
    assert abs(abs(direction[0] @ q[:, 0]) - 1) < 1e-12
    assert abs(ratio[0] - 0.25) < 1e-12
    _, ratio = geometry.kernel_directions(np.zeros((1, 2, 2)))
    assert ratio[0] == 1.0  # nothing to see: no preferred direction, not "rank one"
