"""Width-3 networks (the input (x, y) enters as (x, y, 0)): coordinates against a plain numpy loop, 3x3 chart
Jacobians and their 3x2 restriction to the input plane against finite differences, metrics and glyphs against
independent formulas (``np.linalg.inv``, ``eigvalsh`` of the glyph's shape matrix), the layer paths, the Run file
(version 2, and version-1 files still read), and every refusal of what only draws the plane."""

from __future__ import annotations

import functools
import json
import re

import numpy as np
import pytest
import torch

from riemann_nn import metric
from riemann_nn.config import DatasetConfig, GeometryConfig, ModelConfig, RunConfig, TrainConfig
from riemann_nn.errors import ConfigError, RunFileError
from riemann_nn.export import build_run
from riemann_nn.interpolate import LayerMotion
from riemann_nn.model import Width2Net
from riemann_nn.network import chart_jacobians, lift, propagate, residual_lipschitz
from riemann_nn.run import ARRAY_KEYS, load_run, save_run

from conftest import assert_finite_shape, reference_layers

SCHEMES = ["c0", "c1", "c2"]
ACTS = {"tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "softplus": lambda z: np.log1p(np.exp(z))}
MODELS = {
    "c0": ModelConfig("c0", "tanh", depth=3, init_gain=1.0, width=3),
    "c1": ModelConfig("c1", "tanh", depth=4, dt=0.5, init_gain=1e-3, width=3, step_lipschitz=0.4),
    "c2": ModelConfig("c2", "sigmoid", depth=4, dt=0.7, init_gain=1e-3, width=3),
}


def random_net(depth: int, seed: int, width: int = 3):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 0.9, (depth, width, width)), rng.normal(0, 0.5, (depth, width)), rng.normal(0, 1.2, (11, 2))


@functools.cache
def tiny_run(scheme: str):
    return build_run(
        RunConfig(
            name=f"w3-{scheme}",
            dataset=DatasetConfig("rings", n=200, noise=0.02, seed=0),
            model=MODELS[scheme],
            training=TrainConfig(iterations=60, lr=0.02, weight_decay=0.0, seed=0),
            geometry=GeometryConfig(sites_per_side=5, grid_lines=4, grid_samples=9),
        ),
        progress=False,
    )


@pytest.fixture(scope="module", params=SCHEMES)
def run3(request):
    return tiny_run(request.param)


def forward(run, points):
    """The file's network on input points (N, 2), written out: lift to (x, y, 0), then the plain loop."""
    lifted = np.concatenate([points, np.zeros((len(points), 1))], axis=1)
    model = run.meta["model"]
    return reference_layers(
        run.weight, run.bias, lifted, scheme=model["scheme"], act=ACTS[model["activation"]], dt=model["dt"]
    )


def finite_difference_jacobian(function, points, h=1e-6):
    """Central differences of ``function`` (K, p) -> (..., K, q) at ``points``: (..., K, q, p)."""
    columns = []
    for j in range(points.shape[-1]):
        step = np.zeros(points.shape[-1])
        step[j] = h
        columns.append((function(points + step) - function(points - step)) / (2 * h))
    return np.stack(columns, axis=-1)


# ---- the arithmetic ---------------------------------------------------------------------------------------


