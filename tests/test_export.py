"""The geometry assembly of a Run: unbounded glyphs where the metric is rank-deficient, and a glyph scale taken
from well-conditioned sites only, bounded so that the last layer's circles are visible. Each against an
independent computation: closed-form Jacobians written out here in numpy, and log-determinants summed layer by
layer (exact in floating point where an SVD of the product underflows)."""

from __future__ import annotations

import numpy as np
import pytest

from riemann_nn import metric
from riemann_nn.config import DatasetConfig, GeometryConfig, ModelConfig, RunConfig, TrainConfig
from riemann_nn.export import build_run, layer_extents


def closed_form_c0_factors(run) -> tuple[np.ndarray, np.ndarray]:
    """For a c0 net: every layer's pre-activations z_l (L, M, 2) at the sites and the chart Jacobians
    J_L = prod_l diag(act'(z_l)) W_l (M, 2, 2), written out without torch."""
    x = run.sites[0]  # (M, 2)
    jac = np.broadcast_to(np.eye(2), (len(x), 2, 2))
    zs = []
    for w, b in zip(run.weight, run.bias):
        z = x @ w.T + b  # (M, 2)
        zs.append(z)
        if run.activation == "relu":
            x, slope = np.maximum(z, 0.0), (z > 0).astype(float)
        else:  # sigmoid
            x, slope = 1 / (1 + np.exp(-z)), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))) ** 2
        jac = slope[:, :, None] * np.einsum("ij,mjk->mik", w, jac)
    return np.stack(zs), jac


@pytest.fixture(scope="module")
def relu_run():
    """A c0 ReLU net on moons (gain 1) where g_0 is exactly rank one at most sites (some unit is off) and of
    full rank at a few: width-2 ReLU nets lose a unit almost everywhere."""
    return build_run(
        RunConfig(
            name="relu",
            dataset=DatasetConfig("moons", n=300, noise=0.08, seed=0),
            model=ModelConfig("c0", "relu", depth=3, init_gain=1.0),
            training=TrainConfig(iterations=100, lr=0.005, weight_decay=0.05, seed=3),
            geometry=GeometryConfig(sites_per_side=15),
        ),
        progress=False,
    )


def test_relu_input_glyphs_are_unbounded_exactly_where_a_unit_is_dead(relu_run):
    """g_0 = J_L^T J_L has a kernel exactly where some layer's ReLU is off in one unit (its row of J_L is zero
    from there on), so the input glyph is unbounded there and nowhere else."""
    z, _ = closed_form_c0_factors(relu_run)
    some_unit_dead = (z <= 0).any(axis=-1).any(axis=0)  # (M,)
    assert 0 < some_unit_dead.sum() < len(some_unit_dead), "the example must mix both kinds of site"
    np.testing.assert_array_equal(relu_run.unbounded[0], some_unit_dead)
    assert relu_run.clipped[0][some_unit_dead].all()  # an unbounded glyph is drawn clipped, never finite


def test_relu_glyph_scale_comes_from_the_well_conditioned_sites_only(relu_run):
    """The scale is glyph_size spacings over the median major axis of the bounded input glyphs (closed-form
    J_L), clipped to [min_circle, max_circle] times the last layer's extent; rounding noise at the rank-one sites
    (major axes ~1e16 too long) plays no part."""
    z, jac = closed_form_c0_factors(relu_run)
    alive = ~(z <= 0).any(axis=-1).any(axis=0)  # (M,)
    sigma_min = np.linalg.svd(jac[alive], compute_uv=False)[:, 1]  # (K,)
    g = GeometryConfig(sites_per_side=15)
    bounds = np.asarray(relu_run.meta["geometry"]["bounds"])
    spacing = (bounds[1] - bounds[0]).min() / 15
    extent = layer_extents(relu_run.x)[-1]
    expected = np.clip(g.glyph_size * spacing * np.median(sigma_min), g.min_circle * extent, g.max_circle * extent)
    np.testing.assert_allclose(relu_run.meta["ellipse"]["scale"], expected, rtol=1e-9)


@pytest.fixture(scope="module")
def saturated_run():
    """A c0 sigmoid net trained with a large learning rate from a large gain: its units saturate at most sites,
    so J_L is tiny there, and at some sites flatter than 1e-10 (yet nowhere exactly singular)."""
    return build_run(
        RunConfig(
            name="saturated",
            dataset=DatasetConfig("gaussians", n=200, noise=0.6, seed=1),
            model=ModelConfig("c0", "sigmoid", depth=3, init_gain=30.0),
            training=TrainConfig(iterations=20, lr=0.05, weight_decay=0.0, seed=0),
            geometry=GeometryConfig(sites_per_side=12),
        ),
        progress=False,
    )


def test_saturated_sigmoid_flags_agree_with_log_determinants(saturated_run):
    """sigma_min / sigma_max of J_L = |det J_L| / sigma_max^2, with log|det J_L| summed layer by layer from
    closed-form log-slopes (no product is ever formed, so nothing underflows). The unbounded flag must agree
    with log10(ratio) <= -10 wherever the ratio is clearly on one side (outside a factor 10 band)."""
    z, jac = closed_form_c0_factors(saturated_run)
    log_slope = -np.abs(z) - 2 * np.log1p(np.exp(-np.abs(z)))  # log sigmoid'(z), (L, M, 2)
    log_det = log_slope.sum(axis=(0, 2)) + np.log(np.abs(np.linalg.det(saturated_run.weight))).sum()  # (M,)
    sigma_max = np.linalg.svd(jac, compute_uv=False)[:, 0]  # accurate: the largest singular value is well-conditioned
    log10_ratio = (log_det - 2 * np.log(sigma_max)) / np.log(10)  # (M,)
    flat, round_ = log10_ratio < -11, log10_ratio > -9
    assert flat.sum() >= 3 and round_.sum() >= 3, "the example must hold both kinds of site"
    assert saturated_run.unbounded[0][flat].all()
    assert not saturated_run.unbounded[0][round_].any()


def test_no_well_conditioned_site_falls_back_to_the_last_layer(relu_run):
    """With every input metric rank-deficient, the scale is min_circle times the last layer's extent."""
    from riemann_nn.export import glyph_scale

    g = GeometryConfig()
    rank_one = np.array([[[1.0, 2.0], [2.0, 4.0]]] * 9)  # (M, 2, 2), every site flat
    bounds = np.array([[0.0, 0.0], [1.0, 1.0]])
    scale = glyph_scale(rank_one, per_side=3, bounds=bounds, last_extent=7.0, geometry_config=g)
    assert scale == pytest.approx(g.min_circle * 7.0)


def test_last_layer_circles_are_visible_and_bounded(small_run):
    """On any run, the last layer's circles (radius s) span min_circle..max_circle of its data extent."""
    g = GeometryConfig()
    extent = layer_extents(small_run.x)[-1]
    scale = small_run.meta["ellipse"]["scale"]
    assert g.min_circle * extent * (1 - 1e-12) <= scale <= g.max_circle * extent * (1 + 1e-12)
    np.testing.assert_allclose(small_run.ellipse[-1, :, :2], scale, rtol=1e-12)  # circles of radius s


def test_unbounded_flags_match_the_metric_module(small_run):
    """The stored flags are the metric module's verdict on the stored Jacobians, and never at the last layer."""
    np.testing.assert_array_equal(small_run.unbounded, metric.unbounded_glyphs(small_run.jacobian))
    assert not small_run.unbounded[-1].any()
