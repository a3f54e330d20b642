"""How scenes pick their Run (the scenes' real renders are in their own test files)."""

from __future__ import annotations

import pytest

from riemann_nn.config import DatasetConfig, GeometryConfig, ModelConfig, RunConfig, TrainConfig
from riemann_nn.export import build_run
from riemann_nn.render.story import scene_run
from riemann_nn.run import save_run


@pytest.fixture(scope="module")
def tiny_run_file(tmp_path_factory):
    config = RunConfig(
        name="tiny",
        dataset=DatasetConfig("circles", n=80, noise=0.05, seed=1),
        model=ModelConfig("c1", "tanh", depth=2, init_gain=0.5),
        training=TrainConfig(iterations=40, lr=0.05, weight_decay=0.0, seed=1),
        geometry=GeometryConfig(sites_per_side=4, grid_lines=4, grid_samples=12),
    )
    return save_run(build_run(config, progress=False), tmp_path_factory.mktemp("run") / "tiny.npz")


def test_scene_run_rejects_unknown_presets_and_bad_files(tmp_path, monkeypatch):
    """An unknown preset or a corrupt Run file ends the render with one line naming it."""
    monkeypatch.delenv("RIEMANN_NN_RUN", raising=False)
    monkeypatch.setenv("RIEMANN_NN_PRESET", "no-such-preset")
    with pytest.raises(SystemExit, match="no-such-preset"):
        scene_run()
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.setenv("RIEMANN_NN_RUN", str(bad))
    with pytest.raises(SystemExit, match=r"bad\.npz"):
        scene_run()


def test_scene_run_reads_the_named_file(tiny_run_file, monkeypatch):
    monkeypatch.setenv("RIEMANN_NN_RUN", str(tiny_run_file))
    assert scene_run().name == "tiny"


@pytest.mark.parametrize(
    "variable, value, fragment",
    [
        ("RIEMANN_NN_THEME", "sepia", "riemann-nn: unknown theme 'sepia'"),
        ("RIEMANN_NN_PATH", "staged", "riemann-nn: the staged path replays one c0 layer"),
    ],
)
def test_a_bad_variable_ends_a_scene_run_by_manim_in_one_line(
    tiny_run_file, tmp_path, monkeypatch, variable, value, fragment
):
    """``manim scenes/transform.py`` with a bad theme or path: one line (it was a traceback from the scene's setup)."""
    from manim import tempconfig

    from riemann_nn.scenes.transform import LayerByLayer

    monkeypatch.setenv("RIEMANN_NN_RUN", str(tiny_run_file))
    monkeypatch.setenv(variable, value)
    with tempconfig({"media_dir": str(tmp_path), "dry_run": True}), pytest.raises(SystemExit) as info:
        LayerByLayer().render()
    assert str(info.value).startswith(fragment) and "\n" not in str(info.value)