def test_lift_appends_a_zero_coordinate_for_numpy_and_torch():
    """Width 3 lifts (x, y) to (x, y, 0) for numpy and torch alike; width 2 returns the very same object."""
    points = np.random.default_rng(0).normal(size=(4, 5, 2))
    lifted = lift(points, 3)
    assert_finite_shape(lifted, (4, 5, 3), "f")
    np.testing.assert_array_equal(lifted[..., :2], points)
    assert (lifted[..., 2] == 0).all()
    tensor = torch.tensor(points)
    np.testing.assert_array_equal(lift(tensor, 3).numpy(), lifted)
    assert lift(points, 2) is points and lift(tensor, 2) is tensor


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", sorted(ACTS))
def test_width3_propagate_matches_the_plain_loop(scheme, name):
    """numpy and torch ``propagate`` of 3x3 layers equal the per-point loop on lifted inputs."""
    weight, bias, x0 = random_net(4, seed=SCHEMES.index(scheme))
    expected = reference_layers(weight, bias, lift(x0, 3), scheme=scheme, act=ACTS[name], dt=0.6)
    got = propagate(weight, bias, lift(x0, 3), scheme=scheme, activation=name, dt=0.6)
    assert_finite_shape(got, (5, 11, 3), "f")
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    twin = propagate(
        torch.tensor(weight), torch.tensor(bias), lift(torch.tensor(x0), 3), scheme=scheme, activation=name, dt=0.6
    )
    np.testing.assert_allclose(twin.numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_3x3_chart_jacobians_and_their_plane_restriction_against_finite_differences(scheme):
    """``chart_jacobians`` at lifted sites: the 3x3 J_l equals central differences of the 3-D map at points off
    the plane too, and J_l[..., :2] equals central differences of the map from the input plane, x0 -> x_l(x0, y0, 0).
    J_0 = I exactly."""
    weight, bias, x0 = random_net(4, seed=7 + SCHEMES.index(scheme))
    kwargs = dict(scheme=scheme, activation="tanh", dt=0.6)
    sites = lift(x0, 3)  # (K, 3)
    jac = chart_jacobians(weight, bias, sites, **kwargs)
    assert_finite_shape(jac, (5, 11, 3, 3), "f")
    np.testing.assert_array_equal(jac[0], np.broadcast_to(np.eye(3), (11, 3, 3)))
    space = finite_difference_jacobian(lambda p: propagate(weight, bias, p, **kwargs), sites)  # (L+1, K, 3, 3)
    np.testing.assert_allclose(jac, space, rtol=1e-6, atol=1e-7)
    plane = finite_difference_jacobian(lambda p: propagate(weight, bias, lift(p, 3), **kwargs), x0)  # (.., 3, 2)
    np.testing.assert_allclose(metric.in_plane(jac), plane, rtol=1e-6, atol=1e-7)
    off_plane = sites + np.array([0.0, 0.0, 0.4])  # the 3-D map is differentiated everywhere, not just on z = 0
    np.testing.assert_allclose(
        chart_jacobians(weight, bias, off_plane, **kwargs),
        finite_difference_jacobian(lambda p: propagate(weight, bias, p, **kwargs), off_plane),
        rtol=1e-6,
        atol=1e-7,
    )


def test_width3_chart_jacobians_equal_torch_autograd():
    """The last chart's 3x2 restriction equals torch's Jacobian of the trained module's last layer w.r.t. (x, y)."""
    net = Width2Net(ModelConfig("c2", "softplus", depth=3, dt=0.5, init_gain=1.0, width=3), seed=4)
    x0 = torch.tensor(np.random.default_rng(3).normal(size=(6, 2)))
    auto = torch.func.vmap(torch.func.jacrev(lambda p: net.layers(p[None])[-1, 0]))(x0)  # (6, 3, 2)
    ours = chart_jacobians(
        net.weight.detach().numpy(),
        net.bias.detach().numpy(),
        lift(x0.numpy(), 3),
        scheme="c2",
        activation="softplus",
        dt=0.5,
    )[-1]
    np.testing.assert_allclose(ours[..., :2], auto.detach().numpy(), rtol=1e-12, atol=1e-13)


# ---- invertible steps: spectral normalisation --------------------------------------------------------------


@pytest.mark.parametrize("width", [2, 3])
def test_step_lipschitz_bounds_every_step_and_leaves_small_weights_alone(width):
    """With step_lipschitz c, every layer's dt Lip(act) ||W_l||_2 is at most c (equal where the raw weight was
    larger, the raw weight untouched where it was smaller), measured by numpy's 2-norm."""
    config = ModelConfig("c1", "sigmoid", depth=6, dt=2.0, init_gain=0.6, width=width, step_lipschitz=0.3)
    net = Width2Net(config, seed=1)
    raw = net.weight.detach().numpy()
    used = net.layer_weights().detach().numpy()
    raw_bound = 2.0 * 0.25 * np.linalg.norm(raw, ord=2, axis=(1, 2))
    bound = residual_lipschitz(used, activation="sigmoid", dt=2.0)
    assert (raw_bound > 0.3).any() and (raw_bound < 0.3).any(), "the example must mix both kinds of layer"
    np.testing.assert_allclose(bound, np.minimum(raw_bound, 0.3), rtol=1e-12)
    np.testing.assert_array_equal(used[raw_bound < 0.3], raw[raw_bound < 0.3])


def test_unconstrained_model_uses_its_parameters_themselves():
    """Without step_lipschitz the layers use the parameter tensor itself (width-2 results stay bit for bit)."""
    net = Width2Net(ModelConfig("c1", "tanh", depth=3), seed=0)
    assert net.layer_weights() is net.weight


def test_a_step_below_lipschitz_one_is_inverted_by_its_fixed_point():
    """The claim behind 'invertible': with dt Lip ||W|| = 0.8 < 1, x = y - dt f(x) is a contraction whose fixed
    point recovers every x from its image y = x + dt f(x), and distinct points have distinct images."""
    rng = np.random.default_rng(5)
    w = rng.normal(size=(3, 3))
    w *= 0.8 / (0.5 * np.linalg.norm(w, ord=2))  # dt = 0.5, Lip(tanh) = 1
    b = rng.normal(size=3)
    x = rng.normal(size=(500, 3)) * 2
    y = x + 0.5 * np.tanh(x @ w.T + b)
    guess = y.copy()
    for _ in range(200):
        guess = y - 0.5 * np.tanh(guess @ w.T + b)
    np.testing.assert_allclose(guess, x, atol=1e-12)
    assert residual_lipschitz(w[None], activation="tanh", dt=0.5)[0] == pytest.approx(0.8)


# ---- a width-3 Run -----------------------------------------------------------------------------------------


def test_run_shapes_and_the_input_plane(run3):
    """Coordinates of 3-space, 3x3 Jacobians and metrics, layer 0 on the plane z = 0, the width in meta."""
    depth, n, m = run3.depth, len(run3.y), run3.sites.shape[1]
    assert run3.width == 3 and run3.meta["model"]["width"] == 3
    assert_finite_shape(run3.x, (depth + 1, n, 3), "f")
    assert_finite_shape(run3.grid, (depth + 1, sum(run3.meta["geometry"]["grid_counts"]), 9, 3), "f")
    assert_finite_shape(run3.jacobian, (depth + 1, m, 3, 3), "f")
    assert_finite_shape(run3.metric, (depth + 1, m, 3, 3), "f")
    assert_finite_shape(run3.ellipse, (depth + 1, m, 3), "f")
    assert run3.weight.shape == (depth, 3, 3) and run3.head_weight.shape == (3,)
    for key in ("x", "grid", "sites", "boundary"):
        assert (getattr(run3, key)[0][..., 2] == 0).all(), key


def test_run_coordinates_equal_the_plain_numpy_forward_pass(run3):
    """x, sites, grid and boundary in every layer follow from the file's weights and the 2-D input alone."""
    np.testing.assert_allclose(run3.x, forward(run3, run3.x[0, :, :2]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(run3.sites, forward(run3, run3.sites[0, :, :2]), rtol=1e-12, atol=1e-12)
    grid = run3.grid[0, ..., :2].reshape(-1, 2)
    np.testing.assert_allclose(run3.grid.reshape(run3.depth + 1, -1, 3), forward(run3, grid), rtol=1e-12, atol=1e-12)
    logits = run3.logits(forward(run3, run3.boundary[0, :, :2])[-1])  # the boundary is logit = 0
    assert np.abs(logits).max() < 1e-6 * max(1.0, np.abs(run3.logits(run3.x[-1])).max())
    accuracy = ((run3.logits(run3.x[-1]) > 0) == (run3.y == 1)).mean()
    assert accuracy == pytest.approx(run3.meta["training"]["accuracy"])


def test_run_jacobians_against_finite_differences_of_the_plain_forward_pass(run3):
    """The stored J_l restricted to the plane is the derivative of x0 -> x_l(x0, y0, 0) (plain numpy)."""
    sites = run3.sites[0, :, :2]
    plane = finite_difference_jacobian(lambda p: forward(run3, p), sites)  # (L+1, M, 3, 2)
    scale = max(1.0, np.abs(plane).max())
    np.testing.assert_allclose(run3.jacobian[..., :2], plane, atol=1e-6 * scale)


def test_run_metrics_are_the_pullback_in_every_layer(run3):
    """g_l = M_l^T M_l with M_l = J_L J_l^{-1} (np.linalg.inv), g_L = I, and the input plane's metric, the top-left
    block of g_0, is (J_L P)^T (J_L P) from finite differences of the plain forward pass."""
    inverse = np.linalg.inv(run3.jacobian)  # (L+1, M, 3, 3)
    factor = np.einsum("mij,lmjk->lmik", run3.jacobian[-1], inverse)
    expected = np.einsum("lmki,lmkj->lmij", factor, factor)
    scale = np.abs(expected).max(axis=(-1, -2), keepdims=True)
    np.testing.assert_allclose(run3.metric / scale, expected / scale, atol=1e-9)
    np.testing.assert_array_equal(run3.metric[-1], np.broadcast_to(np.eye(3), run3.metric[-1].shape))
    plane = finite_difference_jacobian(lambda p: forward(run3, p)[-1], run3.sites[0, :, :2])  # (M, 3, 2)
    g_plane = np.einsum("mki,mkj->mij", plane, plane)
    np.testing.assert_allclose(run3.metric[0, :, :2, :2], g_plane, rtol=1e-5, atol=1e-8 * np.abs(g_plane).max())
    np.testing.assert_allclose(
        metric.plane_metric(run3.jacobian), run3.metric[0, :, :2, :2], rtol=1e-9, atol=1e-12 * np.abs(g_plane).max()
    )


def glyph_shape(run, layer):
    """The shape matrix s^2 B G^{-1} B^T (M, 3, 3) of the input glyph {w : w^T G w <= s^2} carried to layer
    ``layer`` by B = J_l P, with G the input plane's metric: its nonzero eigenvalues are the squared semi-axes."""
    g_plane = run.metric[0, :, :2, :2]
    b = run.jacobian[layer][..., :2]  # (M, 3, 2)
    s = run.meta["ellipse"]["scale"]
    return s**2 * np.einsum("mij,mjk,mlk->mil", b, np.linalg.inv(g_plane), b)


def test_exported_ellipses_are_the_input_glyphs_carried_to_every_layer(run3):
    """major, minor: square roots of the two nonzero eigenvalues of the glyph's shape matrix (clipped to max_axis);
    at layer 0 the angle is the input glyph's major axis, the eigenvector of G's smallest eigenvalue."""
    max_axis = np.asarray(run3.meta["ellipse"]["max_axis"])
    for layer in range(run3.depth + 1):
        eigen = np.linalg.eigvalsh(glyph_shape(run3, layer))  # (M, 3) ascending; the first is 0
        major, minor = np.sqrt(eigen[:, 2]), np.sqrt(eigen[:, 1])
        np.testing.assert_allclose(run3.ellipse[layer, :, 0], np.minimum(major, max_axis[layer]), rtol=1e-7)
        np.testing.assert_allclose(run3.ellipse[layer, :, 1], np.minimum(minor, max_axis[layer]), rtol=1e-7)
        np.testing.assert_array_equal(run3.clipped[layer], major > max_axis[layer])
    lam, q = np.linalg.eigh(run3.metric[0, :, :2, :2])
    angle = np.arctan2(q[:, 1, 0], q[:, 0, 0])
    distinct = lam[:, 1] > lam[:, 0] * (1 + 1e-6)
    difference = np.angle(np.exp(2j * (run3.ellipse[0, distinct, 2] - angle[distinct]))) / 2  # modulo pi
    np.testing.assert_allclose(difference, 0, atol=1e-6)
    assert not run3.unbounded.any()


def test_glyphs_move_with_the_points_and_are_circles_of_radius_s_at_the_last_layer(run3):
    """LayerMotion's glyph maps E (M, 3, 2) at t = l draw the carried glyph (E E^T = the shape matrix); M_l maps
    them onto circles of radius s at the last layer; between layers, points and glyph centres agree and the
    interpolated Jacobian is the derivative of the interpolated map."""
    motion = LayerMotion(run3)
    s = run3.meta["ellipse"]["scale"]
    inverse = np.linalg.inv(run3.jacobian)
    for layer in range(run3.depth + 1):
        centres, maps, clipped = motion.glyphs(float(layer))
        np.testing.assert_allclose(centres, run3.sites[layer], atol=1e-12)
        shape = glyph_shape(run3, layer)
        np.testing.assert_allclose(
            np.einsum("mij,mkj->mik", maps[~clipped], maps[~clipped]), shape[~clipped], atol=1e-9 * np.abs(shape).max()
        )
        to_last = np.einsum("mij,mjk,mkl->mil", run3.jacobian[-1], inverse[layer], maps)  # M_l E: (M, 3, 2)
        np.testing.assert_allclose(
            np.einsum("mki,mkj->mij", to_last, to_last)[~clipped],
            np.broadcast_to(s**2 * np.eye(2), (int((~clipped).sum()), 2, 2)),
            atol=1e-8 * s**2,
        )
    t = 0.37 * run3.depth
    np.testing.assert_allclose(motion.glyphs(t)[0], motion.sites(t), atol=1e-12)
    moved = finite_difference_jacobian(lambda p: motion.at(forward(run3, p), t), run3.sites[0, :, :2])
    np.testing.assert_allclose(motion.jacobian(t)[..., :2], moved, atol=1e-6 * max(1.0, np.abs(moved).max()))


def test_staged_c0_path_in_3_space():
    """The staged path of a width-3 c0 run: a third of the way through layer l the points are W_l x_l (the linear
    stage), at the layer's end exactly x_{l+1}; its Jacobian is the derivative of the staged positions."""
    run = tiny_run("c0")
    motion = LayerMotion(run, method="staged")
    for layer in range(run.depth):
        np.testing.assert_allclose(motion.at(run.x, layer + 1 / 3), run.x[layer] @ run.weight[layer].T, atol=1e-12)
        np.testing.assert_allclose(motion.at(run.x, layer + 1.0), run.x[layer + 1], atol=1e-12)
    t = 1.83  # in the activation stage of layer 1
    moved = finite_difference_jacobian(lambda p: motion.at(forward(run, p), t), run.sites[0, :, :2])
    np.testing.assert_allclose(motion.jacobian(t)[..., :2], moved, atol=1e-6 * max(1.0, np.abs(moved).max()))


def test_c1_meta_reports_the_enforced_step_bound():
    """A c1 run records dt Lip(act) ||W_l||_2 per layer (from its own weights), all within step_lipschitz."""
    run = tiny_run("c1")
    bounds = np.asarray(run.meta["model"]["residual_lipschitz"])
    np.testing.assert_allclose(bounds, 0.5 * np.linalg.norm(run.weight, ord=2, axis=(1, 2)), rtol=1e-12)
    assert bounds.max() <= 0.4 * (1 + 1e-12) and run.meta["model"]["step_lipschitz"] == 0.4


# ---- the Run file ----------------------------------------------------------------------------------------


def raw_arrays(run) -> dict:
    out = {key: np.asarray(getattr(run, key)) for key in ARRAY_KEYS}
    out["meta"] = np.array(json.dumps(run.meta))
    return out


def test_width3_run_file_round_trip(tmp_path):
    """save then load keeps every array of a width-3 run bit for bit, as version 2."""
    run = tiny_run("c2")
    loaded = load_run(save_run(run, tmp_path / "w3.npz"))
    assert loaded.meta["version"] == 2 and loaded.width == 3
    for key in ARRAY_KEYS:
        np.testing.assert_array_equal(getattr(loaded, key), getattr(run, key))


def test_version_1_files_still_read(c1_run, tmp_path):
    """A width-2 file written as version 1 (no width in meta) loads, with width 2 and the same arrays."""
    meta = json.loads(json.dumps(c1_run.meta))
    meta["version"] = 1
    for key in ("width", "residual_lipschitz"):
        meta["model"].pop(key, None)
    arrays = raw_arrays(c1_run)
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "v1.npz", **arrays)
    loaded = load_run(tmp_path / "v1.npz")
    assert loaded.width == 2
    np.testing.assert_array_equal(loaded.x, c1_run.x)


def _edited(run, tmp_path, edit_meta=None, edit_arrays=None):
    meta = json.loads(json.dumps(run.meta))
    arrays = raw_arrays(run)
    if edit_meta:
        edit_meta(meta)
    if edit_arrays:
        edit_arrays(arrays)
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "bad.npz", **arrays)
    return tmp_path / "bad.npz"


def _shift_off_plane(arrays):
    arrays["x"] = arrays["x"].copy()
    arrays["x"][0, 3, 2] = 1e-9


@pytest.mark.parametrize(
    "edit_meta, edit_arrays, fragment",
    [
        (lambda m: m.update(version=1), None, "version-1 Run file holds a width-2 network"),
        (lambda m: m["model"].update(width=2), None, "meta.model.width is 2"),
        (lambda m: m["model"].pop("width"), None, "meta.model.width is 2"),
        (None, _shift_off_plane, "leaves the input plane"),
        (None, lambda a: a.update(weight=a["weight"][..., :2]), re.escape("expected (L, 2, 2) or (L, 3, 3)")),
        (None, lambda a: a.update(x=a["x"][..., :2]), "key 'x' has shape"),
        (lambda m: m["model"].update(residual_lipschitz=[0.1]), None, "residual_lipschitz holds 1 bounds"),
    ],
)
def test_width3_run_files_that_disagree_are_refused(tmp_path, edit_meta, edit_arrays, fragment):
    """A version-1 file of width 3, a width in meta that disagrees with the arrays, an input layer off the plane
    z = 0, arrays of mixed widths or per-layer bounds of the wrong count: one RunFileError naming it."""
    run = tiny_run("c1")
    with pytest.raises(RunFileError, match=fragment):
        load_run(_edited(run, tmp_path, edit_meta, edit_arrays))


# ---- what only draws the plane refuses width 3 in one line ---------------------------------------------


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(width=4), "width must be 2 or 3"),
        (dict(width=3.0), "width must be 2 or 3"),
        (dict(width=True), "width must be 2 or 3"),
        (dict(scheme="c0", step_lipschitz=0.5), "c1 steps"),
        (dict(step_lipschitz=1.0), "step_lipschitz"),
        (dict(step_lipschitz=0.0), "step_lipschitz"),
    ],
)
def test_model_config_refuses_bad_widths_and_bounds(kwargs, fragment):
    with pytest.raises(ConfigError, match=fragment):
        ModelConfig(**kwargs)


