"""Your own PyTorch network as a Run: ``run_from_module`` (a module whose children run in order, a TorchScript
module or a ``torch.export`` program) and ``run_from_callables`` (any layers R^2 -> R^2 and a head).

How a module is read, child by child (nested ``nn.Sequential``s are read through):

- ``Linear(2, 2)`` followed by an elementwise activation module is one layer ``act(W x + b)`` (c0); a
  ``Linear(2, 2)`` with no activation after it is a layer with the identity;
- ``riemann_nn.Residual(block, dt)`` is one layer ``x + dt block(x)`` (c1); ``riemann_nn.SecondOrder(blocks, dt)``
  one layer per block, ``2 x_{l-1} - x_{l-2} + dt^2 block(x_{l-1})`` (c2), starting at rest;
- dropout and ``Identity`` are left out (no-ops in eval mode); any other module is one layer of its own;
- the last child is the head: ``Linear(2, 1)`` gives the logit, ``Linear(2, 2)`` two logits whose difference
  (class 1 minus class 0) is the logit; a ``Sigmoid``, ``Softmax`` or ``LogSoftmax`` after it is left out (it
  turns logits into probabilities and does not move the decision boundary).

When every layer is ``act(W x + b)`` with one built-in activation (tanh, sigmoid, relu, softplus, identity),
stepped by one scheme with one ``dt``, the Run is of the built-in form: it stores ``weight`` and ``bias`` and
every number in it comes from them, exactly as for a network riemann-nn trained. Otherwise its scheme is
``custom``: coordinates come from the layers themselves and chart Jacobians from ``torch.func`` on them, and the
file holds what the scenes need (coordinates, Jacobians, metric, glyphs, the decision boundary), not the network.

The module is never changed: a float64 copy in eval mode is read. Checked before anything is exported: the
children in order compute what the module computes (else its ``forward`` does something else, and
``run_from_callables`` is the way), every layer maps each point on its own (no batch statistics), to finite
coordinates in the plane, and a callable head is affine.
"""

from __future__ import annotations

import copy
import hashlib
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import torch
from torch import Tensor, nn

from .config import GeometryConfig
from .data import check_points, encode_labels
from .errors import ConfigError, RiemannNNWarning
from .export import Network, builtin_network, export_run
from .model import single_thread
from .run import CUSTOM_SCHEME, Run

Step = Callable[[Tensor, Tensor], Tensor]  # (x_{l-1}, x_{l-2}) (K, 2) each -> x_l (K, 2)

BUILT_IN_ACTIVATIONS = {
    "Tanh": "tanh",
    "Sigmoid": "sigmoid",
    "ReLU": "relu",
    "Softplus": "softplus",
    "Identity": "identity",
}
# torch's other elementwise activation modules: a layer with one of them is a layer, of the custom kind
OTHER_ACTIVATIONS = frozenset(
    {
        "CELU",
        "ELU",
        "GELU",
        "Hardshrink",
        "Hardsigmoid",
        "Hardswish",
        "Hardtanh",
        "LeakyReLU",
        "LogSigmoid",
        "Mish",
        "PReLU",
        "ReLU6",
        "RReLU",
        "SELU",
        "SiLU",
        "Softshrink",
        "Softsign",
        "Tanhshrink",
        "Threshold",
    }
)
SKIPPED = frozenset({"Dropout", "Dropout1d", "AlphaDropout", "FeatureAlphaDropout", "Identity"})
PROBABILITY_OUTPUTS = {"Sigmoid": 1, "Softmax": 2, "LogSoftmax": 2}  # -> the width of the head they follow
SAME = 1e-9  # relative: the layers in order and the module agree to rounding (both run in float64)
NUMPY_AGREES = 1e-7  # relative: the built-in form, recomputed with numpy, agrees with the module's layers
ZERO_LOGIT_WARNING = 0.5  # below this accuracy the labels are probably the other way round


@dataclass(frozen=True)
class Form:
    """A layer of the built-in form: ``act(W x + b)`` stepped by ``scheme`` with step ``dt``."""

    scheme: str
    activation: str
    dt: float
    weight: np.ndarray  # (2, 2)
    bias: np.ndarray  # (2,)


@dataclass(frozen=True)
class Layer:
    """One layer of a user's network: ``step`` gives x_l from x_{l-1} and x_{l-2}; ``at_rest`` says that
    x_{l-2} is x_{l-1} (the first step of a second-order group); ``form`` is set for the built-in form."""

    step: Step
    description: str
    at_rest: bool = False
    form: Form | None = None


@dataclass(frozen=True)
class Head:
    """``logit = weight . x_L + bias``."""

    weight: np.ndarray  # (2,)
    bias: float
    description: str


