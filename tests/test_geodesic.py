"""Shortest paths under g_0 = J_L^T J_L: closed forms on identity and linear networks, the bounds every path
obeys on trained networks, and the ``riemann-nn geodesic`` command."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from conftest import _small_run, assert_finite_shape
from riemann_nn.network import propagate
from riemann_nn.cli import main
from riemann_nn.errors import ConfigError
from riemann_nn.geodesic import Geodesic, shortest_path, subdivide
from riemann_nn.run import save_run
from test_cli import runner


def with_network(base, *, scheme: str, activation: str, weight, bias, dt: float = 1.0):
    """``base`` (a Run) with its layers replaced: enough of a Run for ``shortest_path``."""
    weight, bias = np.asarray(weight, float), np.asarray(bias, float)
    model = {**base.meta["model"], "scheme": scheme, "activation": activation, "depth": len(weight), "dt": dt}
    return dataclasses.replace(base, meta={**base.meta, "model": model}, weight=weight, bias=bias)


def last_layer(run, points: np.ndarray) -> np.ndarray:
    return propagate(run.weight, run.bias, points, scheme=run.scheme, activation=run.activation,
                           dt=run.dt)[-1]


def wiggly(a: np.ndarray, b: np.ndarray, count: int) -> np.ndarray:
    """A path from a to b that is far from straight: a sine bump across the segment, unevenly spaced."""
    s = np.linspace(0.0, 1.0, count) ** 1.5  # (K,)
    normal = np.array([-(b - a)[1], (b - a)[0]])
    return a + s[:, None] * (b - a) + 0.4 * np.sin(3 * np.pi * s)[:, None] * normal  # (K, 2)


def distance_from_line(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances of points (K, 2) from the line through a and b: (K,)."""
    u = (b - a) / np.linalg.norm(b - a)
    return np.abs((points - a) @ np.array([-u[1], u[0]]))


A, B = np.array([-1.5, 0.5]), np.array([2.0, -1.0])


@pytest.fixture(scope="module")
def identity_runs(c1_run):
    """Two networks that map every point to itself: c1 with zero layers, c0 with W = I, b = 0, no activation."""
    zeros, eye = np.zeros((3, 2, 2)), np.repeat(np.eye(2)[None], 3, axis=0)
    return [with_network(c1_run, scheme="c1", activation="tanh", weight=zeros, bias=np.zeros((3, 2))),
            with_network(c1_run, scheme="c0", activation="identity", weight=eye, bias=np.zeros((3, 2)))]


@pytest.mark.parametrize("which", [0, 1], ids=["c1-zero", "c0-identity"])
def test_identity_network_gives_the_evenly_spaced_segment(identity_runs, which):
    """On an identity network g_0 = I: the lift is the segment, evenly spaced, and every length is |b - a|."""
    run = identity_runs[which]
    path = shortest_path(run, A, B, points=17)
    assert isinstance(path, Geodesic) and path.method == "lift"
    assert_finite_shape(path.points, (17, 2), "f")
    expected = A + np.linspace(0, 1, 17)[:, None] * (B - A)
    np.testing.assert_allclose(path.points, expected, atol=1e-12)
    euclidean = float(np.hypot(*(B - A)))
    for value in (path.length, path.straight_length, path.euclidean, path.output_distance):
        assert value == pytest.approx(euclidean, rel=1e-12)


def test_energy_straightens_a_wiggly_path_on_an_identity_network(identity_runs):
    """From a bent, unevenly spaced start, L-BFGS on the energy finds the straight, evenly spaced segment."""
    start = wiggly(A, B, 17)
    path = shortest_path(identity_runs[0], A, B, points=17, method="energy", initial=start)
    assert path.method == "energy"
    np.testing.assert_allclose(path.points, A + np.linspace(0, 1, 17)[:, None] * (B - A), atol=1e-5)
    assert path.length == pytest.approx(np.hypot(*(B - A)), rel=1e-9)


