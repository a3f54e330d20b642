"""Full-batch, deterministic training of a width-2 network (AdamW, BCE with logits).

Training that blows up is an error, not a file: a non-finite loss, a final loss far above the first or above
``MAX_LOSS``, weights beyond ``MAX_WEIGHT`` or layer coordinates beyond ``MAX_GROWTH`` times the input's raise
``TrainingError`` with a hint; a run that trains but ends below ``LOW_ACCURACY`` warns (``RiemannNNWarning``)
with the same hint. ``TrainConfig.checkpoints`` keeps parameter snapshots along the way (``checkpoints.py``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .checkpoints import Checkpoints, checkpoint_iterations
from .config import ModelConfig, TrainConfig
from .data import check_points
from .errors import ConfigError, RiemannNNWarning, TrainingError
from .model import Width2Net, single_thread

HINT = "try a smaller learning rate (--lr) or standardised data (--standardize)"
LOSS_GROWTH = 10.0  # a final loss this many times the first one (and worse than chance) is a blow-up...
CHANCE_LOSS = math.log(2.0)  # ...where chance is the loss of logit 0 everywhere
MAX_LOSS = 100.0  # a mean cross-entropy this high needs logits near -100 on wrong points: numerically absurd
MAX_WEIGHT = 1e6  # |W|, |b| of a trained net stay near lr * iterations; beyond this tanh is a step function
MAX_GROWTH = 1e6  # layer coordinates this many times the input's (or 1) cannot be drawn in one frame
LOW_ACCURACY = 0.9


@dataclass(frozen=True)
class TrainResult:
    """A trained network and its history; ``loss[i]``/``accuracy[i]`` are measured before step ``i``."""

    model: Width2Net
    loss: np.ndarray  # (iterations,)
    accuracy: np.ndarray  # (iterations,)
    final_loss: float
    final_accuracy: float
    checkpoints: Checkpoints | None = None  # with TrainConfig.checkpoints > 0, in the training's units


def train(
    x: np.ndarray,
    y: np.ndarray,
    *,
    model_config: ModelConfig,
    train_config: TrainConfig,
    progress: bool = True,
) -> TrainResult:
    """Train a fresh network on ``x`` (N, 2) with labels ``y`` (N,) in {0, 1}.

    The same configurations and data give bit-identical weights. Raises ``DataError`` for data that
    ``data.check_points`` refuses, ``ConfigError`` for configurations of the wrong type, ``TrainingError`` when
    training blows up (see the module's docstring); warns ``RiemannNNWarning`` below ``LOW_ACCURACY``.
    """
    if not isinstance(model_config, ModelConfig) or not isinstance(train_config, TrainConfig):
        raise ConfigError(
            f"train needs a ModelConfig and a TrainConfig, got {type(model_config).__name__} and "
            f"{type(train_config).__name__}"
        )
    x, y = check_points(x, y, source="training data")
    inputs = torch.as_tensor(x)  # (N, 2)
    targets = torch.as_tensor(y.astype(np.float64))  # (N,)
    model = Width2Net(model_config, seed=train_config.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=train_config.lr, weight_decay=train_config.weight_decay)
    losses = np.empty(train_config.iterations)
    accuracies = np.empty(train_config.iterations)
    snapshots = _Snapshots(train_config, model_config)

    with single_thread(), _progress_bar(train_config.iterations, enabled=progress) as advance:
        for step in range(train_config.iterations):
            optimizer.zero_grad()
            logits = model(inputs)  # (N,)
            loss = F.binary_cross_entropy_with_logits(logits, targets)
            if not torch.isfinite(loss):
                raise TrainingError(f"the loss became {loss.item()} at iteration {step}; {HINT}")
            loss.backward()
            losses[step] = loss.item()
            accuracies[step] = ((logits > 0) == (targets > 0.5)).double().mean().item()
            snapshots.keep(step, model, losses[step], accuracies[step])  # the parameters the loss was measured at
            optimizer.step()
            advance(losses[step], accuracies[step])

    with torch.no_grad():
        logits = model(inputs)
        final_loss = F.binary_cross_entropy_with_logits(logits, targets).item()
        final_accuracy = ((logits > 0) == (targets > 0.5)).double().mean().item()
    if not math.isfinite(final_loss):
        raise TrainingError(f"the loss became non-finite after the last step; {HINT}")
    _check_blow_up(model, inputs, first_loss=float(losses[0]), final_loss=final_loss)
    if final_accuracy < LOW_ACCURACY:
        warnings.warn(
            f"training reached accuracy {final_accuracy:.3f} only (below {LOW_ACCURACY}); try more "
            f"iterations (--iterations), {HINT.removeprefix('try ')}",
            RiemannNNWarning,
            stacklevel=2,
        )
    snapshots.keep(train_config.iterations, model, final_loss, final_accuracy)
    return TrainResult(model, losses, accuracies, final_loss, final_accuracy, snapshots.result())


class _Snapshots:
    """Copies of the parameters at the scheduled iterations (``checkpoint_iterations``); none when the
    configuration asks for none."""

    def __init__(self, train_config: TrainConfig, model_config: ModelConfig):
        count = train_config.checkpoints
        self.model_config = model_config
        self.schedule = checkpoint_iterations(train_config.iterations, count) if count else np.empty(0, np.int64)
        self.wanted = set(self.schedule.tolist())
        self.kept: list[tuple[list[np.ndarray], float, float]] = []

    def keep(self, iteration: int, model: Width2Net, loss: float, accuracy: float) -> None:
        if iteration in self.wanted:
            parameters = [
                p.detach().numpy().copy()
                for p in (model.layer_weights(), model.bias, model.head_weight, model.head_bias)
            ]  # the weights the layers use
            self.kept.append((parameters, float(loss), float(accuracy)))

    def result(self) -> Checkpoints | None:
        if not self.kept:
            return None
        weight, bias, head_weight, head_bias = (np.stack(arrays) for arrays in zip(*(p for p, _, _ in self.kept)))
        m = self.model_config
        return Checkpoints(
            iteration=self.schedule,
            weight=weight,
            bias=bias,
            head_weight=head_weight,
            head_bias=head_bias,
            loss=np.array([loss for _, loss, _ in self.kept]),
            accuracy=np.array([accuracy for _, _, accuracy in self.kept]),
            scheme=m.scheme,
            activation=m.activation,
            dt=m.dt,
        )


def _check_blow_up(model: Width2Net, inputs: torch.Tensor, *, first_loss: float, final_loss: float) -> None:
    """``TrainingError`` if the trained net's weights, loss or layer coordinates blew up."""
    with torch.no_grad():
        largest = max(float(p.abs().max()) for p in model.parameters())
        if not largest <= MAX_WEIGHT:  # also NaN
            raise TrainingError(f"training blew up: weights reached {largest:.3g} (more than {MAX_WEIGHT:g}); {HINT}")
        reach = model.layers(inputs).abs().amax(dim=(1, 2))  # (L+1,) the largest coordinate of every layer
        limit = MAX_GROWTH * max(1.0, float(reach[0]))
        beyond = torch.nonzero(~(reach <= limit)).flatten()
        if len(beyond):
            layer = int(beyond[0])
            raise TrainingError(
                f"training blew up: layer {layer}'s coordinates reach {float(reach[layer]):.3g}, more "
                f"than {MAX_GROWTH:g} times the input's; {HINT}"
            )
        if final_loss > max(LOSS_GROWTH * first_loss, CHANCE_LOSS):
            raise TrainingError(f"training blew up: the loss rose from {first_loss:.4g} to {final_loss:.4g}; {HINT}")
        if final_loss > MAX_LOSS:
            raise TrainingError(
                f"training blew up: the loss ended at {final_loss:.4g} (logits far beyond any sane range); {HINT}"
            )


class _progress_bar:
    """A rich progress bar showing loss and accuracy; a no-op when disabled (tests, quiet runs)."""

    def __init__(self, total: int, *, enabled: bool):
        self.total, self.enabled = total, enabled

    def __enter__(self):
        if not self.enabled:
            return lambda loss, accuracy: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("training"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]:.4g}  acc {task.fields[acc]:.3f}"),
            TimeElapsedColumn(),
            transient=False,
            console=Console(stderr=True),  # stdout keeps the command's result alone
        )
        self.progress.__enter__()
        task = self.progress.add_task("train", total=self.total, loss=math.nan, acc=math.nan)
        return lambda loss, accuracy: self.progress.update(task, advance=1, loss=loss, acc=accuracy)

    def __exit__(self, *exc):
        if self.enabled:
            self.progress.__exit__(*exc)
        return False