def run_from_module(
    model,
    x,
    y,
    *,
    positive=None,
    name: str | None = None,
    description: str = "",
    title: str | None = None,
    classes=None,
    geometry: GeometryConfig | None = None,
    data_source: dict | None = None,
    source: str | None = None,
) -> Run:
    """The Run of your trained ``model`` on points ``x`` (N, 2) with labels ``y`` (N,).

    ``model`` is an ``nn.Module`` whose children run in order (an ``nn.Sequential``), a TorchScript module
    (``torch.jit.load``) or a ``torch.export.ExportedProgram``; the module docstring says how it is read.
    ``y`` may hold any two different values; ``positive`` is the label of class 1, the class the model gives a
    positive logit (default: the larger value, or the later one in sorted order). ``name`` (default the
    module's class), ``description``, ``title`` and ``classes`` (two names) are the Run's words;
    ``geometry`` sets the glyph sites and grid; ``data_source`` is what ``meta.dataset`` says about the data
    (default: arrays, with their digest) and ``source`` what ``meta.model.source`` says about the model.

    Raises ``ConfigError`` for a module that is not a width-2 network read as above, ``DataError`` for bad
    data. Warns (``RiemannNNWarning``) when the model classifies fewer than half of the points correctly:
    the labels are then probably the other way round (``positive``).
    """
    _check_options(
        name=name, description=description, title=title, classes=classes, geometry=geometry, data_source=data_source
    )
    types: Mapping[str, str] = {}
    batch = None
    if isinstance(model, torch.export.ExportedProgram):
        types, batch, origin = _exported_types(model), _example_batch(model), "torch.export"
        kind = types.get("", "ExportedProgram").rsplit(".", 1)[-1]
        # unflattened from a copy, whose tensors it may share: converting it leaves the user's program as it was
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = torch.export.unflatten(_copy(model, "ExportedProgram")).double().eval()
    elif isinstance(model, nn.Module):
        origin = "TorchScript" if isinstance(model, torch.jit.ScriptModule) else "torch module"
        kind = _kind(model, "", types)
        module = _float64_copy(model)
    else:
        raise ConfigError(
            f"run_from_module needs a torch.nn.Module or an ExportedProgram, got {type(model).__name__}"
            "; for other callables use run_from_callables(layers, head, x, y)"
        )
    x0, codes, labels = _data(x, y, positive)
    with single_thread(), torch.no_grad():
        children = _children(module, "", types)
        if not children:
            raise ConfigError(
                f"this {kind} has no submodules to read as layers; give its layers and head to "
                "run_from_callables(layers, head, x, y)"
            )
        _check_input_width(_Reader(types).flatten(children), kind, types)
        _check_forward(module, children, x0, kind, batch=batch)
        layers, head = _Reader(types).network(children)
    return _export(
        layers,
        head,
        x0,
        codes,
        labels,
        name=name or _file_name(kind),
        description=description,
        title=title,
        classes=classes,
        geometry=geometry,
        data_source=data_source,
        source=source or f"{origin} {kind}",
    )


def run_from_callables(
    layers: Sequence[Callable],
    head: Callable,
    x,
    y,
    *,
    positive=None,
    name: str = "callables",
    description: str = "",
    title: str | None = None,
    classes=None,
    geometry: GeometryConfig | None = None,
    data_source: dict | None = None,
) -> Run:
    """The Run of any network given as ``layers``, callables mapping points (K, 2) to (K, 2) (torch tensors,
    float64), applied in order, and ``head``, an affine callable mapping last-layer points (K, 2) to logits
    (K,) or (K, 1), or to two logits (K, 2) whose difference is the logit. Coordinates come from the callables,
    chart Jacobians from ``torch.func`` on them; the Run's scheme is ``custom``. Options as ``run_from_module``.
    """
    _check_options(
        name=name, description=description, title=title, classes=classes, geometry=geometry, data_source=data_source
    )
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or not layers:
        raise ConfigError("layers must be a non-empty list of callables, each mapping points (K, 2) to (K, 2)")
    for index, layer in enumerate(layers, start=1):
        if not callable(layer):
            raise ConfigError(f"layer {index} is a {type(layer).__name__}, not a callable")
    if not callable(head):
        raise ConfigError(f"the head is a {type(head).__name__}, not a callable")
    x0, codes, labels = _data(x, y, positive)
    steps = [Layer(_plain_step(_float64_copy(layer)), _describe(layer)) for layer in layers]
    with single_thread():
        coordinates = _chain(steps, torch.as_tensor(x0))  # (L+1, N, 2)
        _check_finite(coordinates, steps)  # before the head is fitted to the last layer's points
        fitted = _affine_head(_float64_copy(head), coordinates[-1])
    return _export(
        steps,
        fitted,
        x0,
        codes,
        labels,
        name=name,
        description=description,
        title=title,
        classes=classes,
        geometry=geometry,
        data_source=data_source,
        source="callables",
    )


# ---- reading a module -------------------------------------------------------------------------------------


