"""riemann-nn installed from its wheel into a fresh venv renders from an empty directory, writing nothing there
but the video (``scripts/install_check.py``: the quick way, the venv borrowing this environment's packages;
``--full`` installs every dependency, too slow for the suite)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.render
def test_a_wheel_installed_in_a_fresh_venv_renders_anywhere(tmp_path):
    spec = importlib.util.spec_from_file_location("install_check", ROOT / "scripts" / "install_check.py")
    install_check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(install_check)
    before = sorted(path.name for path in ROOT.iterdir())
    times = install_check.check(tmp_path, full=False, find_links=None)  # raises CheckFailed saying what is wrong
    assert set(times) == {"wheel", "install", "run", "render"}
    assert sorted(path.name for path in ROOT.iterdir()) == before  # building the wheel left nothing here