def test_stretch_glyphs_are_refused_for_width_3_before_training(monkeypatch):
    """The stretch convention draws the plane only: build_run refuses it for width 3 before training, and
    LayerMotion refuses a width-3 file that claims it."""
    import riemann_nn.train

    monkeypatch.setattr(riemann_nn.train, "train", lambda *a, **k: pytest.fail("trained"))
    config = RunConfig(model=ModelConfig(width=3), geometry=GeometryConfig(convention="stretch"))
    with pytest.raises(ConfigError, match="indicatrix glyphs only"):
        build_run(config, progress=False)
    run = tiny_run("c1")
    stretched = type(run)(
        **{**run.__dict__, "meta": {**run.meta, "ellipse": {**run.meta["ellipse"], "convention": "stretch"}}}
    )
    with pytest.raises(ConfigError, match="indicatrix glyphs only"):
        LayerMotion(stretched)


def test_sheet_and_plane_scenes_refuse_width_3(monkeypatch, tmp_path):
    """The sheet and the plane scenes' ``scene_run`` refuse a width-3 run in one line that says where to look."""
    from riemann_nn.render.colour import current_theme
    from riemann_nn.render.sheet import build_sheet
    from riemann_nn.render.story import scene_run

    run = tiny_run("c1")
    with pytest.raises(ConfigError, match="the sheet shows width-2 networks; w3-c1 has width 3"):
        build_sheet(run, theme=current_theme("dark"))
    path = save_run(run, tmp_path / "w3.npz")
    monkeypatch.setenv("RIEMANN_NN_RUN", str(path))
    with pytest.raises(SystemExit, match=r"this scene shows width-2 networks.*scenes/space\.py"):
        scene_run()
    assert scene_run(widths=(3,)).width == 3


