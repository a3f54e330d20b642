"""Layer paths: exact at every layer, continuous in between, one map for points, grid and glyphs."""

from __future__ import annotations

import numpy as np
import pytest

from riemann_nn.errors import ConfigError
from riemann_nn.interpolate import DEFAULT_METHOD, LayerMotion, layer_weights
from riemann_nn.network import propagate

METHODS_BY_SCHEME = {"c0": ("straight", "spline", "staged"), "c1": ("straight", "spline"), "c2": ("straight", "spline")}


def motions(run):
    return [LayerMotion(run, method=method) for method in METHODS_BY_SCHEME[run.scheme]]


def layers_of(run, points):
    return propagate(run.weight, run.bias, points, scheme=run.scheme, activation=run.activation, dt=run.dt)


def test_paths_are_exact_at_every_layer(small_run):
    """At t = l, points, grid lines, sites and Jacobians are the Run's layer-l values (to rounding)."""
    for motion in motions(small_run):
        for layer in range(small_run.depth + 1):
            np.testing.assert_allclose(motion.points(layer), small_run.x[layer], rtol=0, atol=1e-12)
            np.testing.assert_allclose(motion.grid(layer), small_run.grid[layer], rtol=0, atol=1e-12)
            np.testing.assert_allclose(motion.sites(layer), small_run.sites[layer], rtol=0, atol=1e-12)
            np.testing.assert_allclose(motion.jacobian(layer), small_run.jacobian[layer], rtol=0, atol=1e-12)


def test_paths_move_by_bounded_steps(small_run):
    """Between frames (30 per layer) no point jumps. A straight path's step is its knots' largest jump / 30;
    a staged path has three knots per layer (so / 10); a spline may overshoot its knots, within a factor 3.
    Halving the frame interval halves the largest step (continuity)."""
    for motion in motions(small_run):
        knots_per_layer = 3 if motion.method == "staged" else 1
        knots = np.stack([motion.points(t) for t in np.arange(small_run.depth * knots_per_layer + 1) / knots_per_layer])
        jump = np.linalg.norm(np.diff(knots, axis=0), axis=-1).max()  # largest move between knots

        def largest_step(frames_per_layer, motion=motion):
            times = np.linspace(0, small_run.depth, small_run.depth * frames_per_layer + 1)
            path = np.stack([motion.points(t) for t in times])  # (T, N, 2)
            return np.linalg.norm(np.diff(path, axis=0), axis=-1).max()

        coarse, fine = largest_step(30), largest_step(60)
        slack = 3.0 if motion.method == "spline" else 1.0
        assert coarse <= slack * knots_per_layer * jump / 30 + 1e-12, motion.method
        assert fine == pytest.approx(coarse / 2, rel=0.25), motion.method


def test_straight_path_of_c1_is_the_euler_step(c1_run):
    """For c1 the straight path between layers l and l+1 is x_l + s dt f_l(x_l): the Euler step of the flow."""
    motion = LayerMotion(c1_run, method="straight")
    layer, s = 2, 0.37
    x = c1_run.x[layer]
    f = np.tanh(x @ c1_run.weight[layer].T + c1_run.bias[layer])
    np.testing.assert_allclose(motion.points(layer + s), x + s * c1_run.dt * f, atol=1e-12)


@pytest.mark.parametrize("t_fraction", [0.21, 0.5, 0.77])
def test_interpolated_jacobian_is_the_derivative_of_the_interpolated_map(small_run, t_fraction):
    """J(t) equals central finite differences of the interpolated position of perturbed input sites."""
    h = 1e-6
    t = t_fraction * small_run.depth
    sites0 = small_run.sites[0]  # (M, 2)
    for motion in motions(small_run):
        columns = []
        for j in range(2):
            e = np.zeros(2)
            e[j] = h
            plus = motion.at(layers_of(small_run, sites0 + e), t)
            minus = motion.at(layers_of(small_run, sites0 - e), t)
            columns.append((plus - minus) / (2 * h))
        finite_difference = np.stack(columns, axis=-1)  # (M, 2, 2)
        scale = np.abs(finite_difference).max()
        np.testing.assert_allclose(motion.jacobian(t), finite_difference, atol=1e-6 * max(scale, 1.0))


def glyph_axes(maps):
    """Semi-axes and angle (folded into (-pi/2, pi/2]) of the ellipses that maps (M, 2, 2) draw."""
    u, sigma, _ = np.linalg.svd(maps)
    angle = np.arctan2(u[:, 1, 0], u[:, 0, 0])
    angle = np.where(angle <= -np.pi / 2, angle + np.pi, np.where(angle > np.pi / 2, angle - np.pi, angle))
    return sigma[:, 0], sigma[:, 1], angle