class _Reader:
    """Reads children (module, path) into layers and a head; ``types`` are the class names of a
    ``torch.export`` program's modules by path (its unflattened modules have lost their classes)."""

    def __init__(self, types: Mapping[str, str]):
        self.types = types

    def network(self, children: list[tuple[nn.Module, str]]) -> tuple[list[Layer], Head]:
        flat = self.flatten(children)
        flat = [pair for k, pair in enumerate(flat) if k == len(flat) - 1 or _kind(*pair, self.types) not in SKIPPED]
        head_index = len(flat) - 1
        last_kind = _kind(*flat[-1], self.types)
        if (
            last_kind in PROBABILITY_OUTPUTS
            and len(flat) >= 2
            and _linear_shape(*flat[-2], self.types) == (PROBABILITY_OUTPUTS[last_kind], 2)
        ):
            head_index -= 1  # a probability output after the head: the logits are what the boundary is made of
        layers: list[Layer] = []
        body = flat[:head_index]
        index = 0
        while index < len(body):
            module, path = body[index]
            following = body[index + 1] if index + 1 < len(body) else None
            if _linear_shape(module, path, self.types) == (2, 2):
                activation = following if following is not None and self.is_activation(*following) else None
                layers.append(self.linear_layer(module, activation, scheme="c0", dt=1.0))
                index += 2 if activation is not None else 1
                continue
            kind = _kind(module, path, self.types)
            if kind == "Linear":
                raise ConfigError(
                    f"every layer of a width-2 network maps the plane to the plane; "
                    f"{_linear_words(module)} ({path}) does not"
                )
            if kind == "Residual":
                layers.append(self.residual(module, path))
            elif kind == "SecondOrder":
                layers.extend(self.second_order(module, path))
            else:
                layers.append(Layer(_plain_step(module), kind))
            index += 1
        head = self.head(*flat[head_index])
        if not layers:
            raise ConfigError(
                "the module has a head but no layers before it; a width-2 network needs at least one "
                "Linear(2, 2) layer (or another map R^2 -> R^2) before its head"
            )
        return layers, head

    def flatten(self, children: list[tuple[nn.Module, str]]) -> list[tuple[nn.Module, str]]:
        """Children with every nested ``Sequential`` replaced by its own children, in order."""
        flat = []
        for module, path in children:
            if _kind(module, path, self.types) == "Sequential":
                flat.extend(self.flatten(_children(module, path, self.types)))
            else:
                flat.append((module, path))
        return flat

    def is_activation(self, module: nn.Module, path: str) -> bool:
        kind = _kind(module, path, self.types)
        if kind in BUILT_IN_ACTIVATIONS or kind in OTHER_ACTIVATIONS:
            return True
        return (
            kind not in ("Residual", "SecondOrder", "Sequential")
            and _linear_shape(module, path, self.types) is None
            and _is_elementwise(module)
        )

    def head(self, module: nn.Module, path: str) -> Head:
        shape = _linear_shape(module, path, self.types)
        if shape not in ((1, 2), (2, 2)):
            kind = _kind(module, path, self.types)
            raise ConfigError(
                f"the last module must be the head, Linear(2, 1) or Linear(2, 2) (two logits), "
                f"got {_linear_words(module) if kind == 'Linear' else kind}; or give layers and head "
                "to run_from_callables"
            )
        weight, bias = _linear_parameters(module)  # (K, 2), (K,)
        if shape == (1, 2):
            return Head(weight[0], float(bias[0]), "Linear(2, 1)")
        return Head(weight[1] - weight[0], float(bias[1] - bias[0]), "Linear(2, 2), logit 1 minus logit 0")

    def linear_layer(
        self, linear: nn.Module, activation: tuple[nn.Module, str] | None, *, scheme: str, dt: float
    ) -> Layer:
        """``act(W x + b)`` as a layer of ``scheme``; of the built-in form when the activation is built in."""
        weight, bias = _linear_parameters(linear)
        name: str | None
        if activation is None:
            act_module, name, kind = None, "identity", "Identity"
        else:
            act_module, kind = activation[0], _kind(*activation, self.types)
            name = BUILT_IN_ACTIVATIONS.get(kind)

        precise = name in SATURATING

        linear_weight, linear_bias = cast(Tensor, linear.weight), cast(Tensor | None, linear.bias)

        def f(current: Tensor) -> Tensor:
            z = current @ linear_weight.T + (linear_bias if linear_bias is not None else 0.0)  # (K, 2)
            if precise:
                return Saturating.apply(z, name)
            return act_module(z) if act_module is not None else z

        description = "Linear(2, 2)" + (f" + {kind}" if activation is not None else "")
        form = Form(scheme, name, dt, weight, bias) if name is not None else None
        return Layer(_scheme_step(scheme, f, dt), description, form=form)

    def block_layer(self, block: nn.Module, path: str, *, scheme: str, dt: float, wrapper: str) -> Layer:
        """``block`` stepped by ``scheme``: of the built-in form when it is Linear(2, 2) [+ activation]."""
        parts = self.flatten([(block, path)])
        parts = [(m, p) for m, p in parts if _kind(m, p, self.types) not in SKIPPED or len(parts) == 1]
        if (
            1 <= len(parts) <= 2
            and _linear_shape(*parts[0], self.types) == (2, 2)
            and (len(parts) == 1 or self.is_activation(*parts[1]))
        ):
            layer = self.linear_layer(parts[0][0], parts[1] if len(parts) == 2 else None, scheme=scheme, dt=dt)
            return Layer(layer.step, f"{wrapper}: {layer.description}", form=layer.form)
        return Layer(_scheme_step(scheme, _plain_map(block), dt), f"{wrapper}: {_kind(block, path, self.types)}")

    def residual(self, module: nn.Module, path: str) -> Layer:
        dt = _step_size(module)
        block = _child(module, path, "block", self.types)
        return self.block_layer(block, f"{path}.block".lstrip("."), scheme="c1", dt=dt, wrapper=f"Residual(dt={dt:g})")

    def second_order(self, module: nn.Module, path: str) -> list[Layer]:
        dt = _step_size(module)
        blocks_path = f"{path}.blocks".lstrip(".")
        blocks = _children(_child(module, path, "blocks", self.types), blocks_path, self.types)
        if not blocks:
            raise ConfigError(f"SecondOrder at {path or 'the top'} holds no blocks")
        layers = [
            self.block_layer(
                block, block_path, scheme="c2", dt=dt, wrapper=f"SecondOrder(dt={dt:g}) {k + 1}/{len(blocks)}"
            )
            for k, (block, block_path) in enumerate(blocks)
        ]
        return [Layer(layer.step, layer.description, at_rest=k == 0, form=layer.form) for k, layer in enumerate(layers)]


