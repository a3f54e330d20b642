"""Shortest paths under g_0 = J_L^T J_L: closed forms on identity and linear networks; every reported length
recomputed from the returned points by brute force; global paths against an independent grid search on a net
that folds (where the local method is trapped); the ``riemann-nn geodesic`` command."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from test_cli import runner

from riemann_nn.cli import main
from riemann_nn.config import DatasetConfig, ModelConfig, TrainConfig
from riemann_nn.errors import ConfigError
from riemann_nn.export import build_run
from riemann_nn.geodesic import Geodesic, riemann_length, shortest_path, subdivide
from riemann_nn.network import propagate
from riemann_nn.run import save_run

from conftest import _small_run, assert_finite_shape, small_config


def with_network(base, *, scheme: str, activation: str, weight, bias, dt: float = 1.0):
    """``base`` (a Run) with its layers replaced: enough of a Run for ``shortest_path``."""
    weight, bias = np.asarray(weight, float), np.asarray(bias, float)
    model = {**base.meta["model"], "scheme": scheme, "activation": activation, "depth": len(weight), "dt": dt}
    return dataclasses.replace(base, meta={**base.meta, "model": model}, weight=weight, bias=bias)


def last_layer(run, points: np.ndarray) -> np.ndarray:
    return propagate(run.weight, run.bias, points, scheme=run.scheme, activation=run.activation, dt=run.dt)[-1]


def brute_length(run, points: np.ndarray, pieces: int = 2048) -> float:
    """The reference length of a polyline: every segment split into ``pieces`` equal pieces, mapped, summed."""
    image = last_layer(run, subdivide(np.asarray(points, float), pieces))
    return float(np.linalg.norm(np.diff(image, axis=0), axis=1).sum())


def wiggly(a: np.ndarray, b: np.ndarray, count: int) -> np.ndarray:
    """A path from a to b that is far from straight: a sine bump across the segment, unevenly spaced."""
    s = np.linspace(0.0, 1.0, count) ** 1.5  # (K,)
    normal = np.array([-(b - a)[1], (b - a)[0]])
    return a + s[:, None] * (b - a) + 0.4 * np.sin(3 * np.pi * s)[:, None] * normal  # (K, 2)


def distance_from_line(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances of points (K, 2) from the line through a and b: (K,)."""
    u = (b - a) / np.linalg.norm(b - a)
    return np.abs((points - a) @ np.array([-u[1], u[0]]))