def test_glyphs_at_layers_equal_the_exported_ellipses(small_run):
    """At t = l the glyph map draws exactly the Run's ellipse (major, minor, angle) at the Run's site.

    Sites where layer l's or the last layer's chart collapsed are flagged in the Run and left out: there the
    metric is undefined along the collapsed direction."""
    motion = LayerMotion(small_run)
    for layer in range(small_run.depth + 1):
        centres, maps, clipped = motion.glyphs(layer)
        np.testing.assert_allclose(centres, small_run.sites[layer], atol=1e-12)
        sound = ~(small_run.degenerate[layer] | small_run.degenerate[-1])
        np.testing.assert_array_equal(clipped[sound], small_run.clipped[layer][sound])
        major, minor, angle = glyph_axes(maps)
        expected = small_run.ellipse[layer]
        np.testing.assert_allclose(major[sound], expected[sound, 0], rtol=1e-6)
        np.testing.assert_allclose(minor[sound], expected[sound, 1], rtol=1e-6)
        distinct = sound & (expected[:, 0] > expected[:, 1] * (1 + 1e-6)) & ~clipped  # angle is defined
        difference = np.angle(np.exp(2j * (angle[distinct] - expected[distinct, 2]))) / 2  # modulo pi
        np.testing.assert_allclose(difference, 0, atol=1e-6)


def test_glyphs_stay_finite_where_charts_collapse():
    """Where the last chart collapses (J_L = 0 at one site, rank one at the other) glyphs stay finite: clipped
    to max_axis before the last layer, circles of radius s at it (g_L = I by definition)."""
    from riemann_nn.run import Run

    depth, sites = 2, np.array([[0.5, 0.5], [1.0, -0.3]])
    weight = np.stack([np.eye(2), -np.eye(2)])  # second layer kills positive coordinates: relu(-x) = 0
    bias = np.zeros((depth, 2))
    x = propagate(weight, bias, sites, scheme="c0", activation="relu", dt=1.0)
    jac = np.stack([np.eye(2)] * 2 + [np.zeros((2, 2))])[:, None].repeat(2, axis=1)  # (3, 2, 2, 2)
    jac[2, 1] = np.diag([0.0, 1.0])  # the second site keeps one direction alive
    meta = {
        "model": {"scheme": "c0", "activation": "relu", "depth": depth, "dt": 1.0},
        "ellipse": {"convention": "indicatrix", "scale": 0.1, "max_axis": [0.5, 0.5, 0.5]},
    }
    run = Run(
        meta=meta,
        x=x,
        y=np.array([0, 1]),
        grid=x[:, None],
        sites=x,
        jacobian=jac,
        metric=np.zeros_like(jac),
        ellipse=np.zeros((3, 2, 3)),
        weight=weight,
        bias=bias,
        head_weight=np.ones(2),
        head_bias=np.array(0.0),
        loss=np.zeros(1),
        accuracy=np.zeros(1),
        degenerate=np.zeros((3, 2), bool),
        clipped=np.zeros((3, 2), bool),
    )
    motion = LayerMotion(run, method="straight")
    for t in (0.0, 0.5, 1.0, 1.5):
        _, maps, clipped = motion.glyphs(t)
        assert np.isfinite(maps).all()
        np.testing.assert_allclose(np.linalg.svd(maps, compute_uv=False)[:, 0], 0.5)
        assert clipped.all()
    _, maps, clipped = motion.glyphs(2.0)  # the last layer's metric is Euclidean: circles of radius s
    np.testing.assert_allclose(maps, 0.1 * np.eye(2)[None].repeat(2, axis=0))
    assert not clipped.any()


def test_glyph_at_next_layer_is_the_pushed_glyph(c1_run):
    """E(l+1) = J_{l+1} J_l^{-1} E(l): glyphs are pushed forward by the map that moves the points."""
    motion = LayerMotion(c1_run)
    for layer in range(c1_run.depth):
        _, here, clipped_here = motion.glyphs(layer)
        _, there, clipped_there = motion.glyphs(layer + 1)
        step = c1_run.jacobian[layer + 1] @ np.linalg.inv(c1_run.jacobian[layer])  # (M, 2, 2)
        ok = ~(clipped_here | clipped_there)
        np.testing.assert_allclose(there[ok], (step @ here)[ok], rtol=1e-8, atol=1e-12)


def test_spline_weights_are_a_partition_of_unity_that_reproduces_lines():
    """Spline weights sum to 1 and reproduce a linear function of the layer index exactly."""
    for depth in (1, 2, 3, 10):
        for t in np.linspace(0, depth, 23):
            w = layer_weights(t, depth=depth, method="spline")
            assert w.sum() == pytest.approx(1.0, abs=1e-12)
            assert w @ np.arange(depth + 1.0) == pytest.approx(t, abs=1e-12)


def test_default_methods_and_rejections(c1_run):
    """Each scheme has a default path; staged is refused for c1 and unknown names list the valid ones."""
    assert DEFAULT_METHOD == {"c0": "staged", "c1": "straight", "c2": "spline", "custom": "straight"}
    with pytest.raises(ConfigError, match="staged"):
        LayerMotion(c1_run, method="staged")
    with pytest.raises(ConfigError, match="straight, spline, staged"):
        LayerMotion(c1_run, method="wiggly")