def _kind(module: nn.Module, path: str, types: Mapping[str, str]) -> str:
    """A module's class name: from the export program's record, TorchScript's ``original_name`` or its type."""
    if path in types:
        return types[path].rsplit(".", 1)[-1]
    if isinstance(module, torch.jit.ScriptModule):
        return str(module.original_name)
    return type(module).__name__


def _children(module: nn.Module, path: str, types: Mapping[str, str]) -> list[tuple[nn.Module, str]]:
    return [(child, f"{path}.{name}".lstrip(".")) for name, child in module.named_children()]


def _child(module: nn.Module, path: str, name: str, types: Mapping[str, str]) -> nn.Module:
    for child, child_path in _children(module, path, types):
        if child_path.rsplit(".", 1)[-1] == name:
            return child
    raise ConfigError(f"{_kind(module, path, types)} at {path or 'the top'} has no submodule {name!r}")


def _linear_shape(module: nn.Module, path: str, types: Mapping[str, str]) -> tuple[int, int] | None:
    """(out, in) of a ``Linear`` module, else None."""
    if _kind(module, path, types) != "Linear":
        return None
    weight = getattr(module, "weight", None)
    return tuple(weight.shape) if isinstance(weight, Tensor) and weight.ndim == 2 else None  # type: ignore[return-value]


def _linear_words(module: nn.Module) -> str:
    out, into = cast(Tensor, module.weight).shape
    return f"Linear({into}, {out})"


def _linear_parameters(module: nn.Module) -> tuple[np.ndarray, np.ndarray]:
    weight = cast(Tensor, module.weight).detach().numpy().astype(np.float64)  # (K, 2)
    bias = getattr(module, "bias", None)
    return weight, (bias.detach().numpy().astype(np.float64) if isinstance(bias, Tensor) else np.zeros(len(weight)))


def _step_size(module: nn.Module) -> float:
    dt = getattr(module, "dt", None)
    value = float(dt) if isinstance(dt, (Tensor, float, int)) and not isinstance(dt, bool) else float("nan")
    if not (np.isfinite(value) and value > 0):
        raise ConfigError(f"{type(module).__name__} needs a step dt, a finite positive number; got {dt!r}")
    return value


def _exported_types(program) -> dict[str, str]:
    """The class of every module of a ``torch.export`` program by path, from its graph's module stacks."""
    types = {}
    for node in program.graph.nodes:
        for path, kind in (node.meta.get("nn_module_stack") or {}).values():
            types[path] = kind if isinstance(kind, str) else f"{kind.__module__}.{kind.__qualname__}"
    return types


def _is_elementwise(module: nn.Module) -> bool:
    """Whether ``module`` maps each coordinate on its own (its Jacobian is diagonal): probed at random points."""
    generator = torch.Generator().manual_seed(0)
    z = 3 * torch.randn(64, 2, generator=generator, dtype=torch.float64)  # (64, 2)
    other = 3 * torch.randn(64, 2, generator=generator, dtype=torch.float64)
    try:
        out = module(z.clone())  # a copy: an in-place activation must not change the probe
        first_moved = module(torch.stack([other[:, 0], z[:, 1]], dim=1))
        second_moved = module(torch.stack([z[:, 0], other[:, 1]], dim=1))
    except Exception:  # not a map of points at all: then it is not an activation either
        return False
    return (
        isinstance(out, Tensor)
        and out.shape == z.shape
        and torch.equal(first_moved[:, 1], out[:, 1])
        and torch.equal(second_moved[:, 0], out[:, 0])
    )


# ---- steps ------------------------------------------------------------------------------------------------


def _tanh_slope(z: Tensor) -> Tensor:
    e = torch.exp(-2.0 * z.abs())
    return 4.0 * e / (1.0 + e) ** 2  # 1 / cosh(z)^2


def _sigmoid_slope(z: Tensor) -> Tensor:
    e = torch.exp(-z.abs())
    return e / (1.0 + e) ** 2  # s(z) s(-z)


SATURATING = {"tanh": (torch.tanh, _tanh_slope), "sigmoid": (torch.sigmoid, _sigmoid_slope)}