def grid_search_length(run, a: np.ndarray, b: np.ndarray, *, cells: int = 100) -> float:
    """An independent shortest path: Dijkstra on a 32-neighbour grid over the run's input box (each edge's
    image measured in 8 pieces), the ends joined to the nodes within 3.5 cells. Returns the brute-force length
    of the grid path: an upper bound of the shortest length, a few per cent above it (the grid's directions)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    box = np.asarray(run.meta["geometry"]["bounds"], float)
    cell = float((box[1] - box[0]).max()) / cells
    nx, ny = (np.ceil((box[1] - box[0]) / cell).astype(int) + 1).tolist()
    gx, gy = np.meshgrid(box[0, 0] + cell * np.arange(nx), box[0, 1] + cell * np.arange(ny), indexing="ij")
    nodes = np.concatenate([np.stack([gx.ravel(), gy.ravel()], axis=1), [a, b]])  # (N + 2, 2)
    number = np.arange(nx * ny).reshape(nx, ny)
    rows, cols = [], []
    for di in range(4):
        for dj in range(-3, 4):
            if math.gcd(di, dj) == 1 and (di > 0 or dj > 0):
                i, j = np.meshgrid(np.arange(nx - di), np.arange(max(0, -dj), ny - max(0, dj)), indexing="ij")
                rows.append(number[i, j].ravel())
                cols.append(number[i + di, j + dj].ravel())
    for k, end in enumerate((a, b)):
        near = np.nonzero(np.linalg.norm(nodes[:-2] - end, axis=1) <= 3.5 * cell)[0]
        rows.append(np.full(len(near), nx * ny + k))
        cols.append(near)
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    s = np.linspace(0.0, 1.0, 9)[None, :, None]
    image = last_layer(run, nodes[rows][:, None] + s * (nodes[cols] - nodes[rows])[:, None])  # (E, 9, 2)
    weight = np.linalg.norm(np.diff(image, axis=1), axis=2).sum(axis=1) + 1e-300
    graph = coo_matrix((weight, (rows, cols)), shape=(len(nodes),) * 2).tocsr()
    _, predecessor = dijkstra(graph, directed=False, indices=nx * ny, return_predecessors=True)
    route = [nx * ny + 1]
    while route[-1] != nx * ny:
        route.append(int(predecessor[route[-1]]))
    return brute_length(run, nodes[route[::-1]], pieces=64)


A, B = np.array([-1.5, 0.5]), np.array([2.0, -1.0])


# --- closed forms -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def identity_runs(c1_run):
    """Two networks that map every point to itself: c1 with zero layers, c0 with W = I, b = 0, no activation."""
    zeros, eye = np.zeros((3, 2, 2)), np.repeat(np.eye(2)[None], 3, axis=0)
    return [
        with_network(c1_run, scheme="c1", activation="tanh", weight=zeros, bias=np.zeros((3, 2))),
        with_network(c1_run, scheme="c0", activation="identity", weight=eye, bias=np.zeros((3, 2))),
    ]


@pytest.mark.parametrize("which", [0, 1], ids=["c1-zero", "c0-identity"])
def test_identity_network_gives_the_evenly_spaced_segment(identity_runs, which):
    """On an identity network g_0 = I: the lift is the segment, evenly spaced (no point needs inserting), and
    every length is |b - a|."""
    run = identity_runs[which]
    path = shortest_path(run, A, B, points=17)
    assert isinstance(path, Geodesic) and path.method == "lift"
    assert_finite_shape(path.points, (17, 2), "f")
    expected = A + np.linspace(0, 1, 17)[:, None] * (B - A)
    np.testing.assert_allclose(path.points, expected, atol=1e-12)
    euclidean = float(np.hypot(*(B - A)))
    for value in (path.length, path.straight_length, path.euclidean, path.output_distance, path.chord_length):
        assert value == pytest.approx(euclidean, rel=1e-12)


def test_energy_straightens_a_wiggly_path_on_an_identity_network(identity_runs):
    """From a bent, unevenly spaced start, the energy minimiser finds the straight, evenly spaced segment."""
    start = wiggly(A, B, 17)
    path = shortest_path(identity_runs[0], A, B, points=17, method="energy", initial=start)
    assert path.method == "energy"
    np.testing.assert_allclose(path.points, A + np.linspace(0, 1, 17)[:, None] * (B - A), atol=1e-6)
    assert path.length == pytest.approx(np.hypot(*(B - A)), rel=1e-10)


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
@pytest.mark.parametrize("method", ["lift", "energy", "graph"])
def test_linear_network_gives_the_straight_segment(linear_runs, which, method):
    """For x_L = A x + c the geodesic is the straight segment and its length |A (b - a)|, whichever method;
    the energy method starts from a bent path and the graph from a zig-zag, so they have to do the work."""
    run, matrix = linear_runs[which]
    start = wiggly(A, B, 17) if method == "energy" else None
    path = shortest_path(run, A, B, points=17, method=method, initial=start)
    # The refined grid path is the segment to rounding; where rounding makes it a hair longer, the segment
    # itself is returned as "straight".
    assert path.method in ({method, "straight"} if method == "graph" else {method})
    expected = float(np.linalg.norm(matrix @ (B - A)))
    assert path.output_distance == pytest.approx(expected, rel=1e-12)
    assert path.length == pytest.approx(expected, rel=1e-9)
    assert path.straight_length == pytest.approx(expected, rel=1e-12)
    assert path.euclidean == pytest.approx(np.hypot(*(B - A)), rel=1e-12)
    # Straight and evenly spaced: for a linear map even in the last layer is even in the input.
    np.testing.assert_allclose(
        path.points, A + np.linspace(0, 1, 17)[:, None] * (B - A), atol=1e-9 if method == "lift" else 1e-5
    )


def test_riemann_length_closed_forms(identity_runs, linear_runs):
    """On an identity net the length of any polyline is its Euclidean length; on x_L = A x + c it is
    sum |A (p_k+1 - p_k)|; a single point has length 0."""
    polyline = wiggly(A, B, 9)  # (9, 2)
    steps = np.diff(polyline, axis=0)  # (8, 2)
    assert riemann_length(identity_runs[1], polyline) == pytest.approx(np.linalg.norm(steps, axis=1).sum(), rel=1e-12)
    for run, matrix in linear_runs:
        expected = np.linalg.norm(steps @ matrix.T, axis=1).sum()
        assert riemann_length(run, polyline) == pytest.approx(expected, rel=1e-12)
    assert riemann_length(identity_runs[0], A[None]) == 0.0


def test_riemann_length_matches_brute_force(small_run):
    """On every trained net: the adaptive length of a bent polyline across the data agrees with 8192 pieces per
    segment, and is not above it (an inscribed polyline is never longer than a finer one)."""
    a, b = far_pair(small_run, 0)
    polyline = wiggly(a, b, 6)
    ours, reference = riemann_length(small_run, polyline), brute_length(small_run, polyline, pieces=8192)
    assert ours == pytest.approx(reference, rel=1e-6)
    assert ours <= reference * (1 + 1e-12)


@pytest.mark.parametrize("points", [np.zeros((0, 2)), np.zeros((3, 3)), [[0.0, np.nan], [1.0, 1.0]], "ab"])
def test_riemann_length_refuses_bad_points(c1_run, points):
    with pytest.raises(ConfigError, match="points must be a finite"):
        riemann_length(c1_run, points)


# --- honest lengths (issue 9, item 2) -----------------------------------------------------------------------


def far_pair(run, label: int) -> tuple[np.ndarray, np.ndarray]:
    """Two points of one class far apart along the spiral arm: the nearest to the centre and the farthest."""
    points = run.x[0][run.y == label]
    radius = np.linalg.norm(points, axis=1)
    return points[np.argmin(radius)], points[np.argmax(radius)]


@pytest.mark.parametrize("method", ["auto", "graph", "energy"])
@pytest.mark.parametrize("label", [0, 1])
def test_reported_lengths_are_the_returned_paths_own(small_run, label, method):
    """On every trained net and method: ``length`` is the brute-force length of the returned polyline (its
    segments split in 2048) and of nothing else; output distance <= chords <= length <= straight length; the
    polyline is within the tolerance of the curve through its points; the ends are exact."""
    a, b = far_pair(small_run, label)
    path = shortest_path(small_run, a, b, points=24, method=method)
    assert path.points.shape[0] >= 24
    assert_finite_shape(path.points, path.points.shape, "f")
    np.testing.assert_array_equal(path.points[[0, -1]], np.stack([a, b]))
    assert path.length == riemann_length(small_run, path.points)
    assert path.length == pytest.approx(brute_length(small_run, path.points), rel=1e-6)
    image = last_layer(small_run, path.points)  # (K, 2)
    assert path.output_distance == pytest.approx(np.linalg.norm(image[-1] - image[0]), rel=1e-12)
    assert path.chord_length == pytest.approx(np.linalg.norm(np.diff(image, axis=0), axis=1).sum(), rel=1e-12)
    assert path.output_distance * (1 - 1e-12) <= path.chord_length <= path.length * (1 + 1e-12)
    assert path.length <= path.straight_length * (1 + 1e-9)
    assert path.length <= (1 + 0.002) * path.chord_length
    assert path.straight_length == pytest.approx(brute_length(small_run, np.stack([a, b]), pieces=65536), rel=1e-6)


@pytest.mark.parametrize("scheme", ["c1", "c2"])
def test_lift_is_refined_until_its_own_length_is_the_output_distance(scheme):
    """The tiny c1 and c2 nets lift the chord between the ends of an arm. The returned polyline, measured along
    its segments, is within the tolerance of the output distance (the shortest any path can be), and its points
    lie on the lift (their images on the chord). A tighter tolerance inserts more points and shortens the
    polyline; a loose one leaves the 24 points asked for, evenly spaced along the chord, measurably longer."""
    run = _small_run(scheme)
    a, b = far_pair(run, 0)
    paths = [shortest_path(run, a, b, points=24, method="lift", tolerance=t) for t in (0.9, 0.005, 5e-4, 5e-5)]
    for tolerance, path in zip((0.9, 0.005, 5e-4, 5e-5), paths):
        assert path.output_distance <= path.length <= (1 + tolerance) * path.output_distance
        assert path.length == pytest.approx(brute_length(run, path.points), rel=1e-6)
        image = last_layer(run, path.points)
        assert distance_from_line(image, image[0], image[-1]).max() <= 1e-9 * path.output_distance
    counts, lengths = [len(p.points) for p in paths], [p.length for p in paths]
    assert counts[0] == 24 and counts == sorted(counts) and counts[-1] > 24
    assert lengths == sorted(lengths, reverse=True)
    assert lengths[0] - paths[0].output_distance > 10 * (lengths[-1] - paths[0].output_distance)
    assert lengths[-1] < 0.97 * paths[0].straight_length  # the net really bends the straight segment


# --- global paths (issue 9, item 3) -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folding_run():
    """A c2 sigmoid net like seed-c2-sigmoid but smaller (300 points, 10 layers, about a second to train). It
    folds the input: between (-15, 5) and (15, -5) the chord does not lift, and the energy minimised from the
    straight segment stops in a local minimum a fifth longer than the shortest path."""
    config = small_config(
        "c2",
        model=ModelConfig("c2", "sigmoid", depth=10, dt=1.0, init_gain=1e-3),
        training=TrainConfig(iterations=600, lr=0.005, weight_decay=0.05, seed=0),
        dataset=DatasetConfig("spirals", n=300, noise=0.2, seed=0),
    )
    return build_run(config, progress=False)


FOLD_A, FOLD_B = np.array([-15.0, 5.0]), np.array([15.0, -5.0])


def test_global_path_on_a_folding_net_beats_the_local_minimum(folding_run):
    """The default finds a path within 1 % of (in fact below) an independent 32-neighbour grid search's and far
    shorter than the local method's; each length is that of its own returned polyline."""
    with pytest.raises(ConfigError, match="does not lift"):
        shortest_path(folding_run, FOLD_A, FOLD_B, method="lift")
    found = shortest_path(folding_run, FOLD_A, FOLD_B, points=24)
    # Only the local minimum's basin matters here: a loose tolerance spares refining it.
    local = shortest_path(folding_run, FOLD_A, FOLD_B, points=24, method="energy", tolerance=0.05)
    reference = grid_search_length(folding_run, FOLD_A, FOLD_B, cells=70)
    assert found.method == "graph" and local.method == "energy"
    assert found.output_distance <= found.length <= 1.01 * reference
    assert reference < 0.9 * local.length  # the trap is real: the local minimum is not the shortest path
    assert found.length < local.length
    for path in (found, local):
        assert path.length == pytest.approx(brute_length(folding_run, path.points), rel=1e-6)


