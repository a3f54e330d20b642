"""Print riemann_nn's internal import graph and fail (exit 1) on a cycle or an import that runs upward.

    python scripts/import_graph.py          # the graph, one module a line, then the verdict

Imports inside functions count too: a lazy import may save start-up time, it must not hide a cycle. Data
flows one way (DESIGN.md): each module may import only modules of its own or an earlier layer in ``LAYERS``.
torch may be imported at module level only by the modules in ``TORCH_AT_IMPORT`` (they train or differentiate).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "riemann_nn"

# Lowest first. A module may import modules of its own layer or of earlier layers, never of later ones.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "_version", "outputs", "places", "steps"),
    ("config",),
    ("presets", "data", "network", "standardize"),
    ("metric", "level_sets"),
    ("checkpoints",),
    ("run",),
    ("model", "modules"),
    ("train",),
    ("export",),
    ("cache", "geodesic", "interpolate", "sweep", "folds", "user_model", "importer"),
    ("companions",),
    ("environment",),
    ("render", "jobs"),
    ("scenes",),
    ("cli",),
    ("__init__",),
]
TORCH_AT_IMPORT = {"model", "train", "geodesic", "modules", "user_model"}


def module_name(path: Path, package: Path) -> str:
    """``riemann_nn/render/marks.py`` -> ``render.marks``; a package's ``__init__`` is the package itself."""
    parts = list(path.relative_to(package).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str) -> tuple[set[str], bool]:
    """The package modules ``path`` imports (anywhere in it), and whether it imports torch at module level."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    if name == "__init__":
        package = []
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = [*base, *(node.module.split(".") if node.module else [])]
            if node.module:
                found.add(".".join(target))
            else:  # from . import a, b
                found.update(".".join([*target, alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("riemann_nn"):
            rest = node.module.split(".")[1:]
            found.add(".".join(rest) if rest else "__init__")
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".", 1)[1] for a in node.names if a.name.startswith("riemann_nn."))
    torch_at_import = any(
        (isinstance(node, ast.Import) and any(a.name.split(".")[0] == "torch" for a in node.names))
        or (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "torch")
        for node in tree.body
    )
    return {target for target in found if target and target != name}, torch_at_import


def layer_of(name: str) -> int:
    top = name.split(".")[0]
    for index, layer in enumerate(LAYERS):
        if top in layer:
            return index
    raise SystemExit(f"import_graph: module {name!r} is in no layer; add it to LAYERS")


def known(name: str, modules: set[str]) -> str | None:
    """The module ``name`` refers to: itself, or for ``from .render import x`` style names, its package."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph, as a list of modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def main(package: Path = PACKAGE) -> int:
    paths = {module_name(p, package): p for p in sorted(package.rglob("*.py"))}
    modules = set(paths)
    graph: dict[str, set[str]] = {}
    problems: list[str] = []
    for name, path in paths.items():
        targets, torch_at_import = imports_of(path, name)
        resolved = {known(t, modules) for t in targets} - {None, name}
        # A package's own __init__ importing its submodules is how it re-exports them, not a dependency upward.
        graph[name] = {t for t in resolved if t is not None and not (t.startswith(name + ".") or name == "__init__")}
        for target in sorted(graph[name]):
            if layer_of(target) > layer_of(name):
                problems.append(f"{name} imports {target}, which is in a later layer")
        if torch_at_import and name.split(".")[0] not in TORCH_AT_IMPORT:
            problems.append(f"{name} imports torch at module level")
    for name in sorted(graph, key=lambda n: (layer_of(n), n)):
        print(f"{name:28s} -> {', '.join(sorted(graph[name])) or '-'}")
    if cycle := find_cycle(graph):
        problems.append("import cycle: " + " -> ".join(cycle))
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    print("import graph: " + ("ok" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
