"""Training: determinism, progress on an easy problem, the recorded history, divergence, the presets."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from riemann_nn.config import ModelConfig
from riemann_nn.data import make_dataset
from riemann_nn.errors import ConfigError, TrainingError
from riemann_nn.export import build_run
from riemann_nn.presets import PRESETS, get_preset
from riemann_nn.train import TrainConfig, train


@pytest.fixture(scope="module")
def blobs():
    return make_dataset("gaussians", n=200, noise=0.5, seed=0)


def _train(x, y, *, scheme="c1", activation="tanh", depth=3, iterations=40, lr=0.05, seed=0, **model):
    return train(
        x,
        y,
        model_config=ModelConfig(scheme, activation, depth=depth, **model),
        train_config=TrainConfig(iterations=iterations, lr=lr, weight_decay=0.01, seed=seed),
        progress=False,
    )


@pytest.mark.parametrize("scheme", ["c0", "c1", "c2"])
def test_same_seed_gives_identical_weights_and_history(blobs, scheme):
    """Two trainings with the same configuration are bit-identical; another seed is not."""
    a = _train(*blobs, scheme=scheme, init_gain=1.0)
    b = _train(*blobs, scheme=scheme, init_gain=1.0)
    c = _train(*blobs, scheme=scheme, init_gain=1.0, seed=1)
    for pa, pb in zip(a.model.parameters(), b.model.parameters()):
        assert torch.equal(pa, pb)
    assert np.array_equal(a.loss, b.loss) and np.array_equal(a.accuracy, b.accuracy)
    assert a.final_loss == b.final_loss
    assert not torch.equal(a.model.weight, c.model.weight)
    assert not np.array_equal(a.loss, c.loss)


def test_loss_decreases_on_gaussians(blobs):
    """On two well-separated blobs the loss starts at ln 2 (tiny initial weights give logits ~ 0) and
    falls far below it; the final accuracy is near perfect."""
    result = _train(*blobs, iterations=100)
    assert result.loss[0] == pytest.approx(math.log(2), abs=1e-3)
    assert result.final_loss < 0.1 * result.loss[0]
    assert result.loss[-1] < result.loss[len(result.loss) // 2] < result.loss[0]
    assert result.final_accuracy >= 0.97


def test_history_lengths_and_final_numbers_are_those_of_the_returned_model(blobs):
    """``loss``/``accuracy`` have one entry per iteration (measured before each step); the final numbers are
    the BCE and accuracy of the returned model, recomputed here in numpy."""
    x, y = blobs
    result = _train(x, y, iterations=17)
    assert result.loss.shape == (17,) and result.accuracy.shape == (17,)
    assert np.isfinite(result.loss).all()
    assert ((result.accuracy >= 0) & (result.accuracy <= 1)).all()
    with torch.no_grad():
        logits = result.model(torch.tensor(x)).numpy()
    bce = np.mean(np.logaddexp(0, logits) - y * logits)
    assert result.final_loss == pytest.approx(bce, rel=1e-12)
    assert result.final_accuracy == pytest.approx(np.mean((logits > 0) == (y == 1)), abs=0)
    # the history is before-the-step: its last entry is not the final loss
    assert result.final_loss < result.loss[-1]


def test_training_does_not_modify_the_data(blobs):
    """The caller's arrays are left as they were."""
    x, y = blobs
    x0, y0 = x.copy(), y.copy()
    _train(x, y, iterations=3)
    assert np.array_equal(x, x0) and np.array_equal(y, y0)


def test_nan_loss_raises_training_error(blobs):
    """An identity c1 net with lr 1e30 overflows: the loss turns NaN at iteration 3 and training stops
    with a TrainingError naming the iteration and suggesting a remedy."""
    with pytest.raises(TrainingError, match=r"nan at iteration 3; try a smaller learning rate"):
        _train(*blobs, activation="identity", depth=4, iterations=20, lr=1e30, init_gain=1.0)


def test_nan_after_the_last_step_raises_training_error(blobs):
    """The same divergence with 3 iterations happens only after the last step and is still caught."""
    with pytest.raises(TrainingError, match="after the last step"):
        _train(*blobs, activation="identity", depth=4, iterations=3, lr=1e30, init_gain=1.0)


def test_training_error_is_a_user_error():
    """TrainingError is one of the errors the CLI reports as a single line."""
    from riemann_nn.errors import RiemannNNError

    assert issubclass(TrainingError, RiemannNNError)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(iterations=0), "iterations"),
        (dict(iterations=2.5), "iterations"),
        (dict(lr=0.0), "lr"),
        (dict(lr=float("nan")), "lr"),
        (dict(weight_decay=-0.1), "weight_decay"),
    ],
)
def test_train_config_rejects(kwargs, fragment):
    """Non-positive or non-integer iterations, non-positive lr and negative weight decay are ConfigErrors."""
    with pytest.raises(ConfigError, match=fragment):
        TrainConfig(**kwargs)


def test_unknown_preset_lists_the_presets():
    """``get_preset`` names every valid preset when given an unknown one."""
    with pytest.raises(ConfigError) as info:
        get_preset("seed-spiral")
    for name in PRESETS:
        assert name in str(info.value)


@pytest.mark.parametrize("name, minimum", [("seed-spirals", 0.99), ("seed-c2-sigmoid", 0.97)])
def test_reference_presets_untangle_the_spirals(name, minimum):
    """The published presets reach their advertised accuracy (the head's, recomputed from the Run file)."""
    run = build_run(get_preset(name), progress=False)
    assert run.meta["training"]["accuracy"] >= minimum
    recomputed = np.mean((run.logits(run.x[-1]) > 0) == (run.y == 1))
    assert recomputed >= minimum