class Saturating(torch.autograd.Function):
    """tanh or sigmoid whose derivative keeps full relative precision where units saturate, as in
    ``network.ACTIVATIONS``: torch's own (1 - tanh^2, s (1 - s)) are exactly 0 beyond |z| ~ 19, and would make
    a custom network's charts look collapsed, its glyphs unbounded, where they are merely flat. Works with
    ``torch.func`` (forward and reverse mode, vmap)."""

    generate_vmap_rule = True

    @staticmethod
    def forward(z: Tensor, name: str) -> Tensor:
        return SATURATING[name][0](z)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        z, ctx.name = inputs
        ctx.save_for_backward(z)
        ctx.save_for_forward(z)

    @staticmethod
    def backward(ctx, grad: Tensor):
        (z,) = ctx.saved_tensors
        return grad * SATURATING[ctx.name][1](z), None

    @staticmethod
    def jvp(ctx, tangent: Tensor, _) -> Tensor:
        (z,) = ctx.saved_tensors
        return tangent * SATURATING[ctx.name][1](z)


def _scheme_step(scheme: str, f: Callable[[Tensor], Tensor], dt: float) -> Step:
    """The update of ``scheme`` around ``f`` (as ``network.STEP_RULES``, on tensors)."""
    if scheme == "c0":
        return lambda current, previous: f(current)
    if scheme == "c1":
        return lambda current, previous: current + dt * f(current)
    return lambda current, previous: 2 * current - previous + dt**2 * f(current)


def _plain_map(module: Callable) -> Callable[[Tensor], Tensor]:
    """A module or callable as a map of points (K, 2) -> (K, 2), its output checked once it is called."""

    def f(current: Tensor) -> Tensor:
        out = module(current)
        if not isinstance(out, Tensor) or out.shape != current.shape:
            shape = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
            raise ConfigError(
                f"{_describe(module)} maps points of shape {tuple(current.shape)} to {shape}; every "
                "layer must map the plane to the plane (K, 2) -> (K, 2)"
            )
        return out

    return f


def _plain_step(module: Callable) -> Step:
    f = _plain_map(module)
    return lambda current, previous: f(current)


def _chain(layers: Sequence[Layer], x0: Tensor) -> Tensor:
    """Every layer's coordinates of points ``x0`` (K, 2): (L+1, K, 2). A layer that fails is named in a
    one-line ``ConfigError``."""
    values = [x0]
    previous = x0
    for number, layer in enumerate(layers, start=1):
        current = values[-1]
        given = current.clone()  # a layer that changes its input in place (ReLU(inplace=True)) keeps x_{l-1} intact
        try:
            values.append(layer.step(given, given if layer.at_rest else previous))
        except ConfigError:
            raise
        except Exception as error:  # the user's code: say which layer, in one line
            raise ConfigError(
                f"layer {number} ({layer.description}) failed on float64 points {tuple(current.shape)}"
                f": {_error_words(error)}"
            ) from None
        previous = current
    return torch.stack(values)


def _error_words(error: Exception) -> str:
    """An error of the user's code in one line: its type and first line (the last line of a TorchScript
    interpreter's report, which starts with a stack of its own)."""
    words = str(error).strip().splitlines()
    if len(words) > 1 and "TorchScript interpreter" in words[0]:
        words = words[-1:]
    return f"{type(error).__name__}{': ' + words[0][:200] if words else ''}"


# ---- checks -----------------------------------------------------------------------------------------------


def _check_options(*, name, description, title, classes, geometry, data_source) -> None:
    """The Run's words and settings, refused before the network is read and exported (a name or title that a
    Run file cannot hold would otherwise fail only when the Run is saved)."""
    from .config import check_name
    from .run import check_class_names, check_title

    if name is not None:
        check_name(name, "name")
    if not isinstance(description, str):
        raise ConfigError(f"description must be a string, got {type(description).__name__}")
    if title is not None:
        check_title(title)
    if classes is not None:
        check_class_names(classes)
    if geometry is not None and not isinstance(geometry, GeometryConfig):
        raise ConfigError(f"geometry must be a GeometryConfig, got {type(geometry).__name__}")
    if data_source is not None:
        if not isinstance(data_source, dict):
            raise ConfigError(f"data_source must be a dict (meta.dataset), got {type(data_source).__name__}")
        try:
            json.dumps(data_source, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"data_source must be plain JSON with finite numbers ({error})") from None


def _check_input_width(flat: list[tuple[nn.Module, str]], kind: str, types: Mapping[str, str]) -> None:
    """A first ``Linear`` that does not take points of the plane, said in words before anything runs (a
    TorchScript or exported module would fail with an opaque error of its own)."""
    shape = _linear_shape(*flat[0], types) if flat else None
    if shape is not None and shape[1] != 2:
        raise ConfigError(
            f"the {kind}'s first layer, {_linear_words(flat[0][0])}, takes points of {shape[1]} "
            "coordinates; riemann-nn reads networks of the plane, whose layers take points (N, 2)"
        )


