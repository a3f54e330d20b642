"""Chart Jacobians, pulled-back metrics, glyph ellipses and the volume element, each against an
independent reference: finite differences, the paper's layer recursion, closed-form ellipses."""

from __future__ import annotations

import math

import numpy as np
import pytest

from riemann_nn import metric
from riemann_nn.errors import ConfigError
from riemann_nn.network import chart_jacobians, propagate

from conftest import assert_finite_shape

DT = {"c0": 1.0, "c1": 0.8, "c2": 0.6}
SIGMA_PRIME = {
    "tanh": lambda z: 1 / np.cosh(z) ** 2,
    "sigmoid": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
    "softplus": lambda z: 1 / (1 + np.exp(-z)),
    "relu": lambda z: (z > 0).astype(float),
    "identity": lambda z: np.ones_like(z),
}


def random_net(depth=5, seed=0, scale=1.0, sites=12):
    """Random well-conditioned weights (orthogonal times a scale spread) and random sites."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(depth, 2, 2)))
    weight = scale * q * rng.uniform(0.6, 1.4, size=(depth, 1, 2))  # (L, 2, 2)
    bias = rng.normal(0, 0.3, (depth, 2))  # (L, 2)
    return weight, bias, rng.normal(0, 1.0, (sites, 2))


def fd_jacobians(weight, bias, sites, *, scheme, activation, dt, h=1e-6):
    """Central finite differences of the numpy forward map: (L+1, M, 2, 2)."""
    columns = []
    for j in range(2):
        step = np.zeros(2)
        step[j] = h
        plus = propagate(weight, bias, sites + step, scheme=scheme, activation=activation, dt=dt)
        minus = propagate(weight, bias, sites - step, scheme=scheme, activation=activation, dt=dt)
        columns.append((plus - minus) / (2 * h))  # (L+1, M, 2): d x_l / d x_0^j
    return np.stack(columns, axis=-1)


def relative_error(a, b):
    """Per-matrix Frobenius error relative to the reference's size: (...,)."""
    return np.linalg.norm(a - b, axis=(-2, -1)) / np.maximum(np.linalg.norm(b, axis=(-2, -1)), 1e-300)


def layer_steps(weight, bias, x, *, scheme, activation, dt):
    """A_l = d x_{l+1} / d x_l in closed form at layer values x (L+1, M, 2): (L, M, 2, 2) (c0 and c1 only)."""
    steps = []
    for l in range(len(weight)):
        z = x[l] @ weight[l].T + bias[l]  # (M, 2)
        scaled = SIGMA_PRIME[activation](z)[:, :, None] * weight[l]  # diag(act'(z)) W
        steps.append(scaled if scheme == "c0" else np.eye(2) + dt * scaled)
    return np.stack(steps)


def recursion_metrics(steps):
    """The paper's g_L = I, g_l = A_l^T g_{l+1} A_l: (L+1, M, 2, 2)."""
    depth, m = steps.shape[:2]
    g = [np.broadcast_to(np.eye(2), (m, 2, 2))]
    for l in reversed(range(depth)):
        g.insert(0, np.einsum("mki,mkl,mlj->mij", steps[l], g[0], steps[l]))
    return np.stack(g)