@pytest.mark.parametrize("label", [0, 1])
def test_graph_search_matches_an_independent_grid_search(small_run, label):
    """On every tiny trained net, across its data: no longer than 1.01 times an independent grid path."""
    x = small_run.x[0]
    a, b = (x[np.argmin(x[:, 0])], x[np.argmax(x[:, 0])]) if label == 0 else far_pair(small_run, 1)
    found = shortest_path(small_run, a, b, points=16, method="graph")
    assert found.output_distance <= found.length <= 1.01 * grid_search_length(small_run, a, b, cells=60)


# --- edge cases and errors ----------------------------------------------------------------------------------


def test_start_equal_to_end_is_the_trivial_path(c1_run):
    path = shortest_path(c1_run, (0.3, -0.2), [0.3, -0.2], points=5)
    assert path.method == "trivial"
    np.testing.assert_array_equal(path.points, np.tile([0.3, -0.2], (5, 1)))
    assert path.length == path.straight_length == path.euclidean == path.output_distance == 0.0


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"start": (np.nan, 0.0)}, "start must be finite"),
        ({"end": (0.0, np.inf)}, "end must be finite"),
        ({"start": (1.0, 2.0, 3.0)}, "start must be two numbers"),
        ({"end": "ab"}, "end must be two numbers"),
        ({"points": 1}, "points must be an integer >= 2"),
        ({"points": True}, "points must be an integer >= 2"),
        ({"refine": 0}, "refine must be an integer >= 1"),
        ({"max_iterations": 0}, "max_iterations must be an integer >= 1"),
        ({"max_points": 4}, "max_points must be an integer >= 8"),
        ({"tolerance": 0.0}, "tolerance must be a number in (0, 1)"),
        ({"tolerance": "0.1"}, "tolerance must be a number in (0, 1)"),
        ({"method": "shoot"}, "choose one of: auto, lift, graph, energy"),
        ({"method": "energy", "initial": np.zeros((3, 2))}, "initial must be a finite (8, 2) array"),
        ({"initial": np.zeros((8, 2))}, "use it with method='energy'"),
    ],
)
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
def overflowing_run(c1_run):
    """A linear c0 net whose output overflows to infinity for inputs of order one."""
    huge = np.repeat((1e200 * np.eye(2))[None], c1_run.depth, axis=0)  # the run's depth: it must save and load
    return with_network(c1_run, scheme="c0", activation="identity", weight=huge, bias=np.zeros((c1_run.depth, 2)))