def _check_forward(
    module: nn.Module, children: list[tuple[nn.Module, str]], x0: np.ndarray, kind: str, *, batch: int | None = None
) -> None:
    """The children in order must compute what the module computes, else it is not read as a chain. ``batch``:
    the module takes exactly that many points at once (an export without dynamic shapes)."""
    points = torch.as_tensor(x0)  # (N, 2)
    try:
        expected = _in_batches(module, points.clone(), batch)  # copies: a module may change its input in place
        chained = points.clone()
        for child, _ in children:
            chained = child(chained)
    except Exception as error:  # a module that cannot run on (N, 2) points: say so in one line
        raise ConfigError(
            f"the {kind} cannot be run on points (N, 2) as a chain of its children "
            f"({_error_words(error)}); give its layers and head to run_from_callables"
        ) from None
    if isinstance(expected, Tensor) and expected.is_floating_point() and not bool(torch.isfinite(expected).all()):
        raise ConfigError(
            f"the {kind} gives NaN or infinite outputs on the data: are its weights finite, and the "
            "data within the range it was trained on?"
        )
    if not (
        isinstance(expected, Tensor)
        and isinstance(chained, Tensor)
        and expected.shape == chained.shape
        and _close(chained, expected, SAME)
    ):
        raise ConfigError(
            f"the {kind}'s forward does not run its children in order, so it cannot be read as a "
            "chain of layers; give its layers and head to run_from_callables(layers, head, x, y)"
        )


def _in_batches(module: nn.Module, points: Tensor, batch: int | None) -> Tensor:
    """``module(points)``, in batches of exactly ``batch`` points when given (the last one padded)."""
    if batch is None:
        return module(points)
    pieces = []
    for start in range(0, len(points), batch):
        piece = points[start : start + batch]  # (<= B, 2)
        padded = torch.cat([piece, piece[:1].expand(batch - len(piece), 2)])  # (B, 2)
        pieces.append(module(padded)[: len(piece)])
    return torch.cat(pieces)


def _example_batch(program) -> int | None:
    """The batch size a ``torch.export`` program was exported with, when it is fixed (no dynamic shapes)."""
    try:
        (example,), _ = program.example_inputs
        placeholder = next(
            node
            for node in program.graph.nodes
            if node.op == "placeholder"
            and node.name not in program.graph_signature.inputs_to_parameters
            and node.name not in program.graph_signature.inputs_to_buffers
        )
        size = placeholder.meta["val"].shape[0]
    except (TypeError, ValueError, AttributeError, KeyError, StopIteration):
        return None
    return int(size) if isinstance(size, int) and tuple(example.shape) == (size, 2) else None


def _close(a: Tensor, b: Tensor, tolerance: float) -> bool:
    """``a`` finite and within ``tolerance`` of ``b`` relative to ``b``'s largest entry (and 1)."""
    if a.numel() == 0:
        return True
    scale = 1.0 + float(b.abs().max())
    return bool(torch.isfinite(a).all()) and float((a - b).abs().max()) <= tolerance * scale


def _check_pointwise(layers: Sequence[Layer], x0: Tensor, coordinates: Tensor) -> None:
    """Each point must move on its own: the first few points alone land where they land among all."""
    few = min(len(x0), 7)
    alone = _chain(layers, x0[:few])  # (L+1, few, 2)
    if not _close(alone, coordinates[:, :few], SAME):
        raise ConfigError(
            "a layer moves a point differently depending on the other points given with it (batch "
            "statistics?): every layer must map each point on its own"
        )


def _check_differentiable(layers: Sequence[Layer], x0: Tensor) -> None:
    """Chart Jacobians come from torch's derivatives: a layer computed outside torch (numpy, ``.detach()``,
    integers) would silently give zero ones. So every layer's output must depend on its input through torch,
    unless it is the same at every point (a constant map, whose derivative is zero indeed)."""
    points = x0[: min(len(x0), 64)].clone().requires_grad_(True)  # (K, 2)
    previous = current = points
    with torch.enable_grad():
        for number, layer in enumerate(layers, start=1):
            given = current.clone()  # as in _chain: a layer may change its input in place
            try:
                out = layer.step(given, given if layer.at_rest else previous)
            except Exception as error:  # e.g. .numpy() of a tensor that requires grad
                raise ConfigError(
                    f"layer {number} ({layer.description}) cannot be differentiated by torch "
                    f"({_error_words(error)}); chart Jacobians need layers made of torch "
                    "operations"
                ) from None
            if not out.requires_grad and not bool((out == out[:1]).all()):
                raise ConfigError(
                    f"layer {number} ({layer.description}) does not depend on its input through torch "
                    "(computed with numpy, detached, or rounded to integers), so torch cannot give its "
                    "derivative; chart Jacobians need layers made of torch operations"
                )
            previous, current = current, out


def _check_finite(coordinates: Tensor, layers: Sequence[Layer]) -> None:
    finite = torch.isfinite(coordinates).all(dim=(1, 2))  # (L+1,)
    if not bool(finite.all()):
        layer = int(torch.nonzero(~finite)[0])
        raise ConfigError(f"layer {layer} ({layers[layer - 1].description}) gives NaN or infinite coordinates")


