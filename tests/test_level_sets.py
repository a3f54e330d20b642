"""Level sets and the decision boundary: every component, on the curve, carried exactly through the layers."""

from __future__ import annotations

import numpy as np
import pytest

from riemann_nn.errors import RunFileError
from riemann_nn.level_sets import pack, refine, trace_level_set, unpack
from riemann_nn.network import propagate
from riemann_nn.run import load_run, save_run


def sample(f, low=-2.0, high=2.0, n=161):
    xs = ys = np.linspace(low, high, n)
    gx, gy = np.meshgrid(xs, ys)
    return f(gx, gy), xs, ys


def length(polyline):
    return np.linalg.norm(np.diff(polyline, axis=0), axis=1).sum()


def test_a_circle_is_one_closed_polyline_of_the_right_length():
    values, xs, ys = sample(lambda x, y: x**2 + y**2 - 1.0)
    (circle,) = trace_level_set(values, xs, ys)
    np.testing.assert_array_equal(circle[0], circle[-1])
    assert length(circle) == pytest.approx(2 * np.pi, rel=1e-3)
    assert np.abs(np.linalg.norm(circle, axis=1) - 1).max() < (xs[1] - xs[0]) ** 2


def test_separate_components_and_open_curves_are_all_found():
    values, xs, ys = sample(lambda x, y: np.minimum((x - 1) ** 2 + y**2, (x + 1) ** 2 + y**2) - 0.25)
    assert len(trace_level_set(values, xs, ys)) == 2
    values, xs, ys = sample(lambda x, y: y - 0.3 * x - 0.1)
    (line,) = trace_level_set(values, xs, ys)
    np.testing.assert_allclose(line[:, 1], 0.3 * line[:, 0] + 0.1, atol=1e-12)  # linear: interpolation is exact
    assert sorted(np.abs(line[[0, -1], 0]).round(9)) == [2.0, 2.0]  # both ends on the border
    assert trace_level_set(np.ones((5, 5)), np.arange(5.0), np.arange(5.0)) == []


def test_refine_puts_points_on_the_level_set():
    values, xs, ys = sample(lambda x, y: x**2 + 2 * y**2 - 1.0, n=41)
    (curve,) = trace_level_set(values, xs, ys)

    def value_and_gradient(p):
        return p[:, 0] ** 2 + 2 * p[:, 1] ** 2 - 1.0, np.column_stack([2 * p[:, 0], 4 * p[:, 1]])

    refined = refine(curve, value_and_gradient, max_step=0.1)
    np.testing.assert_allclose(value_and_gradient(refined)[0], 0, atol=1e-12)


def test_pack_and_unpack_are_inverse():
    polylines = [np.random.default_rng(k).normal(size=(k + 2, 2)) for k in range(3)]
    vertices, offsets = pack(polylines)
    assert list(offsets) == [0, 2, 5, 9]
    for a, b in zip(unpack(vertices, offsets), polylines):
        np.testing.assert_array_equal(a, b)


def logits(run, points):
    layers = propagate(run.weight, run.bias, points, scheme=run.scheme, activation=run.activation, dt=run.dt)
    return layers[-1] @ run.head_weight + run.head_bias


def test_decision_boundary_lies_on_logit_zero_in_every_layer(small_run):
    """Input vertices have logit 0 (computed anew with numpy), every layer is the input mapped through the
    net, and at the last layer every vertex lies on the head's line."""
    boundary = small_run.boundary
    assert boundary.shape[1] > 0
    scale = np.abs(small_run.x[-1] @ small_run.head_weight).max()
    np.testing.assert_allclose(logits(small_run, boundary[0]), 0, atol=1e-7 * scale)
    mapped = propagate(
        small_run.weight,
        small_run.bias,
        boundary[0],
        scheme=small_run.scheme,
        activation=small_run.activation,
        dt=small_run.dt,
    )
    np.testing.assert_allclose(boundary, mapped, atol=1e-12)
    np.testing.assert_allclose(boundary[-1] @ small_run.head_weight + small_run.head_bias, 0, atol=1e-7 * scale)


def test_decision_boundary_has_every_crossing(c1_run):
    """Along horizontal lines through the input box, the logit changes sign exactly as often as the traced
    boundary crosses the line."""
    bounds = np.array(c1_run.meta["geometry"]["bounds"])
    polylines = c1_run.boundary_polylines(0)
    for y in np.linspace(bounds[0, 1], bounds[1, 1], 9)[1:-1] + 1e-3:
        xs = np.linspace(bounds[0, 0], bounds[1, 0], 4001)
        signs = np.sign(logits(c1_run, np.column_stack([xs, np.full_like(xs, y)])))
        changes = int((np.diff(signs) != 0).sum())
        crossings = sum(int(((p[:-1, 1] - y) * (p[1:, 1] - y) < 0).sum()) for p in polylines)
        assert crossings == changes


def test_boundary_keys_round_trip_and_are_validated(c1_run, tmp_path):
    path = save_run(c1_run, tmp_path / "run.npz")
    loaded = load_run(path)
    np.testing.assert_array_equal(loaded.boundary, c1_run.boundary)
    np.testing.assert_array_equal(loaded.boundary_offsets, c1_run.boundary_offsets)
    with np.load(path) as npz:
        arrays = dict(npz)
    # Files of older builds have no boundary: they load, without one.
    old = {k: v for k, v in arrays.items() if not k.startswith("boundary")}
    np.savez(tmp_path / "old.npz", **old)
    assert load_run(tmp_path / "old.npz").boundary is None
    for name, change in [
        ("only-one", {"boundary_offsets": None}),
        ("bad-offsets", {"boundary_offsets": arrays["boundary_offsets"][::-1].copy()}),
        ("bad-shape", {"boundary": arrays["boundary"][:-1]}),
    ]:
        broken = {k: v for k, v in {**arrays, **change}.items() if v is not None}
        np.savez(tmp_path / f"{name}.npz", **broken)
        with pytest.raises(RunFileError, match="boundary"):
            load_run(tmp_path / f"{name}.npz")