def test_network_output_that_overflows_is_an_error(overflowing_run):
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(ConfigError, match="not finite"):
        shortest_path(overflowing_run, (0.5, 0.5), (1.0, 1.0))


# --- the command --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def c1_run_file(c1_run, tmp_path_factory):
    return save_run(c1_run, tmp_path_factory.mktemp("geodesic") / "c1.npz")


def test_cli_json_matches_the_function(c1_run, c1_run_file):
    a, b = far_pair(c1_run, 1)
    result = runner().invoke(
        main,
        [
            "geodesic",
            str(c1_run_file),
            "--from",
            f"{float(a[0])!r},{float(a[1])!r}",
            "--to",
            f"{float(b[0])!r},{float(b[1])!r}",
            "--points",
            "12",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    path = shortest_path(c1_run, a, b, points=12)
    np.testing.assert_allclose(printed["points"], path.points, rtol=0, atol=1e-12)
    for key in ("length", "euclidean", "output_distance", "straight_length", "chord_length"):
        assert printed[key] == pytest.approx(getattr(path, key), rel=1e-12)
    assert printed["method"] == path.method == "lift"
    assert printed["length"] == pytest.approx(brute_length(c1_run, np.array(printed["points"])), rel=1e-6)


def test_cli_prints_the_lengths(c1_run_file):
    result = runner().invoke(main, ["geodesic", str(c1_run_file), "--from", "-3,0", "--to", "3,0.5"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and "found by" in lines[0] and " points, " in lines[0]
    assert lines[1].split()[:2] == ["Riemannian", "length"]
    assert "output distance" in lines[2] and "Euclidean distance" in lines[3]
    assert float(lines[3].split()[2]) == pytest.approx(np.hypot(6, 0.5), rel=1e-5)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--from", "1;2", "--to", "3,4"], "--from needs X,Y"),
        (["--from", "1,2", "--to", "3,4,5"], "--to needs X,Y"),
        (["--from", "nan,2", "--to", "3,4"], "--from needs finite numbers"),
        (["--from", "1,2", "--to", "3,4", "--points", "1"], "points must be an integer >= 2"),
        (["--from", "1,2", "--to", "3,4", "--method", "shoot"], "unknown geodesic method"),
    ],
)
def test_cli_bad_input_is_one_error_line(c1_run_file, args, fragment):
    result = runner().invoke(main, ["geodesic", str(c1_run_file), *args])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and fragment in result.stderr


def test_cli_overflowing_network_is_one_error_line_not_nan(overflowing_run, tmp_path):
    """Lengths that would be infinite or NaN are never printed, as JSON or text: one error line instead."""
    run_file = save_run(overflowing_run, tmp_path / "huge.npz")
    for extra in ([], ["--json"]):
        with np.errstate(over="ignore", invalid="ignore"):
            result = runner().invoke(main, ["geodesic", str(run_file), "--from", "0.5,0.5", "--to", "1,1", *extra])
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and "not finite" in result.stderr


def test_cli_corrupt_run_is_one_error_line(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = runner().invoke(main, ["geodesic", str(bad), "--from", "0,0", "--to", "1,1"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and "bad.npz" in result.stderr