# ---- the command line -------------------------------------------------------------------------------------


def test_cli_trains_width_3_and_info_reports_z_and_the_steps(tmp_path):
    """``train --width 3 --step-lipschitz`` writes a width-3 run; ``info`` shows the z range of every layer, the
    step bounds (every step invertible) and the orientation of J_L at the sites."""
    from click.testing import CliRunner

    from riemann_nn.cli import main

    path = tmp_path / "w3.npz"
    result = CliRunner().invoke(
        main,
        [
            "train",
            "--dataset",
            "rings",
            "--n",
            "100",
            "--width",
            "3",
            "--depth",
            "2",
            "--dt",
            "0.5",
            "--step-lipschitz",
            "0.5",
            "--iterations",
            "5",
            "--quiet",
            "-o",
            str(path),
        ],
    )
    assert result.exit_code == 0, result.output
    run = load_run(path)
    assert run.width == 3 and run.x.shape == (3, 100, 3)
    info = CliRunner().invoke(main, ["info", str(path)])
    assert info.exit_code == 0, info.output
    assert "width 3  (input (x, y) as (x, y, 0))" in info.output and "z range" in info.output
    bound = max(run.meta["model"]["residual_lipschitz"])
    assert f"up to {bound:.3g}, enforced <= 0.5: every step invertible" in info.output
    rows = [line.split() for line in info.output.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 3 and rows[0][7:10] == ["[", "0,", "0]"]  # the input layer's z range is [0, 0]
    negative = int((np.linalg.det(run.jacobian[-1]) < 0).sum())
    assert ("no fold seen" in info.output) == (negative in (0, run.jacobian.shape[1]))


@pytest.mark.parametrize(
    "arguments, fragment",
    [
        (["train", "--width", "4"], "width must be 2 or 3"),
        (["train", "--scheme", "c2", "--step-lipschitz", "0.5"], "c1 steps"),
        (["train", "--width", "3", "--convention", "stretch"], "indicatrix glyphs only"),
    ],
)
def test_cli_refuses_bad_widths_in_one_line(tmp_path, arguments, fragment):
    from click.testing import CliRunner

    from riemann_nn.cli import main

    result = CliRunner().invoke(main, [*arguments, "--quiet", "-o", str(tmp_path / "never.npz")])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.output
    assert not (tmp_path / "never.npz").exists()


@pytest.mark.parametrize(
    "command, fragment",
    [
        (["geodesic", "--from", "0,0", "--to", "1,0"], "geodesic shows width-2 networks; w3-c1 has width 3"),
        (["sheet", "-o", "SHEET"], "the sheet shows width-2 networks; w3-c1 has width 3"),
    ],
)
def test_cli_plane_commands_refuse_width_3_in_one_line(tmp_path, command, fragment):
    from click.testing import CliRunner

    from riemann_nn.cli import main

    path = save_run(tiny_run("c1"), tmp_path / "w3.npz")
    sheet = tmp_path / "sheet.png"
    arguments = [command[0], str(path), *[str(sheet) if part == "SHEET" else part for part in command[1:]]]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.output
    assert not sheet.exists()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_standardisation_folds_into_a_width_3_net(scheme):
    """With inputs lifted to (x, y, 0), the standardisation's mean is (mx, my, 0): the folded width-3 net on the
    lifted data equals the trained net on the lifted standardised data, read in data coordinates, same logits."""
    from riemann_nn.standardize import Standardization

    rng = np.random.default_rng(8)
    weight, bias = rng.normal(size=(3, 3, 3)), rng.normal(size=(3, 3))
    head_weight, head_bias = rng.normal(size=3), np.array(-0.2)
    x = rng.normal(size=(40, 2)) * 300.0 + np.array([-2e3, 5e2])
    standard = Standardization.of(x)
    w2, b2, hw2, hb2, dt2 = standard.to_data_units(weight, bias, head_weight, head_bias, scheme=scheme, dt=0.6)
    trained = reference_layers(weight, bias, lift(standard.apply(x), 3), scheme=scheme, act=np.tanh, dt=0.6)
    shown = reference_layers(w2, b2, lift(x, 3), scheme=scheme, act=np.tanh, dt=dt2)
    lifted_mean = np.append(standard.mean, 0.0)
    expected = (
        np.concatenate([lift(x, 3)[None], trained[1:]]) if scheme == "c0" else standard.scale * trained + lifted_mean
    )
    np.testing.assert_allclose(shown, expected, rtol=1e-10, atol=1e-10 * np.abs(expected).max())
    np.testing.assert_allclose(shown[-1] @ hw2 + hb2, trained[-1] @ head_weight + head_bias, rtol=1e-9, atol=1e-9)


def test_width_3_checkpoints_keep_the_weights_the_layers_use():
    """With step_lipschitz and checkpoints, the snapshots hold the spectrally normalised weights (so the last
    equals the Run's and the file validates), and the network at the last checkpoint, recomputed in numpy,
    reproduces the width-3 Run's coordinates, Jacobians, glyphs and flags."""
    from riemann_nn.export import run_at_checkpoint

    run = build_run(
        RunConfig(
            name="w3-film",
            dataset=DatasetConfig("rings", n=120, noise=0.02, seed=0),
            model=MODELS["c1"],
            training=TrainConfig(iterations=30, lr=0.05, weight_decay=0.0, seed=0, checkpoints=4),
            geometry=GeometryConfig(sites_per_side=4, grid_lines=4, grid_samples=9),
        ),
        progress=False,
    )
    bounds = 0.5 * np.linalg.norm(run.checkpoint_weight, ord=2, axis=(-2, -1))  # (K, L): dt ||W_l|| per snapshot
    assert bounds.max() <= 0.4 * (1 + 1e-12)
    last = run_at_checkpoint(run, len(run.checkpoint_iteration) - 1)
    for key in ("x", "grid", "sites", "jacobian", "metric", "ellipse", "boundary"):
        np.testing.assert_allclose(getattr(last, key), getattr(run, key), rtol=1e-9, atol=1e-12, err_msg=key)
    for key in ("degenerate", "clipped", "unbounded"):
        np.testing.assert_array_equal(getattr(last, key), getattr(run, key), err_msg=key)
