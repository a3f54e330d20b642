"""Your own network: ``run_from_module`` and ``run_from_callables`` checked against the module itself.

References are independent of the code under test: coordinates from running the module's own children,
Jacobians from ``torch.autograd.functional.jacobian`` on the module's sub-chains (or central finite differences
of plain callables), metrics from those Jacobians by the formula of DESIGN.md, logits from the module's output.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

import riemann_nn as rn
from riemann_nn.config import GeometryConfig
from riemann_nn.data import make_dataset
from riemann_nn.errors import ConfigError, DataError
from riemann_nn.network import propagate
from riemann_nn.run import load_run, save_run

GEOMETRY = GeometryConfig(sites_per_side=5, grid_lines=4, grid_samples=9)


def train_briefly(model: nn.Module, x: np.ndarray, y: np.ndarray, *, steps: int = 150, lr: float = 0.05) -> nn.Module:
    """A few full-batch Adam steps, as a user would train (float32, the module's own output as logits)."""
    torch.manual_seed(0)
    inputs, targets = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        out = model(inputs)
        logit = out[:, 1] - out[:, 0] if out.shape[-1] == 2 else out.reshape(-1)
        nn.functional.binary_cross_entropy_with_logits(logit, targets).backward()
        optimizer.step()
    return model


@pytest.fixture(scope="module")
def moons():
    return make_dataset("moons", n=200, noise=0.1, seed=0)


@pytest.fixture(scope="module")
def tanh_net(moons):
    """The issue's test network: Linear(2, 2) + Tanh blocks and a Linear(2, 1) head, trained briefly on moons."""
    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1)
    )
    return train_briefly(model, *moons)


def sub_chains(model: nn.Module, ends: list[int]) -> list[nn.Module]:
    """The module's first ``k`` children as a float64 Sequential, for each ``k`` in ``ends``."""
    children = list(as_float64(model).children())
    return [nn.Sequential(*children[:k]) for k in ends]


def as_float64(model: nn.Module) -> nn.Module:
    """A float64 copy (the test's module stays float32, as the user's)."""
    return copy.deepcopy(model).double()