def _affine_head(head: Callable, last: Tensor) -> Head:
    """A callable head as ``w . x + c``: its value and gradient at the centre of the last layer's points, then
    checked against its values at every point (a head that is not affine is refused)."""

    def logit(points: Tensor) -> Tensor:  # (K, 2) -> (K,)
        try:
            out = head(points.clone())  # a copy: a head that changes its input in place leaves the points alone
        except Exception as error:  # the user's code: in one line
            raise ConfigError(
                f"the head ({_describe(head)}) failed on float64 points {tuple(points.shape)}: {_error_words(error)}"
            ) from None
        if not isinstance(out, Tensor):
            raise ConfigError(f"the head returned a {type(out).__name__}, not a tensor of logits")
        if out.ndim == 2 and out.shape[1] == 2:
            return out[:, 1] - out[:, 0]  # two logits: class 1 minus class 0
        if out.shape in ((len(points),), (len(points), 1)):
            return out.reshape(-1)
        raise ConfigError(
            f"the head maps points {tuple(points.shape)} to shape {tuple(out.shape)}; it must give "
            "one logit per point (K,) or (K, 1), or two logits (K, 2)"
        )

    centre = last.mean(dim=0, keepdim=True).detach().requires_grad_(True)  # (1, 2)
    value = logit(centre)
    if not value.requires_grad:
        raise ConfigError(
            "the head's logits do not depend on its input through torch (computed with numpy, "
            "detached, or integers): the head must be an affine map in torch operations"
        )
    (gradient,) = torch.autograd.grad(value.sum(), centre)
    weight = gradient[0].detach().numpy().copy()  # (2,)
    bias = float(value.detach()[0]) - float(weight @ centre.detach().numpy()[0])
    with torch.no_grad():
        actual = logit(last).numpy()  # (N,)
    affine = last.detach().numpy() @ weight + bias
    if not np.isfinite(actual).all():
        raise ConfigError("the head gives NaN or infinite logits on the last layer's points")
    if not np.allclose(affine, actual, rtol=1e-6, atol=1e-6 * (1.0 + float(np.abs(actual).max()))):
        raise ConfigError("the head is not affine (logit = w . x + c): put its nonlinear part into the last layer")
    return Head(weight, bias, _describe(head))


# ---- export ----------------------------------------------------------------------------------------------


def _export(
    layers: list[Layer],
    head: Head,
    x0: np.ndarray,
    codes: np.ndarray,
    labels: list,
    *,
    name: str,
    description: str,
    title,
    classes,
    geometry: GeometryConfig | None,
    data_source: dict | None,
    source: str,
) -> Run:
    """Check the layers on the data, pick the built-in form if they have it, and export the Run."""
    with single_thread(), torch.no_grad():
        points = torch.as_tensor(x0)
        coordinates = _chain(layers, points)  # (L+1, N, 2)
        _check_finite(coordinates, layers)
        _check_pointwise(layers, points, coordinates)
    network = _builtin(layers, head, coordinates, source)
    if network is None:
        _check_differentiable(layers, points)
        network = _custom(layers, head, source)
    logits = coordinates[-1].numpy() @ head.weight + head.bias  # (N,)
    accuracy = float(np.mean((logits > 0) == (codes == 1)))
    loss = float(np.mean(np.logaddexp(0.0, logits) - codes * logits))  # binary cross-entropy with logits
    if accuracy < ZERO_LOGIT_WARNING:
        warnings.warn(
            f"the model classifies only {accuracy:.1%} of the points as labelled: are the labels the "
            f"other way round? (say which is class 1 with positive=..., --positive)",
            RiemannNNWarning,
            stacklevel=3,
        )
    digest = hashlib.sha256(np.ascontiguousarray(x0).tobytes() + codes.tobytes()).hexdigest()
    meta = {
        "name": name,
        "description": description,
        "dataset": data_source or {"source": "arrays", "n": len(codes), "sha256": digest},
        "training": {
            "accuracy": accuracy,
            "loss": loss,
            "iterations": 0,
            "objective": "binary cross-entropy with logits, measured on the data given (trained elsewhere)",
        },
        **({"labels": {"values": labels}} if labels != [0, 1] else {}),
    }
    run = export_run(
        network, x0, codes, geometry=geometry or GeometryConfig(), meta=meta, loss=np.zeros(0), accuracy=np.zeros(0)
    )
    return run.with_words(title=title, classes=classes)


def _builtin(layers: list[Layer], head: Head, coordinates: Tensor, source: str) -> Network | None:
    """The built-in ``Network`` when every layer has one form (scheme, activation, dt; a second-order chain
    starting at rest only at its first layer) and numpy reproduces the layers with it; else None."""
    forms = [layer.form for layer in layers]
    if any(form is None for form in forms):
        return None
    first = forms[0]
    assert first is not None
    if any((f.scheme, f.activation, f.dt) != (first.scheme, first.activation, first.dt) for f in forms if f):
        return None
    if first.scheme == "c2" and [layer.at_rest for layer in layers] != [True] + [False] * (len(layers) - 1):
        return None
    weight = np.stack([f.weight for f in forms if f])  # (L, 2, 2)
    bias = np.stack([f.bias for f in forms if f])  # (L, 2)
    network = builtin_network(
        weight,
        bias,
        head.weight,
        np.array(head.bias),
        scheme=first.scheme,
        activation=first.activation,
        dt=first.dt,
        model={"source": source, "layers": [layer.description for layer in layers]},
    )
    recomputed = torch.as_tensor(network.layers(coordinates[0].numpy()))  # (L+1, N, 2)
    return network if _close(recomputed, coordinates, NUMPY_AGREES) else None


