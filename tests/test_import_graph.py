"""The package's imports run one way (scripts/import_graph.py), and the checker itself catches what it claims."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "import_graph.py"


@pytest.fixture(scope="module")
def import_graph():
    spec = importlib.util.spec_from_file_location("import_graph", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_riemann_nn_has_no_cycle_and_no_upward_import(import_graph, capsys):
    assert import_graph.main() == 0, capsys.readouterr().err


def write_package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    "files, problem",
    [
        (
            {"config.py": "from .errors import X\n", "errors.py": "def f():\n    from .config import Y\n"},
            "import cycle: config -> errors -> config",
        ),
        (
            {"errors.py": "", "metric.py": "from .export import build_run\n", "export.py": ""},
            "metric imports export, which is in a later layer",
        ),
        ({"metric.py": "import torch\n"}, "metric imports torch at module level"),
        (
            {"run.py": "from riemann_nn.render.marks import X\n", "render/__init__.py": "", "render/marks.py": ""},
            "run imports render.marks, which is in a later layer",
        ),
    ],
)
def test_the_checker_reports_cycles_upward_imports_and_torch(import_graph, tmp_path, capsys, files, problem):
    package = write_package(tmp_path / "riemann_nn", files)
    assert import_graph.main(package) == 1
    assert problem in capsys.readouterr().err