@pytest.fixture(scope="module")
def linear_runs(c1_run):
    """Invertible linear networks with their end-to-end matrix: c0 and c1 with the identity activation."""
    rng = np.random.default_rng(7)
    weight = rng.normal(size=(3, 2, 2)) + 1.5 * np.eye(2)  # (3, 2, 2)
    bias = rng.normal(size=(3, 2))
    c0 = with_network(c1_run, scheme="c0", activation="identity", weight=weight, bias=bias)
    c1 = with_network(c1_run, scheme="c1", activation="identity", weight=weight, bias=bias, dt=0.5)
    c0_matrix = weight[2] @ weight[1] @ weight[0]  # x_L = W_3 W_2 W_1 x + const
    c1_matrix = np.linalg.multi_dot([np.eye(2) + 0.5 * w for w in weight[::-1]])  # prod (I + dt W_l)
    assert abs(np.linalg.det(c0_matrix)) > 0.1 and abs(np.linalg.det(c1_matrix)) > 0.1
    return [(c0, c0_matrix), (c1, c1_matrix)]


@pytest.mark.parametrize("which", [0, 1], ids=["c0", "c1"])
@pytest.mark.parametrize("method", ["lift", "energy"])
def test_linear_network_gives_the_straight_segment(linear_runs, which, method):
    """For x_L = A x + c the geodesic is the straight segment and its length |A (b - a)|, whichever method;
    the energy method starts from a bent path so it has to do the work."""
    run, matrix = linear_runs[which]
    start = wiggly(A, B, 17) if method == "energy" else None
    path = shortest_path(run, A, B, points=17, method=method, initial=start)
    assert path.method == method
    expected = float(np.linalg.norm(matrix @ (B - A)))
    tolerance = 1e-10 if method == "lift" else 1e-8
    assert path.output_distance == pytest.approx(expected, rel=1e-12)
    assert path.length == pytest.approx(expected, rel=tolerance)
    assert path.straight_length == pytest.approx(expected, rel=1e-12)
    assert path.euclidean == pytest.approx(np.hypot(*(B - A)), rel=1e-12)
    # Straight and evenly spaced: for a linear map even in the last layer is even in the input.
    np.testing.assert_allclose(path.points, A + np.linspace(0, 1, 17)[:, None] * (B - A),
                               atol=1e-9 if method == "lift" else 1e-4)


def far_pair(run, label: int) -> tuple[np.ndarray, np.ndarray]:
    """Two points of one class far apart along the spiral arm: the nearest to the centre and the farthest."""
    points = run.x[0][run.y == label]
    radius = np.linalg.norm(points, axis=1)
    return points[np.argmin(radius)], points[np.argmax(radius)]


@pytest.mark.parametrize("label", [0, 1])
def test_trained_network_bounds(small_run, label):
    """On every trained net: output distance <= length <= the straight segment's length; a lift's image in
    the last layer is the evenly spaced chord."""
    a, b = far_pair(small_run, label)
    path = shortest_path(small_run, a, b, points=24)
    assert_finite_shape(path.points, (24, 2), "f")
    np.testing.assert_array_equal(path.points[[0, -1]], np.stack([a, b]))
    image = last_layer(small_run, path.points)  # (K, 2)
    assert path.output_distance == pytest.approx(np.linalg.norm(image[-1] - image[0]), rel=1e-12)
    assert path.output_distance * (1 - 1e-12) <= path.length <= path.straight_length * (1 + 1e-9)
    straight = last_layer(small_run, a + np.linspace(0, 1, 4097)[:, None] * (b - a))
    assert path.straight_length == pytest.approx(np.linalg.norm(np.diff(straight, axis=0), axis=1).sum(), rel=1e-3)
    if path.method == "lift":
        chord = path.output_distance
        assert distance_from_line(image, image[0], image[-1]).max() <= 1e-9 * chord
        np.testing.assert_allclose(np.linalg.norm(np.diff(image, axis=0), axis=1), chord / 23, rtol=1e-8)
        assert path.length == pytest.approx(chord, rel=1e-12)


@pytest.mark.parametrize("scheme", ["c1", "c2"])
def test_residual_nets_lift_to_a_continuous_geodesic(scheme):
    """The tiny c1 and c2 nets are unfolded along their arms: the chord lifts, and the lift is a continuous
    curve: the polyline through 400 of its points, measured along its segments, is within 0.2% of the chord
    (a jump across a fold would add a detour). The energy method, started straight, agrees within 1%."""
    run = _small_run(scheme)
    a, b = far_pair(run, 0)
    dense = shortest_path(run, a, b, points=400)
    assert dense.method == "lift"
    segments = last_layer(run, subdivide(dense.points, 16))
    polyline = np.linalg.norm(np.diff(segments, axis=0), axis=1).sum()
    assert dense.output_distance <= polyline <= 1.002 * dense.output_distance
    assert dense.length < 0.97 * dense.straight_length  # the net really bends the straight segment
    energy = shortest_path(run, a, b, points=24, method="energy", max_iterations=400)
    assert energy.method == "energy"
    assert dense.output_distance <= energy.length <= 1.01 * dense.output_distance