def autograd_reference(chains: list[nn.Module], points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (L+1, K, 2) and Jacobians (L+1, K, 2, 2) of every chain at ``points``, by autograd."""
    tensor = torch.as_tensor(points, dtype=torch.float64)
    coordinates = np.stack([chain(tensor).detach().numpy() for chain in chains])
    jacobians = np.stack(
        [
            np.stack([torch.autograd.functional.jacobian(chain, p[None])[0, :, 0, :].numpy() for p in tensor])
            for chain in chains
        ]
    )
    return coordinates, jacobians


def metrics_of(jacobians: np.ndarray) -> np.ndarray:
    """``g_l = M_l^T M_l`` with ``M_l = J_L J_l^{-1}`` (DESIGN.md), from Jacobians (L+1, K, 2, 2)."""
    to_last = np.einsum("kij,lkjm->lkim", jacobians[-1], np.linalg.inv(jacobians))
    return np.einsum("lkji,lkjm->lkim", to_last, to_last)


def check_against_module(run, model: nn.Module, ends: list[int], x: np.ndarray) -> None:
    """The Run's coordinates, Jacobians, metrics and logits against the module's own sub-chains and output."""
    reference = [nn.Identity(), *sub_chains(model, ends)]
    coordinates, _ = autograd_reference(reference, x)
    np.testing.assert_allclose(run.x, coordinates, rtol=1e-9, atol=1e-9)
    site_coordinates, jacobians = autograd_reference(reference, run.sites[0])
    np.testing.assert_allclose(run.sites, site_coordinates, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(run.jacobian, jacobians, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(run.metric, metrics_of(jacobians), rtol=1e-6, atol=1e-8)
    out = as_float64(model)(torch.as_tensor(x)).detach().numpy()
    logits = out[:, 1] - out[:, 0] if out.shape[-1] == 2 else out[:, 0]
    np.testing.assert_allclose(run.logits(run.x[-1]), logits, rtol=1e-9, atol=1e-9)


def test_a_sequential_of_tanh_layers_is_a_c0_run_checked_against_the_module(tanh_net, moons, tmp_path):
    x, y = moons
    run = rn.run_from_module(tanh_net, x, y, geometry=GEOMETRY)
    assert (run.scheme, run.activation, run.depth) == ("c0", "tanh", 3)
    assert run.meta["training"]["accuracy"] > 0.8  # trained: the head separates most points
    check_against_module(run, tanh_net, [2, 4, 6], x)
    # the file holds the weights: numpy alone recomputes the coordinates
    again = load_run(save_run(run, tmp_path / "mine.npz"))
    np.testing.assert_array_equal(again.weight, run.weight)
    np.testing.assert_allclose(
        propagate(again.weight, again.bias, x, scheme="c0", activation="tanh", dt=1.0), again.x, rtol=0, atol=1e-12
    )
    assert tanh_net[0].weight.dtype == torch.float32  # the user's module was read from a copy, never changed


@pytest.mark.parametrize("kind", ["torchscript", "export"])
def test_the_same_network_through_a_file_and_the_import_command(tanh_net, moons, tmp_path, kind):
    from click.testing import CliRunner

    from riemann_nn.cli import main

    x, y = moons
    model_file = tmp_path / ("net.pt" if kind == "torchscript" else "net.pt2")
    module = tanh_net.float()
    if kind == "torchscript":
        torch.jit.save(torch.jit.script(module), str(model_file))
    else:
        torch.export.save(torch.export.export(module, (torch.zeros(8, 2),)), str(model_file))
    csv = tmp_path / "moons.csv"
    np.savetxt(csv, np.column_stack([x, y]), delimiter=",", header="x,y,label", comments="")
    result = CliRunner().invoke(
        main,
        [
            "import",
            str(model_file),
            "--csv",
            str(csv),
            "--classes",
            "upper,lower",
            "--title",
            "Moons, my own net",
            "-o",
            str(tmp_path / "run.npz"),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    run = load_run(tmp_path / "run.npz")
    direct = rn.run_from_module(tanh_net, x, y, geometry=GeometryConfig())
    assert (run.scheme, run.depth) == ("c0", 3) and run.meta["model"]["source"].endswith(model_file.name)
    np.testing.assert_allclose(run.weight, direct.weight, rtol=0, atol=0)
    np.testing.assert_allclose(run.x, direct.x, rtol=0, atol=1e-12)
    np.testing.assert_allclose(run.jacobian, direct.jacobian, rtol=0, atol=1e-12)
    check_against_module(run, tanh_net, [2, 4, 6], x)
    assert run.class_names == ("upper", "lower") and run.title == "Moons, my own net"
    assert run.meta["dataset"]["source"] == "csv"


def test_residual_and_second_order_blocks_keep_their_weights(moons):
    x, y = moons
    torch.manual_seed(2)
    c1 = nn.Sequential(
        *[rn.Residual(nn.Sequential(nn.Linear(2, 2), nn.Tanh()), dt=0.5) for _ in range(3)], nn.Linear(2, 2)
    )  # two logits
    c2 = nn.Sequential(
        rn.SecondOrder([nn.Sequential(nn.Linear(2, 2), nn.Sigmoid()) for _ in range(3)], dt=0.7), nn.Linear(2, 1)
    )
    for model, scheme, activation, dt in ((c1, "c1", "tanh", 0.5), (c2, "c2", "sigmoid", 0.7)):
        model = train_briefly(model, x, y, steps=60)
        run = rn.run_from_module(model, x, y, geometry=GEOMETRY)
        assert (run.scheme, run.activation, run.depth) == (scheme, activation, 3)
        assert run.dt == pytest.approx(dt, rel=1e-7)  # float32's dt
        np.testing.assert_allclose(
            propagate(run.weight, run.bias, x, scheme=scheme, activation=activation, dt=run.dt),
            run.x,
            rtol=0,
            atol=1e-12,
        )
        out = as_float64(model)(torch.as_tensor(x)).detach().numpy()
        logits = out[:, 1] - out[:, 0] if out.shape[-1] == 2 else out[:, 0]
        np.testing.assert_allclose(run.logits(run.x[-1]), logits, rtol=1e-9, atol=1e-9)
    # every Residual is one layer: the sub-chains end after 1, 2 and 3 children
    check_against_module(rn.run_from_module(c1, x, y, geometry=GEOMETRY), c1, [1, 2, 3], x)


def test_other_activations_make_a_custom_run_with_exact_jacobians(moons, tmp_path):
    """GELU is no built-in activation: the Run is custom (no weights), its numbers from the module itself."""
    x, y = moons
    torch.manual_seed(3)
    model = train_briefly(
        nn.Sequential(nn.Linear(2, 2), nn.GELU(), nn.Linear(2, 2), nn.LeakyReLU(0.1), nn.Linear(2, 1)), x, y, steps=80
    )
    run = rn.run_from_module(model, x, np.where(y == 1, "yes", "no"), geometry=GEOMETRY)
    assert run.is_custom and run.weight is None and run.depth == 2
    assert run.meta["model"]["layers"] == ["Linear(2, 2) + GELU", "Linear(2, 2) + LeakyReLU"]
    assert run.meta["labels"]["values"] == ["no", "yes"] and run.class_names == ("no", "yes")
    check_against_module(run, model, [2, 4], x)
    again = load_run(save_run(run, tmp_path / "custom.npz"))
    assert again.is_custom and again.weight is None and again.bias is None
    np.testing.assert_array_equal(again.jacobian, run.jacobian)
    assert again.boundary is not None and again.boundary.shape[0] == 3  # exported: the file cannot trace it


def test_callables_are_a_custom_run_with_jacobians_against_finite_differences(moons):
    x, y = moons
    a = torch.tensor([[1.2, -0.4], [0.3, 0.9]], dtype=torch.float64)
    layers = [lambda p: torch.sin(p @ a.T + 0.1), lambda p: p + 0.3 * torch.atan(p @ a), lambda p: p * 1.5]
    head = nn.Linear(2, 2).double()  # two logits
    run = rn.run_from_callables(layers, head, x, y, geometry=GEOMETRY)
    assert run.is_custom and run.depth == 3 and run.meta["model"]["source"] == "callables"

    def chart(points: np.ndarray) -> np.ndarray:  # (K, 2) -> (L+1, K, 2), the callables by hand
        values = [torch.as_tensor(points)]
        for layer in layers:
            values.append(layer(values[-1]))
        return torch.stack(values).numpy()

    np.testing.assert_allclose(run.x, chart(x), rtol=0, atol=1e-12)
    h = 1e-6
    sites = run.sites[0]
    columns = [(chart(sites + h * e) - chart(sites - h * e)) / (2 * h) for e in np.eye(2)]  # (L+1, M, 2) each
    np.testing.assert_allclose(run.jacobian, np.stack(columns, axis=-1), rtol=1e-6, atol=1e-7)
    weight = head.weight.detach().numpy()
    np.testing.assert_allclose(run.head_weight, weight[1] - weight[0], rtol=1e-12)


def test_a_module_whose_forward_is_not_its_children_in_order_is_refused(moons):
    class Skip(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer, self.head = nn.Linear(2, 2), nn.Linear(2, 1)

        def forward(self, x):
            return self.head(self.layer(x) + x)  # a skip connection the children do not show

    with pytest.raises(ConfigError, match="does not run its children in order"):
        rn.run_from_module(Skip(), *moons)


@pytest.mark.parametrize(
    "model, fragment",
    [
        (nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)), r"plane to the plane; Linear\(2, 3\)"),
        (nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 3)), r"got Linear\(2, 3\)"),
        (nn.Sequential(nn.Linear(2, 2), nn.Tanh()), "the last module must be the head"),
        (nn.Sequential(nn.Linear(2, 1)), "no layers before it"),
        (nn.Tanh(), "no submodules"),
        ("not a module", "needs a torch.nn.Module"),
    ],
)
def test_what_is_not_a_width_2_network_is_refused_in_one_line(moons, model, fragment):
    with pytest.raises(ConfigError, match=fragment) as info:
        rn.run_from_module(model, *moons)
    assert "\n" not in str(info.value)


def test_layers_that_mix_points_and_heads_that_bend_are_refused(moons):
    x, y = moons
    centring = [lambda p: p - p.mean(dim=0)]  # moves a point by where the others are
    with pytest.raises(ConfigError, match="on its own"):
        rn.run_from_callables(centring, nn.Linear(2, 1).double(), x, y)
    with pytest.raises(ConfigError, match="not affine"):
        rn.run_from_callables([torch.tanh], lambda p: (p**2).sum(dim=1), x, y)
    with pytest.raises(ConfigError, match=r"layer 1 .* failed"):
        rn.run_from_callables([lambda p: p @ torch.ones(3, 2)], nn.Linear(2, 1).double(), x, y)


def test_labels_the_other_way_round_warn_and_positive_fixes_them(tanh_net, moons):
    x, y = moons
    with pytest.warns(rn.errors.RiemannNNWarning, match="other way round"):
        flipped = rn.run_from_module(tanh_net, x, 1 - y, geometry=GEOMETRY)
    fixed = rn.run_from_module(tanh_net, x, 1 - y, positive=0, geometry=GEOMETRY)
    assert flipped.meta["training"]["accuracy"] == pytest.approx(1 - fixed.meta["training"]["accuracy"])
    assert fixed.meta["labels"]["values"] == [1, 0] and fixed.class_names == ("class 1", "class 0")
    with pytest.raises(DataError, match="positive label 5"):
        rn.run_from_module(tanh_net, x, y, positive=5)


def test_a_custom_run_refuses_what_needs_the_network_in_one_line(moons):
    from riemann_nn.interpolate import LayerMotion
    from riemann_nn.level_sets import layered_level_sets

    x, y = moons
    run = rn.run_from_callables([torch.sin, torch.tanh], nn.Linear(2, 1).double(), x, y, geometry=GEOMETRY)
    for needs_network in (lambda: rn.shortest_path(run, x[0], x[1]), lambda: layered_level_sets(run, [1.0])):
        with pytest.raises(ConfigError, match="custom network") as info:
            needs_network()
        assert "\n" not in str(info.value)
    motion = LayerMotion(run)  # what the scenes do works from the file alone
    assert motion.method == "straight"
    np.testing.assert_allclose(motion.points(1.0), run.x[1])
    with pytest.raises(ConfigError, match="staged"):
        LayerMotion(run, method="staged")


def test_saturated_units_keep_their_slopes_in_a_custom_network(moons):
    """A tanh layer driven to |z| ~ 30 beside a GELU layer (so the Run is custom): the chart Jacobian of the
    tanh layer is tiny but not zero, as numpy's exact forward mode of that layer alone says."""
    from riemann_nn.network import chart_jacobians

    x, y = moons
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2), nn.GELU(), nn.Linear(2, 1)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[20.0, 1.0], [-3.0, 18.0]]))
        model[0].bias.copy_(torch.tensor([5.0, -4.0]))
    run = rn.run_from_module(model, x, y, geometry=GEOMETRY)
    assert run.is_custom
    weight, bias = model[0].weight.detach().numpy()[None], model[0].bias.detach().numpy()[None]
    first = chart_jacobians(weight, bias, run.sites[0], scheme="c0", activation="tanh", dt=1.0)[1]  # (M, 2, 2)
    assert np.abs(first).min() < 1e-15  # saturated somewhere ...
    assert (np.abs(run.jacobian[1]) > 0).all()  # ... yet never exactly flat
    np.testing.assert_allclose(run.jacobian[1], first, rtol=1e-12, atol=0)


