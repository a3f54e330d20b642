"""The scenes ship inside the package; the repository's scenes/*.py are thin files that Manim renders as the
package's scenes; ``riemann-nn scenes`` lists them."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from riemann_nn.cli import main
from riemann_nn.jobs.job import SCENES_DIR, declared_default_preset, declared_needs_network, scene_names
from riemann_nn.scenes import SCENES

ROOT = Path(__file__).resolve().parent.parent


def test_every_shipped_scene_is_listed_and_every_listed_scene_ships():
    assert sorted(SCENES) == scene_names()
    assert all((SCENES_DIR / f"{name}.py").is_file() for name in SCENES)


@pytest.mark.parametrize("name", sorted(SCENES))
def test_a_thin_file_renders_exactly_the_package_scene(name):
    from manim.utils.module_ops import get_scene_classes_from_module

    spec = importlib.util.spec_from_file_location(f"thin_{name}", ROOT / "scenes" / f"{name}.py")
    thin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(thin)
    shipped = importlib.import_module(f"riemann_nn.scenes.{name}")
    scene_class = SCENES[name][0]
    found = get_scene_classes_from_module(thin)  # what `manim scenes/NAME.py` renders
    assert [cls.__name__ for cls in found] == [scene_class]
    assert issubclass(found[0], getattr(shipped, scene_class)) and found[0].__dict__.keys() <= {
        "__module__",
        "__doc__",
        "__qualname__",
        "__firstlineno__",
        "__static_attributes__",
    }
    thin_file, package_file = ROOT / "scenes" / f"{name}.py", SCENES_DIR / f"{name}.py"
    assert declared_default_preset(thin_file) == declared_default_preset(package_file)
    assert declared_needs_network(thin_file) == declared_needs_network(package_file)


def test_importing_the_scenes_package_imports_no_manim():
    code = "import sys, riemann_nn.scenes, riemann_nn.jobs; print('manim' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_scenes_command_lists_them():
    result = CliRunner().invoke(main, ["scenes"])
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.output.splitlines()] == list(SCENES)
