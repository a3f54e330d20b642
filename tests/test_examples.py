"""The walk-through in examples/ runs as a user would run it: train, import, inspect, save, draw, render."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.render
def test_the_own_model_walk_through_runs(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("own_model", ROOT / "examples" / "own_model.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    run = example.main(tmp_path, video=True, fps=2)
    printed = capsys.readouterr().out
    assert sorted(path.name for path in tmp_path.iterdir() if path.suffix != ".vtt" and path.suffix != ".srt") == [
        "mine-sheet.png",
        "mine.mp4",
        "mine.npz",
    ]
    assert run.scheme == "c0" and run.class_names == ("lower", "upper")
    difference = float(printed.split("largest logit difference from the module: ")[1].split()[0])
    assert difference < 1e-9  # the Run's head on its last layer is the module's output
    assert np.isfinite(run.metric).all()