def _width_3_script() -> torch.jit.ScriptModule:
    return torch.jit.script(nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1)))


def _nan_weights() -> nn.Module:
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
    with torch.no_grad():
        model[0].weight.fill_(float("nan"))
    return model


def _through_numpy(points: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(np.tanh(points.detach().numpy()))  # right values, but no derivative for torch


LINEAR = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
BAD_CALLS = {  # each raised a traceback of another kind, failed only on saving, misled, or passed silently
    "geometry of the wrong type": (
        lambda x, y: rn.run_from_module(LINEAR, x, y, geometry="big"),
        "geometry must be a GeometryConfig",
    ),
    "a name that is a path": (lambda x, y: rn.run_from_module(LINEAR, x, y, name="../x"), "name must be a file name"),
    "a description that is no text": (
        lambda x, y: rn.run_from_callables([torch.tanh], LINEAR[2], x, y, description=3),
        "description must be a string",
    ),
    "a data source that is no dict": (
        lambda x, y: rn.run_from_module(LINEAR, x, y, data_source=[1]),
        "data_source must be a dict",
    ),
    "a data source with NaN": (
        lambda x, y: rn.run_from_module(LINEAR, x, y, data_source={"n": float("nan")}),
        "plain JSON with finite numbers",
    ),
    "NaN weights": (lambda x, y: rn.run_from_module(_nan_weights(), x, y), "gives NaN or infinite outputs"),
    "a scripted width-3 model": (
        lambda x, y: rn.run_from_module(_width_3_script(), x, y),
        r"first layer, Linear\(3, 3\), takes points of 3 coordinates",
    ),
    "a layer overflowing": (
        lambda x, y: rn.run_from_callables([lambda p: p * 1e200] * 2, LINEAR[2].double(), x, y),
        "layer 2 .* gives NaN or infinite coordinates",
    ),
    "a head that raises": (
        lambda x, y: rn.run_from_callables([torch.tanh], lambda p: p[:, 5], x, y),
        r"the head \(<lambda>\) failed on float64 points .*IndexError",
    ),
    "a head outside torch": (
        lambda x, y: rn.run_from_callables([torch.tanh], lambda p: _through_numpy(p)[:, 0], x, y),
        "do not depend on its input through torch",
    ),
    "a layer outside torch": (
        lambda x, y: rn.run_from_callables([_through_numpy], LINEAR[2].double(), x, y),
        "layer 1 .* does not depend on its input through torch",
    ),
    "a residual block that is a string": (lambda x, y: rn.Residual("tanh", 0.5), "Residual needs torch modules"),
    "a residual step that is a string": (lambda x, y: rn.Residual(nn.Tanh(), "0.5"), "Residual needs a step dt"),
    "a residual step that is NaN": (lambda x, y: rn.Residual(nn.Tanh(), float("nan")), "Residual needs a step dt"),
    "second-order blocks that are one module": (lambda x, y: rn.SecondOrder(nn.Tanh(), 0.5), "needs a list of blocks"),
    "second-order without blocks": (lambda x, y: rn.SecondOrder([], 0.5), "at least one block"),
    "second-order step below 0": (lambda x, y: rn.SecondOrder([nn.Tanh()], -1.0), "SecondOrder needs a step dt"),
}


@pytest.mark.parametrize("case", list(BAD_CALLS))
def test_bad_models_and_options_are_refused_in_one_line(moons, case):
    call, fragment = BAD_CALLS[case]
    with pytest.raises(ConfigError, match=fragment) as info:
        call(*moons)
    assert "\n" not in str(info.value)


def test_words_of_arrays_are_refused_before_training(moons, monkeypatch):
    import riemann_nn.train

    def no_training(*args, **kwargs):
        raise AssertionError("trained before refusing the words")

    monkeypatch.setattr(riemann_nn.train, "train", no_training)
    for words in ({"title": ""}, {"classes": "one"}):
        with pytest.raises(ConfigError, match=r"title|class names"):
            rn.run_from_arrays(*moons, progress=False, **words)


def test_a_layer_that_changes_its_input_in_place_leaves_the_coordinates_alone(moons):
    """ReLU(inplace=True) first: the Run's input layer is the data, and every layer is what the module computes."""
    x, y = moons
    torch.manual_seed(0)
    model = nn.Sequential(nn.ReLU(inplace=True), nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
    run = rn.run_from_module(model, x - 0.3, y, geometry=GEOMETRY)
    np.testing.assert_array_equal(run.x[0], x - 0.3)
    chains = [nn.Identity(), *sub_chains(model, [1, 3])]
    np.testing.assert_allclose(
        run.x, np.stack([chain(torch.as_tensor(x - 0.3)).detach().numpy() for chain in chains]), rtol=1e-12, atol=1e-12
    )