def test_start_equal_to_end_is_the_trivial_path(c1_run):
    path = shortest_path(c1_run, (0.3, -0.2), [0.3, -0.2], points=5)
    assert path.method == "trivial"
    np.testing.assert_array_equal(path.points, np.tile([0.3, -0.2], (5, 1)))
    assert path.length == path.straight_length == path.euclidean == path.output_distance == 0.0


@pytest.mark.parametrize("kwargs, fragment", [
    ({"start": (np.nan, 0.0)}, "start must be finite"),
    ({"end": (0.0, np.inf)}, "end must be finite"),
    ({"start": (1.0, 2.0, 3.0)}, "start must be two numbers"),
    ({"end": "ab"}, "end must be two numbers"),
    ({"points": 1}, "points must be an integer >= 2"),
    ({"refine": 0}, "refine must be an integer >= 1"),
    ({"method": "shoot"}, "choose one of: auto, lift, energy"),
    ({"initial": np.zeros((3, 2))}, "initial must be a finite (8, 2) array"),
])
def test_bad_arguments_are_config_errors(c1_run, kwargs, fragment):
    arguments = {"start": (0.0, 0.0), "end": (1.0, 1.0), "points": 8, **kwargs}
    start, end = arguments.pop("start"), arguments.pop("end")
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        shortest_path(c1_run, start, end, **arguments)


def test_lift_that_cannot_reach_the_end_is_an_error(c1_run):
    """A c0 tanh net maps everything into (-1, 1)^2; asking the lift for a path whose ends have the same image
    but are different points (a saturated net maps both far points to one corner) fails with a clear line."""
    big = np.repeat((50.0 * np.eye(2))[None], 2, axis=0)  # saturates at once
    run = with_network(c1_run, scheme="c0", activation="tanh", weight=big, bias=np.zeros((2, 2)))
    with pytest.raises(ConfigError, match="does not lift"):
        shortest_path(run, (1.0, 1.0), (2.0, 2.0), method="lift")


@pytest.fixture(scope="module")
def c1_run_file(c1_run, tmp_path_factory):
    return save_run(c1_run, tmp_path_factory.mktemp("geodesic") / "c1.npz")


def test_cli_json_matches_the_function(c1_run, c1_run_file):
    a, b = far_pair(c1_run, 1)
    result = runner().invoke(main, ["geodesic", str(c1_run_file), "--from", f"{float(a[0])!r},{float(a[1])!r}",
                                    "--to", f"{float(b[0])!r},{float(b[1])!r}", "--points", "12", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    path = shortest_path(c1_run, a, b, points=12)
    np.testing.assert_allclose(printed["points"], path.points, rtol=0, atol=1e-12)
    for key in ("length", "euclidean", "output_distance", "straight_length"):
        assert printed[key] == pytest.approx(getattr(path, key), rel=1e-12)
    assert printed["method"] == path.method == "lift"


def test_cli_prints_the_lengths(c1_run_file):
    result = runner().invoke(main, ["geodesic", str(c1_run_file), "--from", "-3,0", "--to", "3,0.5"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and "found by" in lines[0]
    assert lines[1].split()[:2] == ["Riemannian", "length"]
    assert "output distance" in lines[2] and "Euclidean distance" in lines[3]
    assert float(lines[3].split()[2]) == pytest.approx(np.hypot(6, 0.5), rel=1e-5)


@pytest.mark.parametrize("args, fragment", [
    (["--from", "1;2", "--to", "3,4"], "--from needs X,Y"),
    (["--from", "1,2", "--to", "3,4,5"], "--to needs X,Y"),
    (["--from", "nan,2", "--to", "3,4"], "--from needs finite numbers"),
    (["--from", "1,2", "--to", "3,4", "--points", "1"], "points must be an integer >= 2"),
    (["--from", "1,2", "--to", "3,4", "--method", "shoot"], "unknown geodesic method"),
])
def test_cli_bad_input_is_one_error_line(c1_run_file, args, fragment):
    result = runner().invoke(main, ["geodesic", str(c1_run_file), *args])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and fragment in result.stderr


def test_cli_corrupt_run_is_one_error_line(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = runner().invoke(main, ["geodesic", str(bad), "--from", "0,0", "--to", "1,1"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and "bad.npz" in result.stderr