def _custom(layers: list[Layer], head: Head, source: str) -> Network:
    """A ``Network`` whose coordinates come from the layers and Jacobians from ``torch.func`` on them."""

    def coordinates(points: np.ndarray) -> np.ndarray:  # (..., 2) -> (L+1, ..., 2)
        flat = np.asarray(points, np.float64).reshape(-1, 2)  # (K, 2)
        if len(flat) == 0:
            return np.zeros((len(layers) + 1, *np.shape(points)))
        with single_thread(), torch.no_grad():
            values = _chain(layers, torch.as_tensor(flat)).numpy()  # (L+1, K, 2)
        return values.reshape(len(layers) + 1, *np.shape(points))

    def jacobians(sites: np.ndarray) -> np.ndarray:  # (M, 2) -> (L+1, M, 2, 2)
        with single_thread():
            jac = _chart_jacobians(layers, torch.as_tensor(np.asarray(sites, np.float64)))
        if not np.isfinite(jac).all():
            raise ConfigError(
                "a layer's derivative is NaN or infinite at a glyph site: chart Jacobians need "
                "layers differentiable where the data lie"
            )
        return jac

    model = {
        "scheme": CUSTOM_SCHEME,
        "depth": len(layers),
        "source": source,
        "layers": [layer.description for layer in layers],
    }
    return Network(coordinates, jacobians, head.weight, np.array(head.bias), model)


def _chart_jacobians(layers: Sequence[Layer], sites: Tensor) -> np.ndarray:
    """``J_l = d x_l / d x_0`` at ``sites`` (M, 2): (L+1, M, 2, 2), by ``torch.func`` (forward mode, vmapped
    over the sites); layers that vmap cannot trace (data-dependent Python control flow, ``.item()``) are
    differentiated by reverse-mode autograd instead, one backward pass per output coordinate."""
    from torch.func import jacfwd, vmap

    def chart(point: Tensor) -> Tensor:  # (2,) -> (L+1, 2)
        return _chain(layers, point[None])[:, 0]

    if len(sites) == 0:
        return np.zeros((len(layers) + 1, 0, 2, 2))
    try:
        jac = vmap(jacfwd(chart))(sites)  # (M, L+1, 2, 2)
    except Exception:  # torch.func cannot trace every module; autograd can differentiate any
        jac = _reverse_mode_jacobians(layers, sites)
    return jac.detach().permute(1, 0, 2, 3).numpy().copy()


def _reverse_mode_jacobians(layers: Sequence[Layer], sites: Tensor) -> Tensor:
    """As ``_chart_jacobians`` by reverse mode: each point's output depends on that point only (checked), so
    the gradient of a coordinate summed over the points is every point's Jacobian row: (M, L+1, 2, 2)."""
    points = sites.clone().requires_grad_(True)  # (M, 2)
    with torch.enable_grad():
        values = _chain(layers, points)  # (L+1, M, 2)
        rows = []
        for layer in range(len(layers) + 1):
            for i in range(2):
                (gradient,) = torch.autograd.grad(
                    values[layer, :, i].sum(), points, retain_graph=True, allow_unused=True
                )
                rows.append(torch.zeros_like(points) if gradient is None else gradient)  # (M, 2)
    return torch.stack(rows, dim=1).reshape(len(sites), len(layers) + 1, 2, 2)


# ---- small helpers ---------------------------------------------------------------------------------------


def _data(x, y, positive) -> tuple[np.ndarray, np.ndarray, list]:
    codes, labels = encode_labels(y, positive=positive)
    x0, codes = check_points(x.detach().cpu().numpy() if isinstance(x, Tensor) else x, codes, source="the data")
    return x0, codes, labels


def _float64_copy(obj):
    """A float64 copy of a module in eval mode (the user's stays as it was); other callables as they are."""
    if not isinstance(obj, nn.Module):
        return obj
    duplicate = _copy(obj, type(obj).__name__)
    with warnings.catch_warnings():  # converting a TorchScript module warns about .grad of its internals
        warnings.simplefilter("ignore")
        return duplicate.double().eval()


def _copy(obj, what: str):
    try:
        with warnings.catch_warnings():  # torch's notes about its own internals, of no use to the user
            warnings.simplefilter("ignore")
            return copy.deepcopy(obj)
    except Exception as error:  # a module holding something that cannot be copied (an open file, a lock)
        raise ConfigError(f"cannot copy the {what} to read it in float64 ({type(error).__name__})") from None


def _describe(layer: Callable) -> str:
    if isinstance(layer, torch.jit.ScriptModule):
        return str(layer.original_name)
    if isinstance(layer, nn.Module):
        return type(layer).__name__
    return getattr(layer, "__name__", type(layer).__name__)


def _file_name(kind: str) -> str:
    kept = "".join(c if c.isalnum() or c in "._-" else "_" for c in kind)[:60].lstrip("._-")
    return kept.lower() or "model"