@pytest.mark.parametrize("scheme", ["c0", "c1", "c2"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus", "relu", "identity"])
def test_chart_jacobians_match_finite_differences(scheme, activation):
    """J_l from torch.func equals central differences of the numpy forward map, J_0 = I."""
    weight, bias, sites = random_net(seed=len(scheme + activation))
    dt = DT[scheme]
    jac = chart_jacobians(weight, bias, sites, scheme=scheme, activation=activation, dt=dt)
    assert_finite_shape(jac, (6, 12, 2, 2), "f")
    np.testing.assert_array_equal(jac[0], np.broadcast_to(np.eye(2), (12, 2, 2)))
    if activation == "relu":  # finite differences are only valid away from the kinks
        x = propagate(weight, bias, sites, scheme=scheme, activation=activation, dt=dt)
        z = np.einsum("lmj,lij->lmi", x[:-1], weight) + bias[:, None]
        assert np.abs(z).min() > 1e-4
    fd = fd_jacobians(weight, bias, sites, scheme=scheme, activation=activation, dt=dt)
    assert relative_error(jac, fd).max() < 1e-6


def test_jacobian_of_identity_network_is_closed_form():
    """With identity activation every layer is affine: c1 gives J_l = prod (I + dt W_k), exactly."""
    weight, bias, sites = random_net(depth=4, seed=3)
    jac = chart_jacobians(weight, bias, sites, scheme="c1", activation="identity", dt=0.5)
    expected = np.eye(2)
    for l in range(4):
        expected = (np.eye(2) + 0.5 * weight[l]) @ expected
        np.testing.assert_allclose(jac[l + 1], np.broadcast_to(expected, (12, 2, 2)), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("scheme", ["c0", "c1"])
@pytest.mark.parametrize("activation", ["tanh", "softplus", "sigmoid"])
def test_metric_equals_layer_recursion_for_c0_c1(scheme, activation):
    """For c0/c1 the chart metric g_l = M_l^T M_l equals the paper's g_l = A_l^T g_{l+1} A_l with the
    closed-form one-layer Jacobians (c0: diag(act') W, c1: I + dt diag(act') W); g_L = I."""
    weight, bias, sites = random_net(seed=11, scale=1.5)
    dt = DT[scheme]
    jac = chart_jacobians(weight, bias, sites, scheme=scheme, activation=activation, dt=dt)
    g = metric.pullback_metrics(jac)
    assert_finite_shape(g, (6, 12, 2, 2), "f")
    np.testing.assert_allclose(g[-1], np.broadcast_to(np.eye(2), (12, 2, 2)), atol=1e-10)
    x = propagate(weight, bias, sites, scheme=scheme, activation=activation, dt=dt)
    expected = recursion_metrics(layer_steps(weight, bias, x, scheme=scheme, activation=activation, dt=dt))
    assert relative_error(g, expected).max() < 1e-9
    np.testing.assert_allclose(g, np.swapaxes(g, -1, -2), atol=1e-12)  # symmetric


def test_c2_metric_is_the_chart_formula_and_the_naive_recursion_is_wrong():
    """For c2, g_0 = J_L^T J_L with J_L from finite differences of the whole map. The naive one-layer
    recursion (A = I + dt^2 act' W, or 2I + dt^2 act' W) gives a clearly different g_0, which is why
    DESIGN.md defines the c2 metric through the charts."""
    weight, bias, sites = random_net(seed=21, scale=1.2)
    dt = 0.9
    jac = chart_jacobians(weight, bias, sites, scheme="c2", activation="tanh", dt=dt)
    g = metric.pullback_metrics(jac)
    j_last = fd_jacobians(weight, bias, sites, scheme="c2", activation="tanh", dt=dt)[-1]
    g0 = np.einsum("mki,mkj->mij", j_last, j_last)
    assert relative_error(g[0], g0).max() < 1e-6
    np.testing.assert_allclose(g[-1], np.broadcast_to(np.eye(2), (12, 2, 2)), atol=1e-10)

    x = propagate(weight, bias, sites, scheme="c2", activation="tanh", dt=dt)
    for identity_part in (1.0, 2.0):
        steps = []
        for l in range(len(weight)):
            z = x[l] @ weight[l].T + bias[l]
            steps.append(identity_part * np.eye(2) + dt**2 * SIGMA_PRIME["tanh"](z)[:, :, None] * weight[l])
        naive = recursion_metrics(np.stack(steps))
        assert relative_error(naive[0], g[0]).min() > 0.1


@pytest.mark.parametrize("scheme", ["c0", "c1", "c2"])
def test_metric_in_layer_l_is_pullback_of_layer_l_to_L_map(scheme):
    """g_l = (d x_L / d x_l)^T (d x_L / d x_l), with d x_L / d x_l = J_L J_l^{-1} checked by finite
    differences along the two columns of J_l (moving x_0 along J_l^{-1} e_j moves x_l along e_j)."""
    weight, bias, sites = random_net(seed=5)
    dt = DT[scheme]
    jac = chart_jacobians(weight, bias, sites, scheme=scheme, activation="tanh", dt=dt)
    g = metric.pullback_metrics(jac)
    h = 1e-6
    l = 2
    inv = np.linalg.inv(jac[l])  # (M, 2, 2)
    cols = []
    for j in range(2):
        step = h * inv[:, :, j]  # (M, 2): the input direction that moves x_l along e_j
        plus = propagate(weight, bias, sites + step, scheme=scheme, activation="tanh", dt=dt)[-1]
        minus = propagate(weight, bias, sites - step, scheme=scheme, activation="tanh", dt=dt)[-1]
        cols.append((plus - minus) / (2 * h))
    m_l = np.stack(cols, axis=-1)  # (M, 2, 2)
    assert relative_error(g[l], np.einsum("mki,mkj->mij", m_l, m_l)).max() < 1e-6


def test_volume_element_is_ratio_of_jacobian_determinants():
    """sqrt(det g_l) = |det J_L| / |det J_l| at every layer and site."""
    weight, bias, sites = random_net(seed=8, scale=1.3)
    jac = chart_jacobians(weight, bias, sites, scheme="c1", activation="tanh", dt=1.0)
    log_volume, collapsed = metric.log_volume(jac, jac[-1])
    assert_finite_shape(log_volume, (6, 12), "f")
    assert not collapsed.any()
    det = np.abs(np.linalg.det(jac))  # (L+1, M)
    np.testing.assert_allclose(10**log_volume, det[-1] / det, rtol=1e-9)
    g = metric.pullback_metrics(jac)  # (L+1, M, 2, 2): the metric itself, an independent route
    np.testing.assert_allclose(10**log_volume, np.sqrt(np.linalg.det(g)), rtol=1e-7)
    np.testing.assert_allclose(log_volume[-1], 0.0, atol=1e-12)


# ---- ellipses -----------------------------------------------------------------------------------------


def fold(angle):
    """An angle modulo pi, folded into (-pi/2, pi/2]."""
    return np.pi / 2 - np.mod(np.pi / 2 - angle, np.pi)


def rotation(theta):
    c, s = np.cos(theta), np.sin(theta)
    return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)  # (..., 2, 2)


def ellipse_matrix(params):
    """(major, minor, angle) (..., 3) -> E = R(angle) diag(major, minor): maps the unit disk onto the glyph."""
    return rotation(params[..., 2]) * params[..., None, :2]


def random_spd(n, seed):
    """g = R(phi) diag(l1, l2) R(phi)^T with known phi and l1 < l2 (well separated)."""
    rng = np.random.default_rng(seed)
    phi = rng.uniform(-np.pi, np.pi, n)
    l1 = np.exp(rng.uniform(-3, 2, n))
    l2 = l1 * np.exp(rng.uniform(0.2, 3, n))
    r = rotation(phi)
    g = r @ (np.stack([l1, l2], -1)[..., None] * np.swapaxes(r, -1, -2))
    return g, phi, l1, l2


def assert_same_axis_angle(got, expected):
    """Angles equal modulo pi (compared as doubled-angle unit vectors) and inside (-pi/2, pi/2]."""
    assert ((got > -np.pi / 2) & (got <= np.pi / 2)).all()
    np.testing.assert_allclose(np.cos(2 * got), np.cos(2 * expected), atol=1e-9)
    np.testing.assert_allclose(np.sin(2 * got), np.sin(2 * expected), atol=1e-9)


def test_fold_reference_itself():
    """The test's own fold helper: values land in (-pi/2, pi/2] and agree modulo pi."""
    a = np.array([-np.pi, -np.pi / 2, 0.0, np.pi / 2, np.pi, 2.0, -2.0, 7.0])
    folded = fold(a)
    assert ((folded > -np.pi / 2) & (folded <= np.pi / 2 + 1e-15)).all()
    np.testing.assert_allclose(np.sin(2 * folded), np.sin(2 * a), atol=1e-12)
    np.testing.assert_allclose(fold(np.array([np.pi / 2, -np.pi / 2, 2.0])), [np.pi / 2, np.pi / 2, 2.0 - np.pi])


def test_indicatrix_ellipses_of_known_metrics():
    """Indicatrix {v : v^T g v <= s^2}: major s/sqrt(l1) along the l1 eigenvector (angle phi), minor s/sqrt(l2)."""
    g, phi, l1, l2 = random_spd(400, seed=0)
    params, clipped = metric.ellipses(g, scale=0.7, max_axis=np.inf)
    assert_finite_shape(params, (400, 3), "f")
    assert clipped.shape == (400,) and not clipped.any()
    np.testing.assert_allclose(params[:, 0], 0.7 / np.sqrt(l1), rtol=1e-10)
    np.testing.assert_allclose(params[:, 1], 0.7 / np.sqrt(l2), rtol=1e-10)
    assert_same_axis_angle(params[:, 2], fold(phi))
    # the boundary points s * E u (|u| = 1) satisfy v^T g v = s^2 exactly
    e = ellipse_matrix(params)
    u = np.array([np.cos(0.3), np.sin(0.3)])
    v = e @ u
    np.testing.assert_allclose(np.einsum("mi,mij,mj->m", v, g, v), 0.49, rtol=1e-9)


def test_stretch_ellipses_of_known_metrics():
    """Stretch: major s*sqrt(l2) along the l2 eigenvector (angle phi + pi/2), minor s*sqrt(l1)."""
    g, phi, l1, l2 = random_spd(400, seed=1)
    params, clipped = metric.ellipses(g, scale=0.4, max_axis=np.inf, convention="stretch")
    assert not clipped.any()
    np.testing.assert_allclose(params[:, 0], 0.4 * np.sqrt(l2), rtol=1e-10)
    np.testing.assert_allclose(params[:, 1], 0.4 * np.sqrt(l1), rtol=1e-10)
    assert_same_axis_angle(params[:, 2], fold(phi + np.pi / 2))


def test_axis_aligned_angles_are_folded_to_the_documented_end():
    """A major axis along +-y has angle exactly +pi/2 (the closed end of the interval), along +-x angle 0."""
    metrics = np.array([np.diag([4.0, 1.0]), np.diag([1.0, 4.0])])
    params, _ = metric.ellipses(metrics, scale=1.0, max_axis=10.0)
    np.testing.assert_allclose(params, [[1.0, 0.5, np.pi / 2], [1.0, 0.5, 0.0]], atol=1e-15)


@pytest.mark.parametrize("convention", ["indicatrix", "stretch"])
def test_angles_do_not_depend_on_the_eigenvector_signs(monkeypatch, convention):
    """eigh may return -Q as well as Q; the folded angles must be the same either way, including the
    boundary case of a major axis along y (direction (0, -1) must fold to +pi/2, not stay at -pi/2)."""
    g, _, _, _ = random_spd(50, seed=3)
    g = np.concatenate([g, [np.diag([4.0, 1.0]), np.diag([1.0, 4.0])]])
    expected, _ = metric.ellipses(g, scale=1.0, max_axis=np.inf, convention=convention)
    eigh = np.linalg.eigh

    def flipped_eigh(a):
        lam, q = eigh(a)
        return lam, -q

    monkeypatch.setattr(np.linalg, "eigh", flipped_eigh)
    got, _ = metric.ellipses(g, scale=1.0, max_axis=np.inf, convention=convention)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("convention", ["indicatrix", "stretch"])
def test_ellipses_of_factor_equal_ellipses_of_the_metric(convention):
    """For well-conditioned factors F, glyphs taken from F by SVD equal the glyphs of g = F^T F."""
    rng = np.random.default_rng(4)
    factor = rng.normal(size=(200, 2, 2))
    sigma = np.linalg.svd(factor, compute_uv=False)
    factor = factor[(sigma[:, 1] > 0.05 * sigma[:, 0]) & (sigma[:, 1] < 0.95 * sigma[:, 0])]  # no circles
    expected, expected_clipped = metric.ellipses(
        metric.metric_of_factor(factor), scale=0.5, max_axis=3.0, convention=convention
    )
    got, clipped = metric.ellipses_of_factor(factor, scale=0.5, max_axis=3.0, convention=convention)
    np.testing.assert_allclose(got[:, :2], expected[:, :2], rtol=1e-10)
    assert_same_axis_angle(got[:, 2], expected[:, 2])
    np.testing.assert_array_equal(clipped, expected_clipped)
    np.testing.assert_allclose(metric.metric_of_factor(factor), np.swapaxes(factor, 1, 2) @ factor, rtol=1e-14)


def test_ellipses_of_factor_keep_precision_where_the_metric_cannot():
    """F = U diag(1, 1e-9) R(phi)^T: the indicatrix major axis is s / 1e-9 along R(phi) e_2, exactly from the
    factor; the squared metric (condition 1e18) has lost the small eigenvalue to rounding."""
    rng = np.random.default_rng(5)
    phi, psi = rng.uniform(-np.pi, np.pi, 20), rng.uniform(-np.pi, np.pi, 20)
    factor = rotation(psi) @ (np.array([1.0, 1e-9])[:, None] * np.swapaxes(rotation(phi), 1, 2))
    got, _ = metric.ellipses_of_factor(factor, scale=0.5, max_axis=np.inf)
    np.testing.assert_allclose(got[:, 0], 0.5e9, rtol=1e-6)
    np.testing.assert_allclose(got[:, 1], 0.5, rtol=1e-9)
    assert_same_axis_angle(got[:, 2], fold(phi + np.pi / 2))
    from_metric, _ = metric.ellipses(metric.metric_of_factor(factor), scale=0.5, max_axis=np.inf)
    assert np.abs(from_metric[:, 0] / 0.5e9 - 1).max() > 1e-3  # why the pipeline uses the factor


def test_unknown_convention_is_rejected():
    """An unknown glyph convention raises ConfigError naming both valid ones."""
    with pytest.raises(ConfigError, match="indicatrix, stretch"):
        metric.ellipses(np.eye(2), scale=1.0, max_axis=1.0, convention="tissot")


@pytest.mark.parametrize("convention", ["indicatrix", "stretch"])
def test_singular_and_huge_metrics_are_clipped_and_finite(convention):
    """A singular metric (or a slightly negative eigenvalue from rounding, or a huge one) gives finite axes,
    clipped to max_axis and flagged; an ordinary metric is left alone."""
    metrics = np.array(
        [
            [[0.0, 0.0], [0.0, 1.0]],  # singular: indicatrix major = s / 0
            [[-1e-17, 0.0], [0.0, 1.0]],  # rounding below zero
            [[1e12, 0.0], [0.0, 1e12]],  # huge: stretch major = s * 1e6
            [[1.0, 0.0], [0.0, 4.0]],  # ordinary
        ]
    )
    params, clipped = metric.ellipses(metrics, scale=1.0, max_axis=3.0, convention=convention)
    assert_finite_shape(params, (4, 3), "f")
    assert (params[:, :2] <= 3.0).all()
    if convention == "indicatrix":
        assert clipped.tolist() == [True, True, False, False]
        np.testing.assert_allclose(params[:2, 0], 3.0)
        np.testing.assert_allclose(params[2, :2], 1e-6)
    else:
        assert clipped.tolist() == [False, False, True, False]
        np.testing.assert_allclose(params[2, :2], 3.0)
        np.testing.assert_allclose(params[:2, :2], [[1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(params[3, :2], [1.0, 0.5] if convention == "indicatrix" else [2.0, 1.0])


def test_max_axis_broadcasts_per_layer():
    """max_axis may be given per layer, shape (L+1, 1), as the pipeline does."""
    g = np.broadcast_to(np.diag([0.01, 1.0]), (3, 4, 2, 2))  # major 10 everywhere
    params, clipped = metric.ellipses(g, scale=1.0, max_axis=np.array([[20.0], [5.0], [10.0]]))
    np.testing.assert_allclose(params[..., 0], [[10.0] * 4, [5.0] * 4, [10.0] * 4])
    assert clipped.tolist() == [[False] * 4, [True] * 4, [False] * 4]


@pytest.mark.parametrize("scheme", ["c0", "c1", "c2"])
def test_indicatrix_glyphs_are_pushed_forward_by_the_layer_map(scheme):
    """The glyph at layer l+1 is the image of the glyph at layer l under J_{l+1} J_l^{-1}
    (E' E'^T = A E E^T A^T), and every glyph in layer L is the circle of radius s."""
    weight, bias, sites = random_net(seed=13)
    jac = chart_jacobians(weight, bias, sites, scheme=scheme, activation="tanh", dt=DT[scheme])
    params, clipped = metric.ellipses(metric.pullback_metrics(jac), scale=0.3, max_axis=np.inf)
    assert not clipped.any()
    e = ellipse_matrix(params)  # (L+1, M, 2, 2)
    shape = np.einsum("lmij,lmkj->lmik", e, e)  # E E^T
    for l in range(len(weight)):
        a = jac[l + 1] @ np.linalg.inv(jac[l])  # (M, 2, 2)
        image = np.einsum("mij,mjk,mlk->mil", a, shape[l], a)
        assert relative_error(shape[l + 1], image).max() < 1e-8
    np.testing.assert_allclose(params[-1, :, :2], 0.3, rtol=1e-9)
    # and E E^T at layer 0 is s^2 g_0^{-1} = s^2 (J_L^T J_L)^{-1}
    g0 = np.einsum("mki,mkj->mij", jac[-1], jac[-1])
    assert relative_error(shape[0], 0.09 * np.linalg.inv(g0)).max() < 1e-8


# ---- collapsed charts ----------------------------------------------------------------------------------


def dead_relu_net():
    """A c0 ReLU net whose second layer has all pre-activations negative on the sites (bias -100)."""
    weight, bias, sites = random_net(depth=4, seed=2)
    bias = bias.copy()
    bias[1] = -100.0
    return weight, bias, sites


def test_dead_relu_layer_collapses_later_charts_without_inf_or_nan():
    """Layers from the dead one on have J = 0: flagged as collapsed, metrics and glyphs stay finite and the
    glyphs are clipped; the earlier charts are not flagged."""
    weight, bias, sites = dead_relu_net()
    x = propagate(weight, bias, sites, scheme="c0", activation="relu", dt=1.0)
    assert (x[1] @ weight[1].T + bias[1] < 0).all()
    jac = chart_jacobians(weight, bias, sites, scheme="c0", activation="relu", dt=1.0)
    assert_finite_shape(jac, (5, 12, 2, 2), "f")
    np.testing.assert_array_equal(jac[2:], 0.0)
    collapsed = metric.rank_deficient(jac)
    assert collapsed.shape == (5, 12)
    assert not collapsed[0].any()
    assert collapsed[2:].all()
    with np.errstate(all="raise"):
        g = metric.pullback_metrics(jac)
    assert_finite_shape(g, (5, 12, 2, 2), "f")
    params, clipped = metric.ellipses(g, scale=1.0, max_axis=2.5)
    assert_finite_shape(params, (5, 12, 3), "f")
    # J_L = 0: no layer before the last sees any metric (every glyph unbounded, clipped); the last layer's
    # own metric is Euclidean by definition, g_L = I, so its glyphs stay circles.
    assert clipped[:-1].all() and not clipped[-1].any()
    np.testing.assert_array_equal(g[-1], np.broadcast_to(np.eye(2), g[-1].shape))
    log_volume, collapsed = metric.log_volume(jac, jac[-1])
    assert_finite_shape(log_volume, (5, 12), "f")
    assert (log_volume[collapsed] == metric.LOG_FLOOR).all()


def test_one_dead_neuron_is_a_rank_one_chart():
    """Killing one neuron of the first layer (the other always active) leaves a rank-1 Jacobian: collapsed,
    pseudo-inverted, finite."""
    weight, bias, sites = random_net(depth=3, seed=6)
    bias = bias.copy()
    bias[0] = [-100.0, 100.0]
    jac = chart_jacobians(weight, bias, sites, scheme="c0", activation="relu", dt=1.0)
    assert (np.linalg.matrix_rank(jac[1]) == 1).all()
    collapsed = metric.rank_deficient(jac)
    assert collapsed[1:].all() and not collapsed[0].any()
    g = metric.pullback_metrics(jac)
    assert_finite_shape(g, (4, 12, 2, 2), "f")


def test_well_conditioned_charts_are_not_collapsed():
    """A c1 tanh net of moderate weights never triggers the collapse flag."""
    weight, bias, sites = random_net(seed=9)
    jac = chart_jacobians(weight, bias, sites, scheme="c1", activation="tanh", dt=0.5)
    assert not metric.rank_deficient(jac).any()


def test_collapse_threshold():
    """The flag trips at sigma_min <= 1e-10 sigma_max and not above."""
    jac = np.array([np.diag([1.0, 1e-11]), np.diag([1.0, 1e-9]), np.diag([2.0, 2e-10]), np.zeros((2, 2))])
    assert metric.rank_deficient(jac).tolist() == [True, False, True, True]
    assert math.isclose(metric.DEGENERATE_RATIO, 1e-10)


# ---- the metric pulled back from the logit: rank one, its kernel along the level sets ------------------------
def logit(run, points):
    layers = propagate(run.weight, run.bias, points, scheme=run.scheme, activation=run.activation, dt=run.dt)
    return layers[-1] @ run.head_weight + run.head_bias


def test_logit_gradient_at_the_input_is_the_gradient_of_the_logit(small_run):
    """n_0 = J_L^T w equals central finite differences of the logit (computed anew with numpy)."""
    h = 1e-6
    sites = small_run.sites[0]
    fd = np.column_stack(
        [(logit(small_run, sites + h * e) - logit(small_run, sites - h * e)) / (2 * h) for e in np.eye(2)]
    )
    n = metric.logit_gradients(small_run.jacobian, small_run.head_weight)
    np.testing.assert_allclose(n[0], fd, atol=1e-6 * max(np.abs(fd).max(), 1.0))
    np.testing.assert_allclose(n[-1], np.broadcast_to(small_run.head_weight, n[-1].shape), atol=1e-12)


def test_logit_metric_has_rank_one_and_its_kernel_runs_along_level_sets(c1_run):
    """Eigenvalues 0 and |n|^2; moving along the kernel changes the logit only to second order."""
    g = metric.logit_metrics(c1_run.jacobian, c1_run.head_weight)  # (L+1, M, 2, 2)
    n = metric.logit_gradients(c1_run.jacobian, c1_run.head_weight)
    lam = np.linalg.eigvalsh(g)
    size = (n**2).sum(axis=-1)
    np.testing.assert_allclose(lam[..., 1], size, rtol=1e-10)
    assert (np.abs(lam[..., 0]) <= 1e-10 * size).all()
    kernel, ratio = metric.kernel_directions(g)
    assert (ratio <= 1e-10).all()
    np.testing.assert_allclose(np.einsum("...i,...i->...", kernel, n), 0, atol=1e-8 * np.sqrt(size.max()))
    sites = c1_run.sites[0]
    for h in (1e-2, 5e-3):
        along = np.abs(logit(c1_run, sites + h * kernel[0]) - logit(c1_run, sites)).max()
        across = np.abs(
            logit(c1_run, sites + h * n[0] / np.linalg.norm(n[0], axis=1, keepdims=True)) - logit(c1_run, sites)
        ).max()
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
    direction, ratio = metric.kernel_directions(g[None])
    assert abs(abs(direction[0] @ q[:, 0]) - 1) < 1e-12
    assert abs(ratio[0] - 0.25) < 1e-12
    _, ratio = metric.kernel_directions(np.zeros((1, 2, 2)))
    assert ratio[0] == 1.0  # nothing to see: no preferred direction, not "rank one"
